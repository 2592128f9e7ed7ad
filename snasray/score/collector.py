"""Forward hooks on every LIF neuron: each call's spike Gram matrix, folded into the mean SAHD kernel."""

from __future__ import annotations

import torch
from torch import nn

from snasray.model import spiking_layers
from snasray.score.kernel import mean_kernel, spike_gram


class SpikeCollector:
    """Mean kernel over all LIF calls, firing rates, spike and neuron counts and a synaptic-operation estimate.

    A hook only computes the call's exact Gram matrix s @ s.T (its diagonal holds the spike counts), on
    the `gram` path of `spike_gram`; the kernels of all calls are formed together when `kernel()` is
    read. A neuron shared by several edges (see `LIF.consumers`) stands for that many calls, as the
    per-edge neurons of SNASNet would fire identically: it counts `consumers` times in the kernel,
    `overall_rate`, `spikes_per_sample` and `layer_neurons` (not in `layer_rates`, where the factor
    cancels). Every reading covers the calls since the last `clear()`. Nothing leaves the model's device
    per call.
    """

    def __init__(self, network: nn.Module, gram: str = "auto") -> None:
        self._gram = gram  # the `spike_gram` path
        self._layers = spiking_layers(network)
        self._names = list(self._layers)
        self._consumers = torch.tensor([float(m.consumers) for m in self._layers.values()], dtype=torch.float64)
        self._fanout = torch.tensor([float(m.fanout) for m in self._layers.values()], dtype=torch.float64)
        self._handles = [m.register_forward_hook(self._hook(i)) for i, m in enumerate(self._layers.values())]
        self.clear()

    def clear(self) -> None:
        self._grams: list[torch.Tensor] = []
        self._calls: list[tuple[int, int]] = []  # (layer index, neurons per sample)
        self._stack = None  # the calls stacked, once per forward, for every reading below

    def _hook(self, index: int):
        def collect(_module, _inputs, spikes: torch.Tensor) -> None:
            self._grams.append(spike_gram(spikes, self._gram))
            self._calls.append((index, spikes[0].numel()))
            self._stack = None

        return collect

    def _stacked(self):
        if not self._grams:
            raise ValueError("no spikes were collected: the network has no LIF neuron or was not run")
        if self._stack is None:
            grams = torch.stack(self._grams)
            layer = torch.tensor([c[0] for c in self._calls])
            neurons = torch.tensor([c[1] for c in self._calls], dtype=torch.float64)
            spikes = grams.diagonal(dim1=1, dim2=2).sum(1).to(torch.float64).cpu()
            self._stack = grams, layer, neurons, spikes, self._consumers[layer]
        return self._stack

    def spike_stack(self):
        """The calls since the last `clear()` as a `snasray.proxies.SpikeStack` (Gram matrices, neurons, weights)."""
        from snasray.proxies.probes import SpikeStack

        grams, _, neurons, _, weight = self._stacked()
        return SpikeStack(grams, neurons, weight)

    def kernel(self) -> torch.Tensor:
        grams, _, neurons, _, weight = self._stacked()
        return mean_kernel(grams, neurons, weight)

    def _totals(self):
        grams, layer, neurons, spikes, weight = self._stacked()
        samples = grams.shape[1]
        return layer, neurons * samples, spikes, weight, samples

    def layer_rates(self) -> dict[str, float]:
        layer, evaluated, spikes, _, _ = self._totals()
        rates = {}
        for i, name in enumerate(self._names):
            mask = layer == i
            if mask.any():
                rates[name] = float(spikes[mask].sum() / evaluated[mask].sum())
        return rates

    def overall_rate(self) -> float:
        _, evaluated, spikes, weight, _ = self._totals()
        return float((spikes * weight).sum() / (evaluated * weight).sum())

    def spikes_per_sample(self) -> float:
        """Spikes per sample (spikes / image), summed over all LIF calls and timesteps, consumer-weighted."""
        _, _, spikes, weight, samples = self._totals()
        return float((spikes * weight).sum()) / samples

    def layer_neurons(self) -> dict[str, int]:
        """Neurons per sample of each LIF layer that was called: C*H*W of one call times its `consumers`.

        So spikes_per_sample() == overall_rate() * sum(layer_neurons().values()) * timesteps when every
        layer is called once per timestep, as in SNASNet.
        """
        self._stacked()  # raises when nothing was collected
        counts: dict[str, int] = {}
        for index, neurons in self._calls:
            counts.setdefault(self._names[index], neurons * int(self._consumers[index]))
        return counts

    def synops_per_sample(self) -> float:
        layer, _, spikes, _, samples = self._totals()
        return float((spikes * self._fanout[layer]).sum()) / samples

    def close(self) -> None:
        for handle in self._handles:
            handle.remove()
