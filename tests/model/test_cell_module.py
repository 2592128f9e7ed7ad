"""The cell against an independent transcription of SNASNET.md's equations, with one LIF per edge."""

import torch
from torch.nn import functional as F

from snasray.cells import Cell
from snasray.model import LIF, SNASNet, SpikingCell, model_preset, reset_states

NEURON = {"tau": 4 / 3, "threshold": 1.0, "alpha": 2.0}


class ReferenceCell:
    """x1 = e01(x0+b0); x2 = e02(x0+b0) + e12(x1+b1); x3 = ...; b_j <- sum_{i>j} e_ij(...)."""

    def __init__(self, module: SpikingCell) -> None:
        self.module = module
        self.lifs = {f"{i}_{j}": LIF(**NEURON) for i, j, _ in module.edges}
        self.b = [0, 0, 0]

    def edge(self, i, j, x):
        op = self.module.cell.matrix[i][j]
        if op == 0:
            return 0
        if op == 1:
            return x
        if op == 4:
            return F.avg_pool2d(x, 3, 1, 1)
        return self.module.convs[f"{i}_{j}"](self.lifs[f"{i}_{j}"](x))

    def __call__(self, x0):
        e, b = self.edge, self.b
        x1 = e(0, 1, x0 + b[0])
        x2 = e(0, 2, x0 + b[0]) + e(1, 2, x1 + b[1])
        x3 = e(0, 3, x0 + b[0]) + e(1, 3, x1 + b[1]) + e(2, 3, x2 + b[2])
        self.b = [
            e(1, 0, x1 + b[1]) + e(2, 0, x2 + b[2]) + e(3, 0, x3),
            e(2, 1, x2 + b[2]) + e(3, 1, x3),
            e(3, 2, x3),
        ]
        return x3


def run_both(text, steps=4):
    torch.manual_seed(0)
    module = SpikingCell(Cell.parse(text), 6, NEURON).train()
    reference = ReferenceCell(module)
    x = torch.randn(5, 6, 8, 8) * 2
    outs = []
    with torch.no_grad():
        for t in range(steps):
            xt = x * (1 + 0.1 * t)
            outs.append((module(xt), reference(xt)))
    return outs


def test_backward_cell_follows_the_equations():
    for text in [
        "0303 0030 2002 0200",
        "0302 0030 3003 0000",
        "0403 0020 3003 0200",
        "0201 0030 1002 0000",
        "0300 0030 0003 1100",
    ]:
        for ours, ref in run_both(text):
            assert torch.allclose(ours, ref, atol=1e-5), text


def test_forward_only_cell_ignores_feedback_and_matches():
    for ours, ref in run_both("0323 0013 0002 0000"):
        assert torch.allclose(ours, ref, atol=1e-5)


def test_equivalent_cells_compute_the_same_output_with_mapped_weights():
    a, b = Cell.parse("0301 0003 0002 0000"), Cell.parse("0031 0002 0003 0000")
    assert a.canonical_key() == b.canonical_key()
    preset = model_preset("tiny")
    torch.manual_seed(1)
    net_a = SNASNet(a, preset, 3, 16, 10)
    net_b = SNASNet(b, preset, 3, 16, 10)
    swap = {"0": "0", "1": "2", "2": "1", "3": "3"}
    mapped = {}
    for name, tensor in net_a.state_dict().items():
        parts = name.split(".")
        if parts[1] == "convs":
            i, j = parts[2].split("_")
            parts[2] = f"{swap[i]}_{swap[j]}"
        if parts[1] == "lifs":
            parts[2] = swap[parts[2]]
        mapped[".".join(parts)] = tensor
    net_b.load_state_dict(mapped)
    net_a.eval()
    net_b.eval()
    x = torch.randn(4, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(net_a(x), net_b(x), atol=1e-5)


def test_network_shapes_and_reset():
    torch.manual_seed(0)
    net = SNASNet(Cell.parse("0303 0030 2002 0200"), model_preset("tiny", timesteps=3), 1, 8, 10)
    out = net(torch.randn(6, 1, 8, 8))
    assert out.shape == (6, 10)
    out.sum().backward()
    assert net.stem[0].weight.grad is not None and net.cell1.convs["0_1"].conv.weight.grad.abs().sum() > 0
    reset_states(net)
    assert net.cell1.feedback == [None] * 4


def test_paper_preset_has_the_papers_shape():
    net = SNASNet(Cell.parse("0303 0030 2002 0200"), model_preset("cifar10"), 3, 32, 10)
    assert net.fc1.in_features == 512 * 8 * 8 and net.fc1.out_features == 1024
    assert net.fc2.out_features == 100  # 10 classes x population 10
    assert net.cell1.convs["0_1"].conv.in_channels == 256 and net.cell2.convs["0_1"].conv.in_channels == 512
