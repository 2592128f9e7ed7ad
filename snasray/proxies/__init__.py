"""Training-free proxies as a registry (timm-style): `proxy_names()`, `get_proxy(name)`, `register(...)`.

Forward proxies (`sahd`, the default; `sahd-spikenas`, `hd`, `params`, `synops`, `firing_rate`) are pure functions of
one `ForwardProbe`, so every one of them comes from the same forward passes; gradient proxies (`grad_norm`, `snip`,
`synflow`, `jacob_cov`) each take a `GradientProbe`. Importing this package imports torch, not Ray.
"""

from snasray.proxies import counts, gradients, kernels
from snasray.proxies._registry import DEFAULT_PROXY, PROXIES, STAGES, Proxy, get_proxy, proxy_names, register
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
    "get_proxy",
    "gradients",
    "kernels",
    "proxy_names",
    "register",
]
