"""A spiking cell built from any `Cell`: forward edges inside a timestep, backward edges into the next.

Per timestep t, with u_i = x_i + b_i the input that every edge leaving node i reads
(b_i is node i's feedback state from t - 1; the output node has none):
    x_0 = input;  x_j = sum_{i<j} e_ij(u_i)                    (forward edges)
    b_j <- sum_{i>j} e_ij(u_i)                                  (backward edges, used at t + 1)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from snasray.cells import OPS, Cell, Op, op_by_id
from snasray.model.neurons import LIF


class SpikeConv(nn.Module):
    """The conv and BN of one spike-conv edge; its LIF is its source node's (see `LIF`)."""

    def __init__(self, channels: int, kernel: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(spikes))


class EdgeCell(nn.Module):
    """The cell's computation over a list of weighted edges (source, target, op id, weight).

    An edge's output is multiplied by its weight (skipped for 1.0, so a cell's network stays bit for bit
    the same). A node pair may carry several ops (the supernet of `snasray.model.supernet`); a conv is
    then named ``{i}_{j}_{op name}``, else ``{i}_{j}``. Modules are registered in edge order, so a list
    of one op per pair with weight 1 builds, from one seed, the network of the cell with those edges.
    `ops` gives the op ids their meaning (the built-in `OPS` by default). The spike-conv edges leaving one
    node share one LIF neuron per distinct neuron setting (threshold, tau): named ``{i}`` for the network's
    own settings, ``{i}_threshold0p5`` (say) for an op's own.
    """

    def __init__(
        self,
        n_nodes: int,
        weighted_edges: list[tuple[int, int, int, float]],
        channels: int,
        neuron: dict,
        ops: tuple[Op, ...] = OPS,
    ) -> None:
        super().__init__()
        self.n = n_nodes
        self.ops = ops
        self.edges = [(i, j, op_id) for i, j, op_id, _ in weighted_edges]
        self.mix = [float(weight) for *_, weight in weighted_edges]
        spiking_on = {}
        for i, j, op_id in self.edges:
            if op_by_id(op_id, ops).spiking:
                spiking_on[i, j] = spiking_on.get((i, j), 0) + 1
        self._conv_names = {
            (i, j, op_id): f"{i}_{j}" if spiking_on[i, j] == 1 else f"{i}_{j}_{op_by_id(op_id, ops).name}"
            for i, j, op_id in self.edges
            if op_by_id(op_id, ops).spiking
        }
        self.convs = nn.ModuleDict()
        self._lif_names: dict[tuple[int, int, int], str] = {}
        consumers: dict[str, int] = {}
        fanout: dict[str, float] = {}
        settings: dict[str, dict] = {}
        for i, j, op_id in self.edges:
            op = op_by_id(op_id, ops)
            if op.spiking:
                self.convs[self._conv_names[i, j, op_id]] = SpikeConv(channels, op.kernel)
                own = op.neuron(neuron)
                name = _lif_name(i, own, neuron)
                self._lif_names[i, j, op_id] = name
                settings[name] = own
                consumers[name] = consumers.get(name, 0) + 1
                fanout[name] = fanout.get(name, 0.0) + channels * op.kernel**2
        order = sorted(consumers, key=lambda name: (int(name.split("_")[0]), name))
        self.lifs = nn.ModuleDict(
            {name: LIF(consumers=consumers[name], fanout=fanout[name], **settings[name]) for name in order}
        )
        self.feedback: list[torch.Tensor | None] = [None] * self.n

    def reset(self) -> None:
        self.feedback = [None] * self.n

    def _edge(self, index: int, u: torch.Tensor, spikes: dict[str, torch.Tensor]) -> torch.Tensor:
        i, j, op_id = self.edges[index]
        op = op_by_id(op_id, self.ops)
        if op.kind == "identity":
            out = u
        elif op.kind == "avgpool":
            out = F.avg_pool2d(u, op.kernel, stride=1, padding=op.kernel // 2)
        elif op.kind == "maxpool":
            out = F.max_pool2d(u, op.kernel, stride=1, padding=op.kernel // 2)
        else:
            lif = self._lif_names[i, j, op_id]
            if lif not in spikes:
                spikes[lif] = self.lifs[lif](u)
            out = self.convs[self._conv_names[i, j, op_id]](spikes[lif])
        weight = self.mix[index]
        return out if weight == 1.0 else out * weight

    def forward(self, x0: torch.Tensor) -> torch.Tensor:
        n, fb = self.n, self.feedback
        inputs: list[torch.Tensor | None] = [None] * n  # u_i
        spikes: dict[str, torch.Tensor] = {}
        zero = torch.zeros_like(x0)
        inputs[0] = x0 if fb[0] is None else x0 + fb[0]
        for j in range(1, n):
            terms = [self._edge(k, inputs[i], spikes) for k, (i, jj, _) in enumerate(self.edges) if jj == j and i < j]
            x_j = sum(terms[1:], terms[0]) if terms else zero
            inputs[j] = x_j if j == n - 1 or fb[j] is None else x_j + fb[j]
        output = inputs[n - 1]
        new_fb: list[torch.Tensor | None] = [None] * n
        for k, (i, j, _) in enumerate(self.edges):
            if i > j:
                term = self._edge(k, inputs[i], spikes)
                new_fb[j] = term if new_fb[j] is None else new_fb[j] + term
        self.feedback = new_fb
        return output


class SpikingCell(EdgeCell):
    """The spiking module of one `Cell`: each edge's op (from `ops`) with weight 1."""

    def __init__(self, cell: Cell, channels: int, neuron: dict, ops: tuple[Op, ...] = OPS) -> None:
        super().__init__(cell.n_nodes, [(i, j, op_id, 1.0) for i, j, op_id in cell.edges()], channels, neuron, ops)
        self.cell = cell


def _lif_name(node: int, settings: dict, default: dict) -> str:
    """``{node}`` for the network's neuron settings, else the node and the settings that differ."""
    own = [f"{k}{v:g}".replace(".", "p").replace("-", "m") for k, v in sorted(settings.items()) if default.get(k) != v]
    return "_".join([str(node), *own])
