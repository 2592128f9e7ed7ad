"""Searchers, found by name in one registry."""

from snasray.search.searchers import evolution, optuna_search, prune, random_search
from snasray.search.searchers.base import (
    OBJECTIVES,
    SEARCHERS,
    CellSearcher,
    check_options,
    fitness,
    make_searcher,
    proposes_supernets,
    register,
    searcher_options,
    space_refusal,
)

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
    "searcher_options",
    "space_refusal",
]
