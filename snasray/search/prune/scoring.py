"""Score a supernet with the cell scorer's machinery: same data, network init, spike collection and SAHD."""

from __future__ import annotations

import hashlib
import time

from snasray.data import score_batches
from snasray.model.supernet import Supernet
from snasray.score import ScoreConfig, Scorer, ScoreResult
from snasray.score.scorer import LAYOUTS
from snasray.search.prune.mixture import Mixture


class SupernetScorer:
    """Scores `Mixture`s under a `ScoreConfig`, as `Scorer` scores cells.

    mode: "train" (SNASNet's scoring: BN on batch statistics, dropout on) or "eval" (LightSNN's code).
    batches: "fixed" (the seed's score batches, shared with every cell of the search) or "fresh" (batches
    drawn for each supernet, seeded by `batch_seed`, as LightSNN's code draws a fresh shuffled batch per score).
    dead: "keep" (LightSNN's code: every live op is built, also on nodes that cannot reach the output) or
    "prune" (the paper's pruning rule applied to the supernet first, as cells are scored pruned).
    """

    def __init__(self, config: ScoreConfig, mode: str = "train", batches: str = "fixed", dead: str = "keep") -> None:
        self.scorer = Scorer(config)
        self.mode, self.batch_mode, self.dead = mode, batches, dead

    def batch_seed(self, mixture: Mixture, seed: int) -> int:
        """The seed of the batches that score `mixture` under the restart seed `seed`."""
        if self.batch_mode == "fixed":
            return seed
        digest = hashlib.sha256(f"{seed} {mixture.key()}".encode()).digest()
        return int.from_bytes(digest[:4], "big")

    def _batches(self, mixture: Mixture, seed: int) -> list:
        if self.batch_mode == "fixed":
            return self.scorer.batches(seed)
        cfg = self.scorer.config
        found = score_batches(cfg.data_config(), cfg.batch_size, cfg.repeat, self.batch_seed(mixture, seed))
        return [b.to(self.scorer.device).contiguous(memory_format=LAYOUTS[cfg.layout]) for b in found]

    def score(self, mixture: Mixture, seed: int) -> ScoreResult:
        """The SAHD score of the supernet `mixture`, its network initialised from `seed`."""
        start = time.perf_counter()
        batches = self._batches(mixture, seed)
        edges = mixture.weighted_edges(prune_dead=self.dead == "prune")
        network = self.scorer.build((mixture.nodes, edges), seed, Supernet)
        if self.mode == "eval":
            network.eval()
        key = mixture.key()
        return self.scorer.measure(network, batches, seed, cell=key, key=key, start=start)
