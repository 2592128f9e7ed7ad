"""The sparsity-aware Hamming kernel (SAHD) and its log-determinant: pure tensor functions.

For a spike matrix s in {0,1}^(B x N): with n = s.sum(1) and G = s @ s.T, the Hamming distances are
D = n_i + n_j - 2 G_ij (one matmul instead of the two of D = s (1-s)^T + (1-s) s^T), the distances
expected for independent spikes at rates r = n / N are E = N (r_i + r_j - 2 r_i r_j), and
K = N - 0.5 * D / (E + 1e-3). G holds exact integer counts: it is computed in int8 x int8 -> int32
where the backend supports it (exact, and faster on 0/1 data), else in float32 (exact below 2^24
neurons per sample). The elementwise part runs in float64, batched over many layers at once.
"""

from __future__ import annotations

import math

import torch

EPS = 1e-3


def spike_gram(spikes: torch.Tensor) -> torch.Tensor:
    """s @ s.T (B x B) of a 0/1 tensor whose samples are flattened, with exact integer counts."""
    s = spikes.reshape(spikes.shape[0], -1)
    if _int8_ok(s):
        q = s.to(torch.int8)
        return torch._int_mm(q, q.T.contiguous())
    s = s.float()
    return s @ s.T


def _int8_ok(s: torch.Tensor) -> bool:
    b, n = s.shape
    if s.device.type == "cpu":
        return True
    return b > 16 and b % 8 == 0 and n % 8 == 0


def kernels_from_grams(grams: torch.Tensor, neurons: torch.Tensor) -> torch.Tensor:
    """K for a stack of Gram matrices (L x B x B) of layers with `neurons` (L) neurons each."""
    g = grams.to(torch.float64)
    n = neurons.to(torch.float64, copy=False).to(g.device)[:, None, None]
    counts = g.diagonal(dim1=1, dim2=2)
    distance = counts[:, :, None] + counts[:, None, :] - 2 * g
    rate = counts[:, :, None] / n
    rate_t = rate.transpose(1, 2)
    expected = n * (rate + rate_t - 2 * rate * rate_t)
    return n - 0.5 * distance / (expected + EPS)


def sahd_kernel(spikes: torch.Tensor) -> torch.Tensor:
    """K (B x B, float64) for one spike tensor; each sample is flattened to N neurons."""
    n_neurons = spikes[0].numel()
    gram = spike_gram(spikes)
    return kernels_from_grams(gram[None], torch.tensor([n_neurons]))[0]


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
