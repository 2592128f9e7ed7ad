"""One Ray Tune `Searcher` for every cell searcher: a trial carries a batch of one round's cells."""

from __future__ import annotations

import math
from collections.abc import Callable

from ray.tune.search import Searcher

from snasray.search.loop import Proposal, SearchLoop
from snasray.search.store import ScoreStore


class RoundSearcher(Searcher):
    def __init__(
        self,
        loop: SearchLoop,
        store: ScoreStore,
        trial_config: dict,
        cells_per_trial: int,
        on_progress: Callable[[SearchLoop], None] | None = None,
    ) -> None:
        super().__init__(metric="best_score", mode="max")
        self.loop, self.store = loop, store
        self.trial_config, self.cells_per_trial = trial_config, cells_per_trial
        self.on_progress = on_progress or (lambda _: None)
        self.queue: list[list[Proposal]] = []
        self.running: dict[str, list[Proposal]] = {}

    def set_search_properties(self, metric, mode, config, **spec) -> bool:
        return True  # the metric is fixed: best_score of a batch, maximised

    def suggest(self, trial_id: str) -> dict | str | None:
        while not self.queue and not self.running:
            if self.loop.current:  # every cell of the round is answered
                self.loop.complete()
                self.on_progress(self.loop)
            if self.loop.finished:
                return Searcher.FINISHED
            self.loop.next_round()
            pending = self.loop.to_score()
            size = self.cells_per_trial
            self.queue = [pending[i : i + size] for i in range(0, len(pending), size)]
        if not self.queue:
            return None  # wait for the running trials of this round
        batch = self.queue.pop(0)
        self.running[trial_id] = batch
        return {
            **self.trial_config,
            "cells": [str(p.cell) for p in batch],
            "keys": [p.key for p in batch],
            "orders": [p.order for p in batch],
            "round": self.loop.rounds,
        }

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        batch = self.running.pop(trial_id, [])
        rows = list(result.get("rows", [])) if result and not error else []
        answered = {r["key"] for r in rows}
        for proposal in batch:  # a trial that failed for good still gives every cell a row
            if proposal.key not in answered:
                rows.append(self._failed_row(proposal))
        fresh = [r for r in rows if r["key"] not in self.loop.known]
        self.store.append(fresh)
        self.loop.record(fresh)
        self.on_progress(self.loop)

    def _failed_row(self, proposal: Proposal) -> dict:
        return {
            **self.trial_config["run_fields"],
            "key": proposal.key,
            "cell": str(proposal.cell),
            "seed": self.trial_config["seed"],
            "order": proposal.order,
            "round": self.loop.rounds,
            "score": math.nan,
            "status": "error",
            "error": "the scoring worker failed after all retries",
        }

    def save(self, checkpoint_path: str) -> None:
        pass  # the store is the search's state; a resumed search replays it

    def restore(self, checkpoint_path: str) -> None:
        pass
