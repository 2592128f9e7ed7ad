"""The sparsity-aware Hamming kernel (SAHD) and its log-determinant: pure tensor functions.

For a spike matrix s in {0,1}^(B x N): with n = s.sum(1) and G = s @ s.T, the Hamming distances are
D = n_i + n_j - 2 G_ij (one matmul instead of two), the distances expected for independent spikes at
rates r = n / N are E = N (r_i + r_j - 2 r_i r_j), and K = N - 0.5 * D / (E + 1e-3).
G holds exact integer counts: it is computed in int8 x int8 -> int32 where the backend supports it
(exact and faster on 0/1 data), else in float32 (exact below 2^24 neurons), then used in float64.
"""

from __future__ import annotations

import math

import torch

EPS = 1e-3


def spike_gram(spikes: torch.Tensor) -> torch.Tensor:
    """s @ s.T for a 0/1 matrix, exactly, as float64."""
    s = spikes.reshape(spikes.shape[0], -1)
    if _int8_ok(s):
        q = s.to(torch.int8)
        return torch._int_mm(q, q.T.contiguous()).to(torch.float64)
    return (s.float() @ s.float().T).to(torch.float64)


def _int8_ok(s: torch.Tensor) -> bool:
    b, n = s.shape
    if s.device.type == "cpu":
        return n >= 1
    return b > 16 and b % 8 == 0 and n % 8 == 0


def sahd_kernel(spikes: torch.Tensor) -> torch.Tensor:
    """K (B x B, float64) for one spike tensor; each sample is flattened to N neurons."""
    s = spikes.reshape(spikes.shape[0], -1)
    n_neurons = s.shape[1]
    gram = spike_gram(s)
    counts = gram.diagonal()
    distance = counts[:, None] + counts[None, :] - 2 * gram
    rate = counts / n_neurons
    expected = n_neurons * (rate[:, None] + rate[None, :] - 2 * rate[:, None] * rate[None, :])
    return n_neurons - 0.5 * distance / (expected + EPS)


def logdet_score(kernel: torch.Tensor) -> tuple[float, str | None]:
    """(log|det K|, reason): the reason is set when K is singular (-inf) or not finite (nan)."""
    k = kernel.to(torch.float64)
    if not torch.isfinite(k).all():
        return math.nan, "kernel has non-finite entries"
    _, logabsdet = torch.linalg.slogdet(k.cpu())
    value = float(logabsdet)
    if math.isinf(value):
        return -math.inf, "kernel is singular"
    if math.isnan(value):
        return math.nan, "log-determinant is not finite"
    return value, None
