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

from snasray.cells import Cell, op_by_id
from snasray.model.neurons import LIF


class SpikeConv(nn.Module):
    """The conv and BN of one spike-conv edge; its LIF is its source node's (see `LIF`)."""

    def __init__(self, channels: int, kernel: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(spikes))


class SpikingCell(nn.Module):
    def __init__(self, cell: Cell, channels: int, neuron: dict) -> None:
        super().__init__()
        self.cell = cell
        self.n = cell.n_nodes
        self.edges = cell.edges()
        self.convs = nn.ModuleDict()
        lif_consumers = [0] * self.n
        fanout = [0.0] * self.n
        for i, j, op_id in self.edges:
            op = op_by_id(op_id)
            if op.spiking:
                self.convs[f"{i}_{j}"] = SpikeConv(channels, op.kernel)
                lif_consumers[i] += 1
                fanout[i] += channels * op.kernel**2
        self.lifs = nn.ModuleDict(
            {str(i): LIF(consumers=c, fanout=fanout[i], **neuron) for i, c in enumerate(lif_consumers) if c}
        )
        self.feedback: list[torch.Tensor | None] = [None] * self.n

    def reset(self) -> None:
        self.feedback = [None] * self.n

    def _edge(self, i: int, j: int, op_id: int, u: torch.Tensor, spikes: dict[int, torch.Tensor]) -> torch.Tensor:
        kind = op_by_id(op_id).kind
        if kind == "identity":
            return u
        if kind == "avgpool":
            return F.avg_pool2d(u, 3, stride=1, padding=1)
        if i not in spikes:
            spikes[i] = self.lifs[str(i)](u)
        return self.convs[f"{i}_{j}"](spikes[i])

    def forward(self, x0: torch.Tensor) -> torch.Tensor:
        n, fb = self.n, self.feedback
        inputs: list[torch.Tensor | None] = [None] * n  # u_i
        spikes: dict[int, torch.Tensor] = {}
        zero = torch.zeros_like(x0)
        inputs[0] = x0 if fb[0] is None else x0 + fb[0]
        for j in range(1, n):
            terms = [self._edge(i, j, op, inputs[i], spikes) for i, jj, op in self.edges if jj == j and i < j]
            x_j = sum(terms[1:], terms[0]) if terms else zero
            inputs[j] = x_j if j == n - 1 or fb[j] is None else x_j + fb[j]
        output = inputs[n - 1]
        new_fb: list[torch.Tensor | None] = [None] * n
        for i, j, op in self.edges:
            if i > j:
                term = self._edge(i, j, op, inputs[i], spikes)
                new_fb[j] = term if new_fb[j] is None else new_fb[j] + term
        self.feedback = new_fb
        return output
