"""The searcher contract: propose with `ask`, learn with `tell`. Searchers never score or store."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from snasray.cells import Cell, SearchSpace

OBJECTIVES = ("firing_rate", "synops")


class CellSearcher(Protocol):
    """What every searcher does: propose a cell with `ask`, learn its result with `tell` (in ask order)."""

    def ask(self) -> Cell: ...

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        """`result` holds at least "score", and "firing_rate" and "synops" where known."""


SearcherFactory = Callable[..., CellSearcher]
SEARCHERS: dict[str, SearcherFactory] = {}


def register(name: str):
    """A decorator that adds a searcher factory to the registry under `name` (replacing one of that name). The
    factory is called as ``factory(space, rng, seed=seed, **options)`` and returns an object with `ask` and `tell`;
    its other keyword parameters are the searcher's options (see `searcher_options`)."""

    def add(factory: SearcherFactory) -> SearcherFactory:
        SEARCHERS[name] = factory
        return factory

    return add


def searcher_names() -> list[str]:
    """The registered searchers' names, sorted."""
    return sorted(SEARCHERS)


def searcher_options(name: str) -> list[str]:
    """The settings a registered searcher takes by keyword (space, rng and seed are given by make_searcher)."""
    if name not in SEARCHERS:
        raise ValueError(f"unknown searcher {name!r}; searchers are {', '.join(sorted(SEARCHERS))}")
    parameters = inspect.signature(SEARCHERS[name]).parameters.values()
    return [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD and p.name not in ("space", "rng", "seed")]


def check_options(name: str, options: Mapping[str, object]) -> None:
    known = searcher_options(name)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ValueError(f"searcher {name} has no option {unknown[0]!r}; its options are {', '.join(known) or 'none'}")


def make_searcher(name: str, space: SearchSpace, seed: int, **options) -> CellSearcher:
    """A registered searcher by name; options are searcher-specific settings."""
    check_options(name, options)
    return SEARCHERS[name](space, np.random.default_rng(seed), seed=seed, **options)


def space_refusal(name: str, space: SearchSpace) -> str | None:
    """Why a registered searcher cannot search a space (its factory's ``unsupported``), or None: it can."""
    check = getattr(SEARCHERS[name], "unsupported", None)
    return check(space) if check else None


def proposes_supernets(searcher: object) -> bool:
    """Whether a searcher proposes supernets to score before it can answer `ask` (`supernets`, `tell_supernet`;
    see `snasray.search.searchers.prune`)."""
    return callable(getattr(searcher, "supernets", None))


def fitness(result: Mapping[str, float]) -> float:
    """The score to maximise, with failed or non-finite scores ranked last."""
    value = result.get("score", math.nan)
    return value if value is not None and math.isfinite(value) else -math.inf
