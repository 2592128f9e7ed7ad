"""Search: searchers, the Ray Tune adapter, the Parquet store and the runner."""

from snasray.search.loop import SearchLoop
from snasray.search.runner import SearchConfig, SearchOutcome, load_run, run_search
from snasray.search.store import SCHEMA_VERSION, SCORE_SCHEMA, ScoreStore

__all__ = [
    "SCHEMA_VERSION",
    "SCORE_SCHEMA",
    "ScoreStore",
    "SearchConfig",
    "SearchLoop",
    "SearchOutcome",
    "load_run",
    "run_search",
]
