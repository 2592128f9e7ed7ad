"""Training-free proxies as a registry (timm-style): `proxy_names()`, `get_proxy(name)`, `register(...)`.

Forward proxies (`sahd`, the default; `sahd-spikenas`, `hd`, `params`, `synops`, `firing_rate`, and `fit-spikenas`,
boosted trees over the others fitted on SpikeNAS-Bench) are pure functions of one `ForwardProbe`, so every one of
them comes from the same forward passes; gradient proxies (`grad_norm`, `snip`,
`synflow`, `jacob_cov`) each take a `GradientProbe`. Importing this package imports torch, not Ray.
"""

from snasray.proxies import counts, fitted, gradients, kernels
from snasray.proxies._registry import DEFAULT_PROXY, PROXIES, STAGES, Proxy, get_proxy, proxy_names, register
from snasray.proxies._registry import register as register_proxy
from snasray.proxies.probes import ForwardProbe, GradientProbe, SpikeStack

__all__ = [
    "DEFAULT_PROXY",
    "PROXIES",
    "STAGES",
    "ForwardProbe",
    "GradientProbe",
    "Proxy",
    "SpikeStack",
    "counts",
    "fitted",
    "get_proxy",
    "gradients",
    "kernels",
    "proxy_names",
    "register",
    "register_proxy",
]
