"""The training-free SAHD score."""

from snasray.score.collector import SpikeCollector
from snasray.score.kernel import logdet_score, sahd_kernel, spike_gram
from snasray.score.scorer import ScoreConfig, Scorer, ScoreResult

__all__ = ["ScoreConfig", "ScoreResult", "Scorer", "SpikeCollector", "logdet_score", "sahd_kernel", "spike_gram"]
