import math

import torch

from snasray.model import LIF, reset_states
from snasray.model.neurons import ATanSpike


def test_lif_charges_fires_and_hard_resets():
    lif = LIF()  # tau 4/3, threshold 1
    x = torch.tensor([0.5, 2.0, 1.0])
    s1 = lif(x)
    # v = x / tau = [0.375, 1.5, 0.75]
    assert s1.tolist() == [0.0, 1.0, 0.0]
    assert torch.allclose(lif.v, torch.tensor([0.375, 0.0, 0.75]))
    s2 = lif(x)
    # v <- v + (x - v) / tau
    expected = torch.tensor([0.375 + (0.5 - 0.375) * 0.75, 0 + 2.0 * 0.75, 0.75 + 0.25 * 0.75])
    assert s2.tolist() == [0.0, 1.0, 0.0]
    assert torch.allclose(lif.v, expected * torch.tensor([1.0, 0.0, 1.0]))


def test_reset_clears_every_state():
    net = torch.nn.Sequential(LIF(), LIF())
    net(torch.ones(3) * 5)
    assert all(m.v is not None for m in net)
    reset_states(net)
    assert all(m.v is None for m in net)


def test_atan_surrogate_gradient_matches_formula():
    v = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    ATanSpike.apply(v, 2.0).sum().backward()
    alpha = 2.0
    expected = (alpha / 2) / (1 + (math.pi / 2 * alpha * v.detach()) ** 2)
    assert torch.allclose(v.grad, expected)


def test_reset_is_detached_from_the_graph():
    lif = LIF()
    x = torch.tensor([3.0], requires_grad=True)
    lif(x)
    lif(x).sum().backward()
    # step 2: v2 = v1 * (1 - s1) + (x - v1 * (1 - s1)) / tau with s1 detached and s1 = 1, so v2 = x / tau
    v2 = 3.0 / (4 / 3)
    alpha = 2.0
    surrogate = (alpha / 2) / (1 + (math.pi / 2 * alpha * (v2 - 1.0)) ** 2)
    assert torch.allclose(x.grad, torch.tensor([surrogate * 0.75]), atol=1e-6)
