import math

import pytest
import torch

from snasray import logdet_score, sahd_kernel
from snasray.score.kernel import GRAM_PATHS, calibrate, gram_path, spike_gram


def reference_kernel(s: torch.Tensor) -> torch.Tensor:
    s = s.double()
    n = s.shape[1]
    d = s @ (1 - s).T + (1 - s) @ s.T
    r = (s.sum(1) / n)[:, None]
    e = n * (r @ (1 - r).T + (1 - r) @ r.T)
    return n - 0.5 * d / (e + 1e-3)


def test_kernel_matches_the_definition():
    torch.manual_seed(0)
    for rate in (0.05, 0.3, 0.7):
        s = (torch.rand(16, 333) < rate).float()
        assert torch.allclose(sahd_kernel(s), reference_kernel(s), rtol=0, atol=1e-9)


def test_kernel_by_hand():
    s = torch.tensor([[1.0, 1, 0, 0], [1, 0, 1, 0]])
    k = sahd_kernel(s)
    # rates 0.5 and 0.5: E = 4 * (0.25 + 0.25) = 2; D01 = 2 -> K01 = 4 - 0.5 * 2 / 2.001
    assert math.isclose(k[0, 1].item(), 4 - 1 / 2.001, rel_tol=1e-12)
    assert math.isclose(k[0, 0].item(), 4.0) and torch.equal(k, k.T)


def test_all_silent_and_all_firing_samples():
    silent = torch.zeros(3, 10)
    assert torch.equal(sahd_kernel(silent), torch.full((3, 3), 10.0, dtype=torch.float64))
    firing = torch.ones(3, 10)
    assert torch.equal(sahd_kernel(firing), torch.full((3, 3), 10.0, dtype=torch.float64))
    mixed = torch.stack([torch.zeros(10), torch.ones(10)])
    # D = 10, E = 10 * (0 + 1 - 0) = 10 -> K01 = 10 - 0.5 * 10 / 10.001
    assert math.isclose(sahd_kernel(mixed)[0, 1].item(), 10 - 5 / 10.001, rel_tol=1e-12)


def test_kernel_accepts_any_layer_shape():
    s = (torch.rand(4, 2, 3, 5) < 0.5).float()
    assert torch.allclose(sahd_kernel(s), reference_kernel(s.reshape(4, -1)))


def test_logdet_reports_singular_and_non_finite_kernels():
    value, reason = logdet_score(torch.eye(3, dtype=torch.float64) * 2)
    assert math.isclose(value, 3 * math.log(2)) and reason is None
    value, reason = logdet_score(torch.full((3, 3), 10.0))
    assert value == -math.inf and "singular" in reason
    bad = torch.eye(3)
    bad[0, 1] = float("nan")
    value, reason = logdet_score(bad)
    assert math.isnan(value) and "non-finite" in reason


LARGEST_LAYER = 262_144  # neurons per sample of the paper's largest layer (256 channels x 32 x 32)


def counting_spikes(batch: int, neurons: int) -> torch.Tensor:
    """0/1 spikes whose Gram counts span 0 .. `neurons`: an all-firing sample, a silent one, random rates."""
    g = torch.Generator().manual_seed(0)
    rates = torch.linspace(0, 1, batch)[:, None]
    return (torch.rand(batch, neurons, generator=g) < rates).float()


def exact_gram(s: torch.Tensor) -> torch.Tensor:
    flat = s.reshape(s.shape[0], -1).to(torch.int64)
    return (flat @ flat.T).double()


@pytest.mark.parametrize("path", GRAM_PATHS)
def test_every_gram_path_is_exact_up_to_the_largest_layer(path):
    s = counting_spikes(8, LARGEST_LAYER)
    gram = spike_gram(s, path)
    assert gram.dtype == torch.float64
    assert gram[-1, -1] == LARGEST_LAYER and gram[0, 0] == 0
    assert torch.equal(gram, exact_gram(s))


@pytest.mark.parametrize("path", GRAM_PATHS)
def test_gram_paths_agree_on_layer_shapes_and_layouts(path):
    s = counting_spikes(24, 16 * 9 * 7).reshape(24, 16, 9, 7)
    last = s.contiguous(memory_format=torch.channels_last)
    assert torch.equal(spike_gram(s, path), exact_gram(s))
    assert torch.equal(spike_gram(last, path), exact_gram(s))  # neurons listed in memory order


@pytest.mark.parametrize("path", GRAM_PATHS)
@pytest.mark.parametrize("shape", [(2, 1), (64, 1), (1, 9), (3, 2), (65, 7)])
def test_gram_paths_are_exact_for_small_and_odd_shapes(path, shape):
    s = counting_spikes(*shape)
    assert torch.equal(spike_gram(s, path), exact_gram(s))


def test_float32_gram_stays_exact_at_reduced_matmul_precision():
    s = counting_spikes(8, LARGEST_LAYER)
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("medium")  # allows bf16 products on the CPU
    try:
        assert torch.equal(spike_gram(s, "float32"), exact_gram(s))
    finally:
        torch.set_float32_matmul_precision(before)


def test_auto_picks_a_measured_path_once_per_shape_bucket():
    s = counting_spikes(16, 3000)
    chosen = gram_path(s, "auto")
    assert chosen in ("float32", "int8")
    assert gram_path(counting_spikes(16, 4000), "auto") == chosen  # same bucket: no new measurement
    assert calibrate(torch.device("cpu"), 16, 64) in ("float32", "int8")
    assert gram_path(s, "float32") == "float32" and gram_path(s, "int8") == "int8"


def test_unknown_gram_path_is_refused():
    with pytest.raises(ValueError, match="unknown Gram path"):
        spike_gram(torch.ones(2, 3), "bf16")
