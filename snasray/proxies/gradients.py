"""Gradient proxies: one backward pass of a fresh network with the surrogate gradient through time.

The four zero-cost proxies of Abdelfattah et al. (ICLR 2021, "Zero-Cost Proxies for Lightweight NAS") and Mellor
et al. (2021), computed on the spiking network: the LIF neurons pass gradients through their ATan surrogate
(`snasray.model.ATanSpike`), over all timesteps. Weights are those of every convolution and linear layer.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from snasray.proxies._registry import finite, register
from snasray.proxies.probes import GradientProbe

JACOB_K = 1e-5  # Mellor et al.'s k in the jacob_cov score


def _weights(network: nn.Module) -> list[torch.Tensor]:
    return [m.weight for m in network.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def _loss_gradients(probe: GradientProbe) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(weight, d loss / d weight) of each conv and linear layer, for the cross-entropy of one batch."""
    network = probe.build()
    with torch.enable_grad():
        network.zero_grad()
        F.cross_entropy(network(probe.images), probe.labels).backward()
    return [(w.detach(), w.grad if w.grad is not None else torch.zeros_like(w)) for w in _weights(network)]


@register(
    "grad_norm",
    "gradient",
    "sum over layers of the L2 norm of the loss gradient",
    "Abdelfattah et al., ICLR 2021, section 3 (grad_norm)",
)
def grad_norm(probe: GradientProbe) -> tuple[float, str | None]:
    value = sum(float(g.norm()) for _, g in _loss_gradients(probe))
    return finite(value, "the gradient norm")


@register(
    "snip",
    "gradient",
    "sum of |w * d loss / d w| (connection sensitivity)",
    "Lee et al., ICLR 2019 (SNIP); as a proxy, Abdelfattah et al., ICLR 2021",
)
def snip(probe: GradientProbe) -> tuple[float, str | None]:
    value = sum(float((w * g).abs().sum()) for w, g in _loss_gradients(probe))
    return finite(value, "the SNIP saliency")


@register(
    "synflow",
    "gradient",
    "sum of |w * dR/dw|, R the summed output of the network with |w| on an all-ones "
    "input (BN at its initial statistics, no dropout), in float64",
    "Tanaka et al., NeurIPS 2020 (SynFlow); as a proxy, Abdelfattah et al., ICLR 2021",
)
def synflow(probe: GradientProbe) -> tuple[float, str | None]:
    network = probe.build().double().eval()
    with torch.no_grad():
        for w in _weights(network):
            w.abs_()
    ones = torch.ones((1, *probe.images.shape[1:]), dtype=torch.float64, device=probe.images.device)
    with torch.enable_grad():
        network.zero_grad()
        network(ones).sum().backward()
    value = sum(float((w.detach() * w.grad).abs().sum()) for w in _weights(network) if w.grad is not None)
    if value == 0:
        return -math.inf, "no gradient reaches the weights (synflow is 0)"
    return finite(math.log(value), "log synflow")


@register(
    "jacob_cov",
    "gradient",
    "-sum(log(v + k) + 1 / (v + k)) over the eigenvalues v of the correlation "
    "matrix of the input Jacobians of a batch (k = 1e-5)",
    "Mellor et al., arXiv 2006.04647v1 (Neural Architecture Search without Training, first version)",
)
def jacob_cov(probe: GradientProbe) -> tuple[float, str | None]:
    network = probe.build()
    images = probe.images.clone().requires_grad_(True)
    with torch.enable_grad():
        output = network(images)
        output.backward(torch.ones_like(output))
    jacobians = images.grad.reshape(len(images), -1).double().cpu().numpy()
    if not np.all(jacobians.std(axis=1) > 0):
        return math.nan, "an input Jacobian is constant (no gradient reaches the input)"
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(jacobians))
    value = -float(np.sum(np.log(eigenvalues + JACOB_K) + 1.0 / (eigenvalues + JACOB_K)))
    return finite(value, "jacob_cov")
