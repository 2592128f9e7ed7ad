"""SNASNet as a NIR graph (the Neuromorphic Intermediate Representation, package ``nir``).

Time step and neuron mapping. NIR's LIF is continuous: tau dv/dt = (v_leak - v) + r I, spike when
v > v_threshold, then v = v_reset. Its forward-Euler step of length dt is v <- v + (dt / tau) (r I - v), which is
snasray's LIF, v <- v + (I - v) / tau_s (tau_s = 4/3 timesteps, input decayed, hard reset to 0), when
tau = tau_s * dt, r = 1, v_leak = 0, v_threshold = snasray's threshold (1) and v_reset = 0. The graph's time step
is ``dt`` seconds (default 1e-4 s, the step snntorch's NIR import assumes); one step is one SNASNet timestep.
snasray fires at v >= threshold, NIR at v > threshold: the two differ only where v equals the threshold exactly.

Layers. Each conv carries the BatchNorm after it, folded with its eval-mode statistics (nir.Conv2d with bias).
A BatchNorm that follows no conv (``down_bn``, ``head_bn``) is a per-channel scale and shift: a 1x1 nir.Conv2d
whose weight is the diagonal matrix of the scales and whose bias is the shifts (nir 1.0 mistypes the input of a
grouped conv). A cell node, where edges are summed, is the identity as such a conv (weight the identity matrix,
bias 0): NIR sums the edges into a node, and has no plain sum node that simulators read.
Pooling is nir.AvgPool2d (padding counted in the divisor, as in torch), then nir.Flatten (all dims of a sample),
fc1 nir.Linear, fc2 nir.Affine and the population readout nir.Linear (weight 1/K on each class's K outputs).
Dropout is dropped (inference). The output node gives the class scores of one timestep: the network's logits are
their mean over the ``timesteps`` steps (graph metadata). The stem sees the same image at every step.

Backward (next-timestep) edges. A backward edge i -> j whose target reaches its source through forward edges
closes a cycle in the graph: it carries the previous step's value, as a discrete NIR simulator runs a cycle.
A backward edge that closes no cycle passes through a nir.Delay of one step (dt). The metadata names every
backward edge (``recurrent_edges``, "source->target").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from snasray.export.graph import NetworkGraph, Node, network_graph
from snasray.export.requirements import require

DEFAULT_DT = 1e-4


def _array(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float64).cpu().numpy()


def bn_scale_shift(bn: nn.BatchNorm2d) -> tuple[np.ndarray, np.ndarray]:
    """Eval-mode BatchNorm as y = scale * x + shift per channel (float64)."""
    scale = _array(bn.weight) / np.sqrt(_array(bn.running_var) + bn.eps)
    return scale, _array(bn.bias) - _array(bn.running_mean) * scale


def _per_channel(nir, scale: np.ndarray, shift: np.ndarray, shape: tuple[int, ...]):
    weight = np.diag(scale)[:, :, None, None].astype(np.float32)  # nir types a grouped conv's input wrongly
    return nir.Conv2d(shape[1:], weight, 1, 0, 1, 1, shift.astype(np.float32))


def _nir_node(nir, node: Node, in_shape: tuple[int, ...], network: nn.Module, dt: float, neuron: dict):
    kind, modules = node.kind, [network.get_submodule(name) for name in node.modules]
    if kind == "input":
        return nir.Input({"input": np.array(node.shape)})
    if kind == "output":
        return nir.Output({"output": np.array(node.shape)})
    if kind == "conv":
        conv, bn = modules
        scale, shift = bn_scale_shift(bn)
        weight = (_array(conv.weight) * scale[:, None, None, None]).astype(np.float32)
        p = node.params
        return nir.Conv2d(in_shape[1:], weight, p["stride"], p["padding"], 1, 1, shift.astype(np.float32))
    if kind == "bn":
        return _per_channel(nir, *bn_scale_shift(modules[0]), in_shape)
    if kind == "sum":
        channels = node.shape[0]
        return _per_channel(nir, np.ones(channels), np.zeros(channels), in_shape)
    if kind == "lif":
        full = np.ones(node.shape, dtype=np.float32)
        return nir.LIF(
            tau=full * np.float32(neuron["tau"] * dt),
            r=full.copy(),
            v_leak=np.zeros_like(full),
            v_threshold=full * np.float32(neuron["threshold"]),
            v_reset=np.zeros_like(full),
        )
    if kind == "avgpool":
        p = node.params
        return nir.AvgPool2d(np.array([p["kernel"]] * 2), np.array([p["stride"]] * 2), np.array([p["padding"]] * 2))
    if kind == "flatten":
        return nir.Flatten({"input": np.array(in_shape)}, start_dim=0, end_dim=-1)
    if kind == "linear":
        (linear,) = modules
        weight = _array(linear.weight).astype(np.float32)
        if linear.bias is None:
            return nir.Linear(weight)
        return nir.Affine(weight, _array(linear.bias).astype(np.float32))
    if kind == "population":
        size, classes = node.params["size"], node.shape[0]
        weight = np.kron(np.eye(classes), np.full((1, size), 1 / size)).astype(np.float32)
        return nir.Linear(weight)
    raise ValueError(f"no NIR node for kind {kind!r}")


def _reaches(graph: NetworkGraph, start: str, goal: str) -> bool:
    """Whether forward (same-timestep) edges lead from `start` to `goal`."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name == goal:
            return True
        if name not in seen:
            seen.add(name)
            todo.extend(e.target for e in graph.edges if e.source == name and not e.recurrent)
    return False


