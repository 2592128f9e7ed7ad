"""An SNASNet exported by snasray, as a spikingjelly (2.x, activation_based) module; needs torch and spikingjelly only.

This file is written beside the exported weights (``NAME.pt`` next to ``NAME.py``) and runs without snasray::

    import NAME                       # or: importlib / runpy on the file
    network = NAME.load()             # the weights beside this file; or NAME.load("other.pt")
    logits = network(images)          # images (B, C, H, W), normalised as in training -> (B, classes)
    network.spikes                    # of the last call: LIF layer name -> spikes (T, B, *neurons)

The network is a graph of layers run once per timestep: every neuron is a spikingjelly
``LIFNode(tau, decay_input=True, v_reset=0, surrogate ATan(alpha), detach_reset=True)``; convs keep their
BatchNorm (eval mode); an edge marked recurrent carries its source's value of the previous timestep (the cells'
backward edges); the logits are the mean over the timesteps of the population readout. Nodes marked static
(the stem) are computed once per call.
"""

from __future__ import annotations

from pathlib import Path

import torch
from spikingjelly.activation_based import functional, neuron, surrogate
from torch import nn

FORMAT = "snasray-spikingjelly/1"


class Population(nn.Module):
    """Mean over each group of `size` consecutive outputs: (B, classes * size) -> (B, classes)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.pool = nn.AvgPool1d(size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x.unsqueeze(1)).squeeze(1)


def layer(node: dict, neuron_params: dict) -> nn.Module | None:
    """The module of one graph node (None for the input and for a sum node, which only adds its inputs)."""
    kind, p = node["kind"], node["params"]
    if kind == "conv":
        conv = nn.Conv2d(p["in_channels"], p["out_channels"], p["kernel"], p["stride"], p["padding"], bias=False)
        return nn.Sequential(conv, nn.BatchNorm2d(p["out_channels"]))
    if kind == "bn":
        return nn.BatchNorm2d(p["channels"])
    if kind == "lif":
        return neuron.LIFNode(
            tau=neuron_params["tau"],
            decay_input=True,
            v_threshold=neuron_params["threshold"],
            v_reset=0.0,
            surrogate_function=surrogate.ATan(alpha=neuron_params["alpha"]),
            detach_reset=True,
            step_mode="s",
        )
    if kind == "avgpool":
        return nn.AvgPool2d(p["kernel"], p["stride"], p["padding"])
    if kind == "flatten":
        return nn.Flatten(1)
    if kind == "linear":
        return nn.Linear(p["in_features"], p["out_features"], bias=p["bias"])
    if kind == "population":
        return Population(p["size"])
    if kind in ("input", "sum", "output"):
        return None
    raise ValueError(f"unknown node kind {kind!r}")


def _key(name: str) -> str:
    return name.replace(".", ":")  # a ModuleDict key cannot hold "."


def _sum(values: list[torch.Tensor]) -> torch.Tensor:
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total


class SNASNetGraph(nn.Module):
    def __init__(self, spec: dict) -> None:
        super().__init__()
        self.spec = spec
        self.timesteps = spec["timesteps"]
        self.nodes = spec["nodes"]
        self.forward_inputs = {n["name"]: [] for n in self.nodes}
        self.recurrent_inputs = {n["name"]: [] for n in self.nodes}
        for source, target, recurrent in spec["edges"]:
            (self.recurrent_inputs if recurrent else self.forward_inputs)[target].append(source)
        self.layers = nn.ModuleDict()
        for node in self.nodes:
            module = layer(node, spec["neuron"])
            if module is not None:
                self.layers[_key(node["name"])] = module
        self.lif_names = [n["name"] for n in self.nodes if n["kind"] == "lif"]
        self.spikes: dict[str, torch.Tensor] = {}

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Time-averaged class scores (B, classes); neuron states are reset first."""
        functional.reset_net(self)
        previous: dict[str, torch.Tensor] = {}  # values of the timestep before
        static: dict[str, torch.Tensor] = {}
        spikes: dict[str, list[torch.Tensor]] = {name: [] for name in self.lif_names}
        out = 0
        for _ in range(self.timesteps):
            values: dict[str, torch.Tensor] = {}
            for node in self.nodes:
                name, kind = node["name"], node["kind"]
                if kind == "input":
                    values[name] = images
                    continue
                if name in static:
                    values[name] = static[name]
                    continue
                inputs = [values[s] for s in self.forward_inputs[name]]
                x = _sum(inputs) if inputs else images.new_zeros(images.shape[0], *node["shape"])
                fed_back = [previous[s] for s in self.recurrent_inputs[name] if s in previous]
                if fed_back:
                    x = x + _sum(fed_back)
                if _key(name) in self.layers:
                    x = self.layers[_key(name)](x)
                values[name] = x
                if node["static"]:
                    static[name] = x
                if kind == "lif":
                    spikes[name].append(x)
            out = out + values[self.nodes[-1]["name"]]
            previous = values
        self.spikes = {name: torch.stack(steps) for name, steps in spikes.items()}
        return out / self.timesteps


def build(saved: dict) -> SNASNetGraph:
    """The network (eval mode) from what the exporter saved: {"format", "spec", "state_dict"}."""
    if saved.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file")
    network = SNASNetGraph(saved["spec"])
    network.load_state_dict(saved["state_dict"])
    return network.eval()


def load(path: str | Path | None = None, map_location: str | torch.device = "cpu") -> SNASNetGraph:
    """The network saved at `path` (default: the .pt file beside this one)."""
    path = Path(__file__).with_suffix(".pt") if path is None else Path(path)
    return build(torch.load(path, map_location=map_location, weights_only=True))
