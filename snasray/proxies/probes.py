"""What a fresh network yields to the proxies: the forward probe (spikes and counts) and the gradient probe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from snasray.proxies._registry import get_proxy


@dataclass(frozen=True)
class SpikeStack:
    """The LIF calls of one forward pass over one batch of B images.

    grams: L x B x B float64, s @ s.T of each call's spikes (exact counts; the diagonal is each image's spike
    count); neurons: L, neurons per image of each call; weights: L, how many per-edge neurons each call stands
    for (`LIF.consumers`).
    """

    grams: torch.Tensor
    neurons: torch.Tensor
    weights: torch.Tensor


@dataclass(frozen=True)
class ForwardProbe:
    """The forward passes of a fresh network in training mode over the scoring batches (one stack each), with its
    parameter count, synaptic operations per image and firing rate (spikes per neuron and timestep), both
    averaged over the batches, and the firing rate of each LIF layer by module name (`snasray.score.ScoreResult`).
    `values` holds the (value, reason) of each proxy already computed from this probe (`value`)."""

    stacks: tuple[SpikeStack, ...]
    params: int
    synops: float
    firing_rate: float
    layer_rates: dict[str, float] = field(default_factory=dict)
    values: dict[str, tuple[float, str | None]] = field(default_factory=dict, compare=False, repr=False)

    def value(self, name: str) -> tuple[float, str | None]:
        """A registered forward proxy's (value, reason) on this probe, computed once: a proxy built on others (a
        fitted one) reads theirs from here. Raises ValueError for an unknown proxy."""
        if name not in self.values:
            self.values[name] = get_proxy(name).compute(self)
        return self.values[name]


@dataclass(frozen=True)
class GradientProbe:
    """A fresh network (`build()` gives a new one, identically initialised, in training mode) and one labelled
    batch: images B x C x H x W (or frames B x T x C x H x W) and int64 labels (B)."""

    build: Callable[[], nn.Module]
    images: torch.Tensor
    labels: torch.Tensor
