"""Accuracy and spike statistics of a network over a data set, aggregated over batches."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from snasray.model import spiking_layers
from snasray.score.collector import SpikeCollector


class SpikeStats:
    """SpikeCollector hooks, cleared before each measured batch; rates, synops and spikes averaged per image.

    Spikes and neurons count a neuron shared by several cell edges once per edge it feeds (see SpikeCollector).
    """

    def __init__(self, network: nn.Module) -> None:
        self.network = network
        self.spiking = bool(spiking_layers(network))  # an ANN baseline has no spikes: its statistics are nan
        self.collector = SpikeCollector(network)
        self.images = 0
        self._layers: dict[str, float] = defaultdict(float)
        self._overall = 0.0
        self._synops = 0.0
        self._spikes = 0.0
        self._neurons: dict[str, int] = {}

    def measure(self, images: torch.Tensor) -> torch.Tensor:
        """Run the network on one batch, fold its spikes into the totals and return its outputs."""
        self.collector.clear()
        outputs = self.network(images)
        n = len(images)
        self.images += n
        if not self.spiking:
            return outputs
        for name, rate in self.collector.layer_rates().items():
            self._layers[name] += rate * n
        self._overall += self.collector.overall_rate() * n
        self._synops += self.collector.synops_per_sample() * n
        self._spikes += self.collector.spikes_per_sample() * n
        self._neurons = self.collector.layer_neurons()
        return outputs

    def layer_rates(self) -> dict[str, float]:
        return {name: total / self.images for name, total in self._layers.items()} if self.images else {}

    def overall_rate(self) -> float:
        return self._overall / self.images if self.images and self.spiking else math.nan

    def synops_per_image(self) -> float:
        return self._synops / self.images if self.images and self.spiking else math.nan

    def spikes_per_image(self) -> float:
        """Spikes per image, summed over all timesteps and LIF calls; nan without spikes measured."""
        return self._spikes / self.images if self.images and self.spiking else math.nan

    def layer_neurons(self) -> dict[str, int]:
        """Neurons per image of each LIF layer in one call (C*H*W, times the edges a shared neuron feeds)."""
        return dict(self._neurons)

    def close(self) -> None:
        self.collector.close()


@torch.no_grad()
def spike_statistics(network: nn.Module, images: torch.Tensor) -> dict:
    """Firing rates, synaptic operations, spikes per image and neurons per LIF layer of a network in eval mode
    on one fixed batch."""
    was_training = network.training
    network.eval()
    stats = SpikeStats(network)
    try:
        stats.measure(images)
    finally:
        stats.close()
        network.train(was_training)
    return {
        "firing_rate": stats.overall_rate(),
        "layer_rates": stats.layer_rates(),
        "synops": stats.synops_per_image(),
        "spikes_per_image": stats.spikes_per_image(),
        "layer_neurons": stats.layer_neurons(),
    }


def fixed_batch(dataset: Dataset, size: int) -> torch.Tensor:
    """The first `size` images of a data set, stacked (unaugmented splits give the same batch every time)."""
    return torch.stack([dataset[i][0] for i in range(min(size, len(dataset)))])


@dataclass(frozen=True)
class Evaluation:
    """Accuracy over a split; spike statistics per image over its first `spike_images` images: firing_rate
    (spikes per neuron and timestep), layer_rates, synops, spikes_per_image (spikes summed over all timesteps
    and LIF calls) and layer_neurons (neurons of each LIF layer in one call), as in `ScoreResult`."""

    accuracy: float
    images: int
    firing_rate: float
    layer_rates: dict = field(default_factory=dict)
    synops: float = 0.0
    spikes_per_image: float = math.nan
    layer_neurons: dict = field(default_factory=dict)
    spike_images: int = 0
    seconds: float = 0.0


@torch.no_grad()
def evaluate_network(
    network: nn.Module,
    dataset: Dataset,
    device: torch.device | str = "cpu",
    batch_size: int = 256,
    spike_images: int = 512,
) -> Evaluation:
    """Accuracy over the whole data set; spike statistics over its first batches, `spike_images` at least."""
    start = time.perf_counter()
    network.eval()
    stats = SpikeStats(network)
    measuring = True
    correct = total = 0
    try:
        for images, labels in DataLoader(dataset, batch_size=batch_size):
            images, labels = images.to(device), labels.to(device)
            if measuring and stats.images >= spike_images:
                stats.close()  # the hooks cost time: the rest of the split only counts correct answers
                measuring = False
            outputs = stats.measure(images) if measuring else network(images)
            correct += int((outputs.argmax(1) == labels).sum())
            total += len(labels)
    finally:
        if measuring:
            stats.close()
    return Evaluation(
        accuracy=correct / max(total, 1),
        images=total,
        firing_rate=stats.overall_rate(),
        layer_rates=stats.layer_rates(),
        synops=stats.synops_per_image(),
        spikes_per_image=stats.spikes_per_image(),
        layer_neurons=stats.layer_neurons(),
        spike_images=stats.images,
        seconds=time.perf_counter() - start,
    )
