"""The scorer for a config: the network scorer, or a table lookup when the config names a table."""

from __future__ import annotations

from snasray.score.scorer import ScoreConfig, Scorer
from snasray.score.table import TableScorer


def make_scorer(config: ScoreConfig) -> Scorer | TableScorer:
    return TableScorer(config.table) if config.table else Scorer(config)
