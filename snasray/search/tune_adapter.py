"""One Ray Tune `Searcher` for every cell searcher: each trial scores cells of one round.

The searcher hands Tune a trial whenever a worker is free; the trial takes its cells from the
`Dispatcher`, which the searcher fills a round at a time. Rounds are asked only after every answer
of the previous round was told, in ask order, so proposals never depend on timing.

A store write that fails (full disk, read-only file system) stops the search: no new round is sent out,
the trials finish the round in flight (their rows are written if the store takes them again), and
`write_error` holds the first error for the runner to report.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import ray
from ray.tune.search import Searcher

from snasray.cells import Cell, op_by_id
from snasray.search.loop import SearchLoop
from snasray.search.store import ScoreStore


def scoring_cost(cell: Cell) -> int:
    """A rough relative cost of scoring a cell: its convolutions' multiply-adds per pixel and channel."""
    return sum(op.kernel**2 + 1 for op in (op_by_id(op_id) for *_, op_id in cell.edges()) if op.spiking)


def round_cells(loop: SearchLoop) -> list[dict]:
    """The round's cells that the store cannot answer, costly first, so the round ends on cheap ones and
    the workers finish together."""
    pending = sorted(loop.to_score(), key=lambda p: -scoring_cost(p.cell))
    return [
        {"cell": str(p.cell), "key": p.key, "order": p.order, "round": loop.rounds, "attempt": loop.next_attempt(p.key)}
        for p in pending
    ]


class RoundSearcher(Searcher):
    def __init__(
        self,
        loop: SearchLoop,
        store: ScoreStore,
        trial_config: dict,
        dispatcher: ray.actor.ActorHandle,
        on_progress: Callable[[SearchLoop], None] | None = None,
    ) -> None:
        super().__init__(metric="best_score", mode="max")
        self.loop, self.store, self.dispatcher = loop, store, dispatcher
        self.trial_config = trial_config
        self.on_progress = on_progress or (lambda _: None)
        self.write_error: OSError | None = None
        self._advance()

    def set_search_properties(self, metric, mode, config, **spec) -> bool:
        return True  # the metric is fixed: best_score of a batch, maximised

    def suggest(self, trial_id: str) -> dict | str:
        if self.loop.finished or self.write_error:
            return Searcher.FINISHED
        return dict(self.trial_config)

    def _advance(self) -> None:
        """Tell every finished round and send out the next one with cells to score, or end the search."""
        while not self.loop.current or self.loop.round_answered():
            if self.loop.current:
                self.loop.complete()
                self.on_progress(self.loop)
            if self.loop.finished or self.write_error:
                ray.get(self.dispatcher.close.remote())
                return
            self.loop.next_round()
            cells = round_cells(self.loop)
            if cells:
                ray.get(self.dispatcher.put.remote(cells))
                return

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        """A trial's rows, told as soon as it reports them rather than when its actor has stopped."""
        self._answer(trial_id, list(result.get("rows", [])))

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        self._answer(trial_id, [])  # a trial that failed for good: its unanswered cells fail

    def _answer(self, trial_id: str, rows: list[dict]) -> None:
        taken = ray.get(self.dispatcher.release.remote(trial_id))
        if not taken:
            return  # already answered, or a spare trial that the end of the search sent home
        attempts = {cell["key"]: cell["attempt"] for cell in taken}
        rows = [{**r, "attempt": attempts[r["key"]]} for r in rows if r["key"] in attempts]
        answered = {r["key"] for r in rows}
        for cell in taken:
            if cell["key"] not in answered:  # a trial that failed for good still gives every cell a row
                rows.append(self._failed_row(cell))
        fresh = [r for r in rows if self.loop.is_new(r)]
        try:
            self.store.append(fresh)
        except OSError as err:  # the rows are lost; the cells stay unscored, so a resume scores them
            if self.write_error is None:
                self.write_error = err
                ray.get(self.dispatcher.close.remote())
            return
        self.loop.record(fresh)
        self.on_progress(self.loop)
        if not self.write_error:
            self._advance()

    def _failed_row(self, cell: dict) -> dict:
        return {
            **self.trial_config["run_fields"],
            **cell,
            "seed": self.trial_config["seed"],
            "score": math.nan,
            "status": "error",
            "error": "the scoring worker failed after all retries",
        }

    def save(self, checkpoint_path: str) -> None:
        pass  # the store is the search's state; a resumed search replays it

    def restore(self, checkpoint_path: str) -> None:
        pass
