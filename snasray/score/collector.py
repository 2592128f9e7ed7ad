"""Forward hooks on every LIF neuron that fold each call's spikes into the mean SAHD kernel."""

from __future__ import annotations

from collections import defaultdict

import torch
from torch import nn

from snasray.model import spiking_layers
from snasray.score.kernel import sahd_kernel


class SpikeCollector:
    """Mean kernel over all LIF calls, firing rate per layer and a synaptic-operation estimate.

    A neuron shared by several edges (see `LIF.consumers`) stands for that many calls.
    Everything stays on the model's device until `kernel()` is read.
    """

    def __init__(self, network: nn.Module) -> None:
        self._layers = spiking_layers(network)
        self._handles = [m.register_forward_hook(self._hook(name)) for name, m in self._layers.items()]
        self.clear()

    def clear(self) -> None:
        self._kernel_sum: torch.Tensor | None = None
        self._calls = 0
        self._spikes: dict[str, torch.Tensor] = defaultdict(float)
        self._neurons: dict[str, float] = defaultdict(float)
        self._synops: torch.Tensor | float = 0.0
        self._samples = 0

    def _hook(self, name: str):
        def collect(module, _inputs, spikes: torch.Tensor) -> None:
            weight = module.consumers
            k = sahd_kernel(spikes) * weight
            self._kernel_sum = k if self._kernel_sum is None else self._kernel_sum + k
            self._calls += weight
            count = spikes.sum()
            self._spikes[name] = self._spikes[name] + count
            self._neurons[name] += spikes.numel()
            self._synops = self._synops + count * module.fanout
            self._samples = spikes.shape[0]

        return collect

    def kernel(self) -> torch.Tensor:
        if self._kernel_sum is None:
            raise ValueError("no spikes were collected: the network has no LIF neuron or was not run")
        return self._kernel_sum / self._calls

    def layer_rates(self) -> dict[str, float]:
        return {name: float(self._spikes[name]) / self._neurons[name] for name in self._layers if self._neurons[name]}

    def overall_rate(self) -> float:
        spikes = sum(float(self._spikes[n]) * m.consumers for n, m in self._layers.items())
        neurons = sum(self._neurons[n] * m.consumers for n, m in self._layers.items())
        return spikes / neurons if neurons else 0.0

    def synops_per_sample(self) -> float:
        return float(self._synops) / max(self._samples, 1)

    def close(self) -> None:
        for handle in self._handles:
            handle.remove()
