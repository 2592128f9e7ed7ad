"""The sparsity-aware Hamming kernel (SAHD) and its log-determinant: pure tensor functions.

For a spike matrix s in {0,1}^(B x N): with n = s.sum(1) and G = s @ s.T, the Hamming distances are
D = n_i + n_j - 2 G_ij (one matmul instead of the two of D = s (1-s)^T + (1-s) s^T), the distances
expected for independent spikes at rates r = n / N are E = N (r_i + r_j - 2 r_i r_j), and
K = N - 0.5 * D / (E + 1e-3). The elementwise part runs in float64, batched over many layers at once.

G holds exact integer counts on every path (see `spike_gram`): which path computes it changes the
time, never a bit of the score.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch

EPS = 1e-3
GRAM_PATHS = ("auto", "float32", "int8")
FLOAT32_EXACT = 2**24  # float32 holds every integer count below this
CALIBRATION_NEURONS = 8192  # the largest calibration matrix: B x 8192, a few ms per path


def _float32_gram(s: torch.Tensor) -> torch.Tensor:
    # 0/1 inputs are exact in float32, TF32 and bf16 alike, and every backend accumulates these in
    # float32: counts stay exact below 2^24 whatever the TF32 / matmul-precision settings.
    x = s.to(torch.float32 if s.shape[1] < FLOAT32_EXACT else torch.float64)
    return x @ x.T


def _int8_gram(s: torch.Tensor) -> torch.Tensor:
    # int8 x int8 -> int32: exact below 2^31, untouched by floating-point settings. The transposed
    # operand is a view: a contiguous copy of it costs more than the product on the CPU.
    q = s.to(torch.int8)
    return torch._int_mm(q, q.T)


def _int8_takes(s: torch.Tensor) -> bool:
    """Whether `torch._int_mm` gives this shape exactly on this device (CUDA needs B > 16 and multiples
    of 8; on the CPU, torch 2.14 returns uninitialised memory for one neuron per sample)."""
    b, n = s.shape
    if s.device.type == "cpu":
        return n > 1
    return s.device.type == "cuda" and b > 16 and b % 8 == 0 and n % 8 == 0


GRAMS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"float32": _float32_gram, "int8": _int8_gram}
_chosen: dict[tuple[str, int, int, int], str] = {}  # (device, threads, B, neuron bucket) -> fastest path


def flat_spikes(spikes: torch.Tensor) -> torch.Tensor:
    """B x N view of a spike tensor in its memory order (no copy for NCHW or channels_last).

    The Gram matrix sums over neurons, so the order in which a sample's neurons are listed does not
    change it, as long as every sample lists them alike.
    """
    if spikes.dim() == 4 and not spikes.is_contiguous() and spikes.is_contiguous(memory_format=torch.channels_last):
        spikes = spikes.permute(0, 2, 3, 1)
    return spikes.reshape(spikes.shape[0], -1)


def spike_gram(spikes: torch.Tensor, path: str = "auto") -> torch.Tensor:
    """s @ s.T (B x B, float64, exact integer counts) of a 0/1 tensor of B samples of any shape.

    path: "float32" (a float32 matmul; float64 from 2^24 neurons per sample), "int8" (int8 x int8 ->
    int32 `torch._int_mm`, float32 where the device does not take the shape) or "auto": the faster of
    the two on this device for this shape, measured once per process, device, thread count, batch size
    and power-of-two bucket of N up to 8,192 (`gram_path`; a few milliseconds each).
    Raises ValueError for an unknown path.
    """
    s = flat_spikes(spikes)
    chosen = gram_path(s, path)
    return GRAMS[chosen](s).to(torch.float64)


def gram_path(s: torch.Tensor, path: str = "auto") -> str:
    """The path `spike_gram` takes for a B x N spike matrix `s`: "float32" or "int8"."""
    if path not in GRAM_PATHS:
        raise ValueError(f"unknown Gram path {path!r}; choose one of {', '.join(GRAM_PATHS)}")
    if path == "float32" or not _int8_takes(s):
        return "float32"
    if path == "int8":
        return "int8"
    b, n = s.shape
    bucket = min(1 << max(n - 1, 0).bit_length(), CALIBRATION_NEURONS)
    key = (str(s.device), torch.get_num_threads(), b, bucket)
    if key not in _chosen:
        _chosen[key] = calibrate(s.device, b, bucket)
    return _chosen[key]


def calibrate(device: torch.device, batch: int, neurons: int, runs: int = 3) -> str:
    """The faster exact path for B x N spike matrices on `device`: best of `runs` timed calls each.

    Both paths run on the same random spikes and must agree exactly; a path that fails or disagrees
    is not chosen. A disturbed timing can only cost speed, never change a score.
    """
    g = torch.Generator().manual_seed(0)
    s = (torch.rand(batch, neurons, generator=g) < 0.2).float().to(device)
    reference = s.double() @ s.double().T
    best: dict[str, float] = {}
    for round_ in range(runs + 1):
        for name, gram in GRAMS.items():
            try:
                start = time.perf_counter()
                result = gram(s)
                _synchronise(device)
                spent = time.perf_counter() - start
            except RuntimeError:
                continue
            if round_ == 0:  # warm-up, and the exactness check
                if torch.equal(result.to(reference.dtype), reference):
                    best[name] = math.inf
            elif name in best:
                best[name] = min(best[name], spent)
    return min(best, key=best.__getitem__) if best else "float32"


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def kernels_from_grams(grams: torch.Tensor, neurons: torch.Tensor, scaled: bool = True) -> torch.Tensor:
    """K for a stack of Gram matrices (L x B x B) of layers with `neurons` (L) neurons each.

    scaled: the expected distance E carries the factor N (SNASNet's released code, SNASNET.md section 4); without
    it, K = N - 0.5 * D / (E / N + 1e-3), SpikeNAS-Bench's evaluator (`NAS/evaluator.py` there).
    """
    g = grams.to(torch.float64)
    n = neurons.to(torch.float64, copy=False).to(g.device)[:, None, None]
    distance = hamming_distances(g)
    counts = g.diagonal(dim1=1, dim2=2)
    rate = counts[:, :, None] / n
    rate_t = rate.transpose(1, 2)
    expected = rate + rate_t - 2 * rate * rate_t
    return n - 0.5 * distance / ((n * expected if scaled else expected) + EPS)


def mean_kernel(grams: torch.Tensor, neurons: torch.Tensor, weights: torch.Tensor, scaled: bool = True) -> torch.Tensor:
    """The SAHD kernel (B x B) averaged over a stack of calls (L x B x B Gram matrices of `neurons` neurons each),
    each call weighted by `weights` (L: the per-edge neurons it stands for); `scaled` as in `kernels_from_grams`."""
    kernels = kernels_from_grams(grams, neurons, scaled)
    w = weights.to(kernels.device, torch.float64)[:, None, None]
    return (kernels * w).sum(0) / w.sum()


def hamming_distances(grams: torch.Tensor) -> torch.Tensor:
    """D (L x B x B): the Hamming distances between the spike patterns of a stack of Gram matrices (L x B x B),
    D_ij = n_i + n_j - 2 G_ij with n the diagonal (each image's spike count)."""
    counts = grams.diagonal(dim1=1, dim2=2)
    return counts[:, :, None] + counts[:, None, :] - 2 * grams


def sahd_kernel(spikes: torch.Tensor, path: str = "auto") -> torch.Tensor:
    """K (B x B, float64) for one spike tensor; each sample is flattened to N neurons; `path` as in `spike_gram`."""
    n_neurons = spikes[0].numel()
    gram = spike_gram(spikes, path)
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
