"""LightSNN's pruning search: the supernet as data, its scoring, its table in the run directory, its phase.

The searcher itself is `snasray.search.searchers.prune.PruneSearcher` (registered as ``prune``).
"""

from snasray.search.prune.mixture import Mixture
from snasray.search.prune.phase import SupernetPhase
from snasray.search.prune.scoring import SupernetScorer
from snasray.search.prune.table import FOLDER, SUPERNET_SCHEMA, SupernetTable

__all__ = ["FOLDER", "SUPERNET_SCHEMA", "Mixture", "SupernetPhase", "SupernetScorer", "SupernetTable"]
