"""Kernel proxies: log|det K| of a kernel of the spike patterns of one batch, averaged over the scoring batches."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from snasray.proxies._registry import register
from snasray.proxies.probes import ForwardProbe, SpikeStack
from snasray.score.kernel import hamming_distances, logdet_score, mean_kernel


def sahd_matrix(stack: SpikeStack, scaled: bool = True) -> torch.Tensor:
    """The consumer-weighted mean SAHD kernel (B x B) over the calls of one forward pass (SNASNET.md section 4)."""
    return mean_kernel(stack.grams, stack.neurons, stack.weights, scaled)


def hamming_matrix(stack: SpikeStack) -> torch.Tensor:
    """NASWOT's kernel (Mellor et al., ICML 2021, eq. 2): K_ij = N - d_H(c_i, c_j), the number of neurons on which
    two images' spike patterns agree, summed over the calls (consumer-weighted)."""
    g = stack.grams.to(torch.float64)
    n = stack.neurons.to(torch.float64).to(g.device)[:, None, None]
    w = stack.weights.to(g.device, torch.float64)[:, None, None]
    return ((n - hamming_distances(g)) * w).sum(0)


def mean_logdet(probe: ForwardProbe, kernel: Callable[[SpikeStack], torch.Tensor]) -> tuple[float, str | None]:
    """log|det K| (`logdet_score`) averaged over the probe's batches, with the reasons of non-finite ones."""
    values, reasons = [], set()
    for stack in probe.stacks:
        value, reason = logdet_score(kernel(stack))
        values.append(value)
        if reason:
            reasons.add(reason)
    if not values:
        return math.nan, "no spikes were collected"
    return sum(values) / len(values), "; ".join(sorted(reasons)) or None


@register(
    "sahd",
    "forward",
    "SNASNet's sparsity-aware Hamming distance kernel, log|det K| (the default)",
    "Kim et al., ECCV 2022, section 3.2; SNASNET.md section 4",
)
def sahd(probe: ForwardProbe) -> tuple[float, str | None]:
    return mean_logdet(probe, sahd_matrix)


@register(
    "sahd-spikenas",
    "forward",
    "SAHD without the N factor in the expected distance (SpikeNAS-Bench's evaluator; it scores batches of 512)",
    "SpikeNAS-Bench, NAS/evaluator.py (Sun et al., 2025)",
)
def sahd_spikenas(probe: ForwardProbe) -> tuple[float, str | None]:
    return mean_logdet(probe, lambda stack: sahd_matrix(stack, scaled=False))


@register(
    "hd",
    "forward",
    "NASWOT's plain Hamming kernel of the spike patterns, log|det K|",
    "Mellor et al., ICML 2021 (Neural Architecture Search without Training), eq. 2",
)
def hd(probe: ForwardProbe) -> tuple[float, str | None]:
    return mean_logdet(probe, hamming_matrix)
