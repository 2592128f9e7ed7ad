"""Spiking neurons, cells and the SNASNet network."""

from snasray.model.cell_module import SpikingCell
from snasray.model.network import SNASNet, spiking_layers
from snasray.model.neurons import LIF, ATanSpike, reset_states
from snasray.model.presets import PAPER_PRESETS, PRESETS, ModelConfig, model_preset

__all__ = [
    "LIF",
    "PAPER_PRESETS",
    "PRESETS",
    "ATanSpike",
    "ModelConfig",
    "SNASNet",
    "SpikingCell",
    "model_preset",
    "reset_states",
    "spiking_layers",
]
