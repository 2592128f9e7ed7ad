"""Searchers, found by name in one registry."""

from snasray.search.searchers import evolution, optuna_search, random_search
from snasray.search.searchers.base import (
    OBJECTIVES,
    SEARCHERS,
    CellSearcher,
    check_options,
    fitness,
    make_searcher,
    register,
    searcher_names,
    searcher_options,
)
from snasray.search.searchers.base import register as register_searcher

__all__ = [
    "OBJECTIVES",
    "SEARCHERS",
    "CellSearcher",
    "check_options",
    "evolution",
    "fitness",
    "make_searcher",
    "optuna_search",
    "random_search",
    "register",
    "register_searcher",
    "searcher_names",
    "searcher_options",
]
