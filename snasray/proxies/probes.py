"""What a fresh network yields to the proxies: the forward probe (spikes and counts) and the gradient probe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn


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
    averaged over the batches, and the firing rate of each LIF layer by module name (`snasray.score.ScoreResult`)."""

    stacks: tuple[SpikeStack, ...]
    params: int
    synops: float
    firing_rate: float
    layer_rates: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class GradientProbe:
    """A fresh network (`build()` gives a new one, identically initialised, in training mode) and one labelled
    batch: images B x C x H x W (or frames B x T x C x H x W) and int64 labels (B)."""

    build: Callable[[], nn.Module]
    images: torch.Tensor
    labels: torch.Tensor
