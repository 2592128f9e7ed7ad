"""The supernet phase of a search: a supernet-proposing searcher seen by the search loop as a cell searcher.

Before each `ask`, the searcher's pending supernets are scored in this process, one at a time on the score
config's device, and each row is written to the run's supernet table before it is told; a supernet the table
already holds (a resumed run: same score config, mode, batches, restart seed and supernet) is told from there.
The searcher is deterministic, so a resumed run proposes the same supernets and rescores none that finished.
The cells it then proposes go through the ordinary loop, Tune trials and cell store.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping

from snasray.cells import Cell, op_by_id
from snasray.rundir import io_error
from snasray.score import ScoreConfig
from snasray.search.prune.scoring import SupernetScorer
from snasray.search.prune.table import IDENTITY, SupernetTable

PROGRESS_EVERY = 10.0  # seconds between lines within a round


class SupernetPhase:
    """`ask`/`tell` over a searcher with `supernets()` and `tell_supernet` (see `snasray.search.searchers.prune`).

    run_fields: run_id, space, config_hash, dataset, preset (as the cell store's rows carry them).
    Raises UserError from `ask` when the supernet table cannot be written.
    """

    def __init__(self, searcher, score: ScoreConfig, run_dir, run_fields: Mapping, seed: int, progress: bool) -> None:
        self.searcher, self.seed, self.progress = searcher, seed, progress
        self.table = SupernetTable(run_dir)
        self.scorer = SupernetScorer(score, searcher.mode, searcher.batches, searcher.dead)
        self.fields = {k: run_fields[k] for k in ("run_id", "space", "config_hash", "dataset", "preset")}
        self.known = self.table.index()
        self.scored = self.reused = 0

    def ask(self) -> Cell:
        while pending := self.searcher.supernets():
            start = time.perf_counter()
            rows = []
            shown = start
            for proposal in pending:
                row = self._row(proposal)
                rows.append(row)
                self.searcher.tell_supernet(proposal, row)
                if self.progress and time.perf_counter() - shown >= PROGRESS_EVERY and len(rows) < len(pending):
                    shown = time.perf_counter()
                    self._report(pending[0], rows, shown - start, of=len(pending))
            self._report(pending[0], rows, time.perf_counter() - start)
        return self.searcher.ask()

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        self.searcher.tell(cell, result)

    def _row(self, proposal) -> dict:
        mixture, seed = proposal.mixture, proposal.seed
        settings = (self.scorer.mode, self.scorer.batch_mode, self.scorer.dead)
        identity = dict(zip(IDENTITY, (self.fields["config_hash"], *settings, seed, proposal.key), strict=True))
        known = self.known.get(tuple(identity.values()))
        if known is not None:
            self.reused += 1
            return known
        i, j = mixture.pairs[proposal.pair]
        row = {
            **self.fields,
            **identity,
            "seed": self.seed,
            "restart": proposal.restart,
            "round": proposal.round,
            "node_i": i,
            "node_j": j,
            "removed": proposal.state,
            "removed_op": op_by_id(abs(proposal.state)).name,
            "batch_seed": self.scorer.batch_seed(mixture, seed),
        }
        try:
            result = self.scorer.score(mixture, seed)
        except Exception as err:  # recorded in the table; the pruning ranks it last and goes on
            row.update(score=math.nan, status="error", error=f"{type(err).__name__}: {err}")
        else:
            row.update(
                score=result.score,
                repeat_scores=list(result.repeat_scores),
                firing_rate=result.firing_rate,
                synops=result.synops,
                spikes_per_image=result.spikes_per_image,
                params=result.params,
                seconds=result.seconds,
                status="ok",
                error=result.error,
            )
        try:
            self.table.append(row)
        except OSError as err:
            raise io_error("write the supernet table in", self.table.folder, err) from None
        self.scored += 1
        return row

    def _report(self, first, rows: list[dict], seconds: float, of: int | None = None) -> None:
        """One line on stderr: a round's supernets scored so far (`of`: the round's total while it runs)."""
        if not self.progress:
            return
        finite = [r["score"] for r in rows if math.isfinite(r["score"])]
        best = f"{max(finite):.3f}" if finite else "-"
        count = f"{len(rows)}/{of}" if of else f"{len(rows)}"
        sys.stderr.write(
            f"prune: restart {first.restart + 1}/{len(self.searcher.seeds)} round {first.round + 1}:"
            f" {count} supernets in {seconds:.1f}s, best {best}\n"
        )
        sys.stderr.flush()
