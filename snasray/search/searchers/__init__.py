"""Searchers, found by name in one registry."""

from snasray.search.searchers import evolution, optuna_search, random_search
from snasray.search.searchers.base import OBJECTIVES, SEARCHERS, CellSearcher, fitness, make_searcher, register

__all__ = [
    "OBJECTIVES",
    "SEARCHERS",
    "CellSearcher",
    "evolution",
    "fitness",
    "make_searcher",
    "optuna_search",
    "random_search",
    "register",
]
