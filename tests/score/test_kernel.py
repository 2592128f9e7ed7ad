import math

import torch

from snasray import logdet_score, sahd_kernel


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
