"""The network a training builds: SNASNet, or for a baseline the same network with ReLUs for its LIF neurons."""

from __future__ import annotations

from torch import nn

from snasray.cells import Cell
from snasray.model import ModelConfig, SNASNet, spiking_layers

NEURONS = ("lif", "relu")


def build_snasnet(
    cell: Cell, model_config: ModelConfig, in_channels: int, image_size: int, num_classes: int, neuron: str = "lif"
) -> nn.Module:
    """SNASNet; with ``neuron="relu"`` every LIF module is replaced by a ReLU (an ANN of the same shape).

    A ReLU network computes the same thing at every timestep apart from its feedback states: use it with
    ``timesteps=1``, where backward edges are inert, for a plain feed-forward ANN baseline.
    """
    if neuron not in NEURONS:
        raise ValueError(f"unknown neuron {neuron!r}; choose {' or '.join(NEURONS)}")
    network = SNASNet(cell, model_config, in_channels, image_size, num_classes)
    if neuron == "relu":
        modules = dict(network.named_modules())
        for name in spiking_layers(network):
            parent, _, child = name.rpartition(".")
            setattr(modules[parent] if parent else network, child, nn.ReLU())
    return network