def graph_to_nir(graph: NetworkGraph, network: nn.Module, dt: float = DEFAULT_DT):
    """The `nir.NIRGraph` of a `NetworkGraph` whose weights are `network`'s (see the module docstring)."""
    nir = require("nir")
    shapes = {n.name: n.shape for n in graph.nodes}
    nodes, edges = {}, []
    for node in graph.nodes:
        sources = graph.inputs(node.name)
        in_shape = shapes[sources[0]] if sources else node.shape
        nodes[node.name] = _nir_node(nir, node, in_shape, network, dt, graph.neuron)
    recurrent = []
    for edge in graph.edges:
        if edge.recurrent and not _reaches(graph, edge.target, edge.source):
            delay = f"{edge.source}->{edge.target}.delay"
            nodes[delay] = nir.Delay(np.full(shapes[edge.source], dt, dtype=np.float32))
            edges += [(edge.source, delay), (delay, edge.target)]
        else:
            edges.append((edge.source, edge.target))
        if edge.recurrent:
            recurrent.append(f"{edge.source}->{edge.target}")
    metadata = {
        "source": "snasray SNASNet",
        "dt": dt,
        "timesteps": graph.timesteps,
        "readout": "logits = mean over the timesteps of the output",
        "recurrent_edges": ";".join(recurrent),
    }
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata)


def to_nir(network: nn.Module, image_size: int | None = None, dt: float = DEFAULT_DT):
    """A trained SNASNet as a `nir.NIRGraph` (module docstring: time step, neuron mapping, node kinds).

    Raises UserError when nir is not installed or the network cannot be exported (see `network_graph`).
    """
    return graph_to_nir(network_graph(network, image_size), network.eval(), dt)


def write_nir(network: nn.Module, path: str | Path, image_size: int | None = None, dt: float = DEFAULT_DT) -> Path:
    """Write `to_nir(network)` to `path` (HDF5, ``nir.write``) and check that ``nir.read`` reads it back."""
    from snasray.export.files import atomic_output

    nir = require("nir")
    graph = to_nir(network, image_size, dt)
    h5py = require("h5py")
    config = h5py.get_config()
    tracked = config.track_order
    with atomic_output(path) as temp:
        config.track_order = True  # nodes are read back in the written (evaluation) order
        try:
            nir.write(temp, graph)
        finally:
            config.track_order = tracked
        nir.read(temp)
    return Path(path)
