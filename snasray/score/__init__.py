"""The training-free SAHD score."""

from snasray.score.collector import SpikeCollector
from snasray.score.factory import make_scorer
from snasray.score.kernel import logdet_score, sahd_kernel, spike_gram
from snasray.score.scorer import ScoreConfig, Scorer, ScoreResult

__all__ = [
    "ScoreConfig",
    "ScoreResult",
    "Scorer",
    "SpikeCollector",
    "logdet_score",
    "make_scorer",
    "sahd_kernel",
    "spike_gram",
]
