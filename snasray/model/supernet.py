"""The supernet: SNASNet's macro network whose two cells hold several weighted ops per node pair.

Built from weighted edges (source, target, op id, weight), e.g. `snasray.search.prune.Mixture.weighted_edges`;
the cell computation is `EdgeCell`'s, the macro network, initialisation and neuron resets are `SNASNet`'s, so
the spike collection, the SAHD kernel and the log-determinant score a supernet exactly as they score a cell.
With one op per pair and weight 1 it is, from the same seed, the cell's network weight for weight.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from snasray.cells import OPS, Op
from snasray.model.cell_module import EdgeCell
from snasray.model.network import SNASNet
from snasray.model.presets import ModelConfig

WeightedEdges = tuple[int, Sequence[tuple[int, int, int, float]]]  # (nodes, weighted edges)


class Supernet(SNASNet):
    """`SNASNet` with `EdgeCell`s over `edges` = (nodes, [(source, target, op id, weight), ...])."""

    def __init__(
        self,
        edges: WeightedEdges,
        config: ModelConfig,
        in_channels: int,
        image_size: int,
        num_classes: int,
        ops: tuple[Op, ...] = OPS,
    ) -> None:
        super().__init__(edges, config, in_channels, image_size, num_classes, ops)

    def make_cell(self, cell: WeightedEdges, channels: int, neuron: dict) -> nn.Module:
        nodes, weighted = cell
        return EdgeCell(nodes, list(weighted), channels, neuron, self.ops)
