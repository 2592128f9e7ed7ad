"""Count proxies: the size and activity of a fresh network, from the same forward passes as the kernels."""

from __future__ import annotations

from snasray.proxies._registry import finite, register
from snasray.proxies.probes import ForwardProbe


@register(
    "params",
    "forward",
    "parameter count of the pruned cell's network",
    "a size baseline of training-free NAS (Abdelfattah et al., ICLR 2021, 'Zero-cost proxies')",
)
def params(probe: ForwardProbe) -> tuple[float, str | None]:
    return finite(float(probe.params), "the parameter count")


@register(
    "synops",
    "forward",
    "synaptic operations per image at initialisation (spikes x fan-out)",
    "the SNN cost measure of SNASNet's and LightSNN's papers",
)
def synops(probe: ForwardProbe) -> tuple[float, str | None]:
    return finite(probe.synops, "the synaptic operation count")


@register(
    "firing_rate",
    "forward",
    "spikes per neuron and timestep at initialisation, all LIF layers",
    "the activity statistic of SNASNet's spike hooks",
)
def firing_rate(probe: ForwardProbe) -> tuple[float, str | None]:
    return finite(probe.firing_rate, "the firing rate")
