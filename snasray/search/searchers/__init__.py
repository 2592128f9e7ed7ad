"""Searchers, found by name in one registry."""

from snasray.search.searchers import evolution, optuna_search, prune, random_search, sweep
from snasray.search.searchers.base import (
    OBJECTIVES,
    SEARCHERS,
    CellSearcher,
    check_options,
    fitness,
    make_searcher,
    proposes_supernets,
    register,
    searcher_names,
    searcher_options,
    space_refusal,
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
    "proposes_supernets",
    "prune",
    "random_search",
    "register",
    "register_searcher",
    "searcher_names",
    "searcher_options",
    "space_refusal",
    "sweep",
]
