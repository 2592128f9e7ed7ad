"""The proxy registry: training-free scores by name, each a pure function of what a fresh network yields."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

STAGES = ("forward", "gradient")


@dataclass(frozen=True)
class Proxy:
    """A training-free proxy of a cell's trained accuracy (higher is better).

    stage: "forward" proxies are functions of a `snasray.proxies.ForwardProbe` (spike Gram matrices and counts of
    the scoring batches' forward passes, shared by every forward proxy of a row); "gradient" proxies of a
    `snasray.proxies.GradientProbe` (a fresh network and one labelled batch, for one backward pass with the
    surrogate gradient through time). `compute` returns (value, reason): the reason is set when the value is
    not finite, and None otherwise.
    """

    name: str
    stage: str
    compute: Callable
    description: str
    source: str


PROXIES: dict[str, Proxy] = {}
DEFAULT_PROXY = "sahd"


def register(name: str, stage: str, description: str, source: str):
    """A decorator adding `compute` to the registry under `name`. Raises ValueError for a taken name or an unknown
    stage."""
    if stage not in STAGES:
        raise ValueError(f"unknown proxy stage {stage!r}; stages are {', '.join(STAGES)}")

    def add(compute: Callable) -> Callable:
        if name in PROXIES:
            raise ValueError(f"a proxy named {name!r} is already registered")
        PROXIES[name] = Proxy(name, stage, compute, description, source)
        return compute

    return add


def finite(value: float, what: str) -> tuple[float, str | None]:
    """(value, None) for a finite value, else (NaN, "<what> is not finite"): a proxy's answer."""
    return (float(value), None) if math.isfinite(value) else (math.nan, f"{what} is not finite")


def proxy_names() -> list[str]:
    """The registered proxies' names, sorted."""
    return sorted(PROXIES)


def get_proxy(name: str) -> Proxy:
    """The registered proxy of that name. Raises ValueError naming the known ones."""
    if not isinstance(name, str) or name not in PROXIES:
        from snasray.limits import shown

        raise ValueError(f"unknown proxy {shown(name)}; proxies are {', '.join(proxy_names())}")
    return PROXIES[name]
