"""Leaky integrate-and-fire neurons with an ATan surrogate gradient, and one reset for a whole network."""

from __future__ import annotations

import math

import torch
from torch import nn


class ATanSpike(torch.autograd.Function):
    """Heaviside forward; d spike / d v = (alpha / 2) / (1 + (pi / 2 * alpha * v)^2) backward."""

    @staticmethod
    def forward(ctx, v_minus_threshold: torch.Tensor, alpha: float) -> torch.Tensor:
        ctx.save_for_backward(v_minus_threshold)
        ctx.alpha = alpha
        return (v_minus_threshold >= 0).to(v_minus_threshold.dtype)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        (x,) = ctx.saved_tensors
        alpha = ctx.alpha
        surrogate = (alpha / 2) / (1 + (math.pi / 2 * alpha * x).square())
        return grad_output * surrogate, None


class LIF(nn.Module):
    """Charge -> fire -> hard reset to 0 (detached), decaying on the input: v += (x - v) / tau.

    ``consumers`` counts the edges that read this neuron's spikes: cell edges from one node
    share one neuron, since their neurons would see the same input and fire identically.
    ``fanout`` is the synapses one spike drives downstream, for the synaptic-operation estimate.
    """

    def __init__(
        self, tau: float = 4 / 3, threshold: float = 1.0, alpha: float = 2.0, consumers: int = 1, fanout: float = 0.0
    ) -> None:
        super().__init__()
        self.tau, self.threshold, self.alpha = tau, threshold, alpha
        self.consumers, self.fanout = consumers, fanout
        self.v: torch.Tensor | None = None

    def reset(self) -> None:
        self.v = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = x / self.tau if self.v is None else self.v + (x - self.v) / self.tau
        spike = ATanSpike.apply(v - self.threshold, self.alpha)
        self.v = v * (1 - spike.detach())
        return spike

    def extra_repr(self) -> str:
        return f"tau={self.tau:.4g}, threshold={self.threshold}, consumers={self.consumers}"


def reset_states(network: nn.Module) -> None:
    """Reset every neuron membrane and cell feedback state of a network."""
    for module in network.modules():
        if module is not network and hasattr(module, "reset"):
            module.reset()
