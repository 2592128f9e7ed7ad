"""SNASNet as a spikingjelly (2.x, activation_based) module: a weights file and the small runtime beside it.

``write_spikingjelly(network, "net.pt")`` writes ``net.pt`` (``torch.save`` of the graph, the weights and a format
tag; ``torch.load(weights_only=True)`` reads it) and ``net.py`` (a copy of `snasray.export.spikingjelly_runtime`,
which needs torch and spikingjelly only): ``import net; network = net.load()``. spikingjelly 2.x needs Python 3.11+.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch
from torch import nn

from snasray.errors import UserError
from snasray.export.files import atomic_output
from snasray.export.graph import NetworkGraph, Node, network_graph
from snasray.export.requirements import require


def _layer_params(node: Node, network: nn.Module) -> dict:
    """What the runtime needs to build the node's module: sizes read from the network's modules."""
    modules = [network.get_submodule(name) for name in node.modules]
    if node.kind == "conv":
        conv = modules[0]
        return {"in_channels": conv.in_channels, "out_channels": conv.out_channels, "kernel": conv.kernel_size[0],
                "stride": conv.stride[0], "padding": conv.padding[0]}  # fmt: skip
    if node.kind == "bn":
        return {"channels": modules[0].num_features}
    if node.kind == "linear":
        linear = modules[0]
        return {"in_features": linear.in_features, "out_features": linear.out_features, "bias": linear.bias is not None}
    return dict(node.params)


def graph_spec(graph: NetworkGraph, network: nn.Module) -> dict:
    """The graph as plain data (lists, dicts, numbers, strings): what the runtime's `SNASNetGraph` takes."""
    nodes = [
        {
            "name": n.name,
            "kind": n.kind,
            "shape": list(n.shape),
            "static": n.static,
            "params": _layer_params(n, network),
        }  # fmt: skip
        for n in graph.nodes
    ]
    edges = [[e.source, e.target, e.recurrent] for e in graph.edges]
    return {"timesteps": graph.timesteps, "num_classes": graph.num_classes, "neuron": dict(graph.neuron),
            "nodes": nodes, "edges": edges}  # fmt: skip


def to_spikingjelly(network: nn.Module, image_size: int | None = None) -> nn.Module:
    """The network as a spikingjelly module (`snasray.export.spikingjelly_runtime.SNASNetGraph`, eval mode) with
    the same weights. Raises UserError when spikingjelly is missing (or Python < 3.11) or the network cannot be
    exported (see `network_graph`)."""
    require("spikingjelly")
    from snasray.export import spikingjelly_runtime as runtime

    graph = network_graph(network, image_size)
    module = runtime.SNASNetGraph(graph_spec(graph, network))
    for node in graph.nodes:
        if node.modules and node.kind != "lif":
            sources = [network.get_submodule(name) for name in node.modules]
            target = module.layers[runtime._key(node.name)]
            targets = list(target) if isinstance(target, nn.Sequential) else [target]
            for source, copy in zip(sources, targets, strict=True):
                copy.load_state_dict(source.state_dict())
    return module.eval()


def runtime_path(path: str | Path) -> Path:
    return Path(path).with_suffix(".py")


def write_spikingjelly(network: nn.Module, path: str | Path, image_size: int | None = None) -> tuple[Path, Path]:
    """Write the weights file `path` and the runtime beside it (module docstring); returns both paths.

    Raises UserError for a `path` ending in .py (the runtime's own name) and as `to_spikingjelly` does.
    """
    from snasray.export import spikingjelly_runtime as runtime

    path = Path(path)
    if path.suffix == ".py":
        raise UserError(f"--out {path}: the weights need a name other than .py (the runtime is written beside them)")
    code = runtime_path(path)
    if code.exists() and code.read_bytes() != Path(runtime.__file__).read_bytes():
        raise UserError(f"--out {path}: {code} exists and is not a runtime snasray wrote; choose another name")
    module = to_spikingjelly(network, image_size)
    saved = {"format": runtime.FORMAT, "spec": module.spec, "state_dict": module.state_dict()}
    with atomic_output(path) as weights, atomic_output(code) as source:
        torch.save(saved, weights)
        torch.load(weights, weights_only=True)
        shutil.copyfile(runtime.__file__, source)
    return path, code
