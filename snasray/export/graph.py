"""A trained SNASNet read as a per-timestep computation graph: the one structure every exporter writes out.

The graph is read from the network's modules (the stem, each cell's edges, convs and neurons, the down-sampling
and head layers, the classifier), not traced, so that every backward (next-timestep) edge stays visible.

Node kinds (``Node.kind``) and the snasray modules whose weights they carry (``Node.modules``):
- ``input``: the image, fed unchanged at every timestep;
- ``conv``: a Conv2d and the BatchNorm2d after it (``modules = (conv, bn)``);
- ``bn``: a BatchNorm2d that follows no conv (``modules = (bn,)``);
- ``lif``: a LIF neuron (``modules = (lif,)``); its name is the module's, e.g. ``cell1.lifs.0``;
- ``sum``: a cell node u_i: the sum of its inputs (forward terms in edge order, then backward terms);
- ``avgpool``: AvgPool2d (``kernel``, ``stride``, ``padding``; padding counts in the divisor, as in torch);
- ``flatten``: all dims of a sample into one;
- ``linear``: a Linear layer (``modules = (linear,)``), with or without bias;
- ``population``: mean over each group of ``size`` consecutive outputs (population coding, one group a class);
- ``output``: the class scores of one timestep; the network's logits are their mean over the timesteps.

A ``static`` node depends on the input only (the stem): computed once per sample, the same at every timestep.
An edge with ``recurrent=True`` carries its source's value of timestep t into its target at t + 1 (zero at the
first timestep): the backward edges of the cells. Nodes are listed in an order in which every forward edge
goes from an earlier to a later node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from snasray.cells import op_by_id
from snasray.errors import UserError


@dataclass(frozen=True)
class Node:
    name: str
    kind: str
    shape: tuple[int, ...]  # the output of one sample, without the batch dimension
    modules: tuple[str, ...] = ()  # names of the network's modules that hold its weights
    params: dict = field(default_factory=dict)
    static: bool = False


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    recurrent: bool = False


@dataclass(frozen=True)
class NetworkGraph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    timesteps: int
    num_classes: int
    neuron: dict  # tau, threshold, alpha of every LIF

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def inputs(self, name: str, recurrent: bool = False) -> list[str]:
        """Sources of the edges into `name`, in edge order: its forward inputs, or its recurrent ones."""
        return [e.source for e in self.edges if e.target == name and e.recurrent == recurrent]

    def lif_names(self) -> list[str]:
        return [n.name for n in self.nodes if n.kind == "lif"]


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []

    def add(self, name: str, kind: str, shape, sources=(), modules=(), static: bool = False, **params) -> str:
        self.nodes.append(Node(name, kind, tuple(int(s) for s in shape), tuple(modules), params, static))
        self.connect(sources, name)
        return name

    def connect(self, sources, target: str, recurrent: bool = False) -> None:
        self.edges.extend(Edge(s, target, recurrent) for s in sources)


def _cell(b: _Builder, prefix: str, cell_module: nn.Module, source: str, shape: tuple[int, ...]) -> str:
    """Add the nodes of one SpikingCell fed by `source`; return its output node."""
    n, edges = cell_module.n, cell_module.edges
    used = {0, n - 1} | {i for i, _, _ in edges} | {j for _, j, _ in edges}
    node = {i: f"{prefix}.node{i}" for i in sorted(used)}
    lifs: dict[int, str] = {}
    feeders: dict[int, list[tuple[str, bool]]] = {i: [] for i in node}  # (source, recurrent) per target node
    feeders[0].append((source, False))
    for i in node:  # node i's forward inputs all come from earlier nodes, which exist by now
        b.add(node[i], "sum", shape, [s for s, recurrent in feeders[i] if not recurrent])
        for _, j, op_id in (e for e in edges if e[0] == i):
            op = op_by_id(op_id)
            if op.kind == "identity":
                out = node[i]
            elif op.kind == "avgpool":
                out = b.add(f"{prefix}.pool{i}_{j}", "avgpool", shape, [node[i]], kernel=3, stride=1, padding=1)
            else:
                if i not in lifs:
                    lifs[i] = b.add(f"{prefix}.lifs.{i}", "lif", shape, [node[i]], [f"{prefix}.lifs.{i}"])
                conv = f"{prefix}.convs.{i}_{j}"
                out = b.add(conv, "conv", shape, [lifs[i]], [f"{conv}.conv", f"{conv}.bn"], stride=1,
                            padding=op.kernel // 2)  # fmt: skip
            feeders[j].append((out, i > j))
    for i in node:  # backward edges: each into a node listed before its source
        b.connect([s for s, recurrent in feeders[i] if recurrent], node[i], recurrent=True)
    return node[n - 1]


def network_graph(network: nn.Module, image_size: int | None = None) -> NetworkGraph:
    """The per-timestep graph of a SNASNet (`snasray.model.SNASNet`) read from its modules.

    ``image_size`` (pixels per side) is what the network was built for; by default the side that gives the
    classifier its input size. Raises UserError for a network that is not an SNASNet of LIF neurons (a ReLU
    baseline) or an image size that does not fit its classifier.
    """
    from snasray.model import LIF, SNASNet

    if not isinstance(network, SNASNet):
        raise UserError(f"only an SNASNet can be exported, got {type(network).__name__}")
    lifs = [
        network.down_lif,
        network.head_lif,
        network.fc_lif,
        *network.cell1.lifs.values(),
        *network.cell2.lifs.values(),
    ]
    if not all(isinstance(m, LIF) for m in lifs):
        raise UserError("only a network of LIF neurons can be exported (this one has other activations)")
    cfg = network.config
    stem = network.stem[0]
    c1, c2, p = stem.out_channels, network.down_conv.out_channels, cfg.second_avgpool
    side = image_size or _image_side(network)
    s1 = (side - 1) // cfg.stem_stride + 1
    s2 = s1 // 2
    s3 = s2 // p
    if c2 * s3 * s3 != network.fc1.in_features:
        raise UserError(f"images of {side} px do not fit this network's classifier")
    b = _Builder()
    b.add("input", "input", (stem.in_channels, side, side))
    b.add("stem", "conv", (c1, s1, s1), ["input"], ["stem.0", "stem.1"], static=True, stride=cfg.stem_stride, padding=1)
    x = _cell(b, "cell1", network.cell1, "stem", (c1, s1, s1))
    x = b.add("down_bn", "bn", (c1, s1, s1), [x], ["down_bn"])
    x = b.add("down_lif", "lif", (c1, s1, s1), [x], ["down_lif"])
    x = b.add("down_conv", "conv", (c2, s1, s1), [x], ["down_conv", "down_bn2"], stride=1, padding=1)
    x = b.add("down_pool", "avgpool", (c2, s2, s2), [x], kernel=2, stride=2, padding=0)
    x = _cell(b, "cell2", network.cell2, x, (c2, s2, s2))
    x = b.add("head_bn", "bn", (c2, s2, s2), [x], ["head_bn"])
    x = b.add("head_lif", "lif", (c2, s2, s2), [x], ["head_lif"])
    x = b.add("head_pool", "avgpool", (c2, s3, s3), [x], kernel=p, stride=p, padding=0)
    x = b.add("flatten", "flatten", (c2 * s3 * s3,), [x])
    x = b.add("fc1", "linear", (network.fc1.out_features,), [x], ["fc1"])
    x = b.add("fc_lif", "lif", (network.fc1.out_features,), [x], ["fc_lif"])
    x = b.add("fc2", "linear", (network.fc2.out_features,), [x], ["fc2"])
    x = b.add("population", "population", (network.num_classes,), [x], size=cfg.population)
    b.add("output", "output", (network.num_classes,), [x])
    neuron = {"tau": cfg.tau, "threshold": cfg.threshold, "alpha": cfg.surrogate_alpha}
    return NetworkGraph(tuple(b.nodes), tuple(b.edges), cfg.timesteps, network.num_classes, neuron)


def _image_side(network: nn.Module) -> int:
    """The image side whose feature map fills the classifier's input (the network does not store its image size)."""
    cfg = network.config
    per_channel = network.fc1.in_features // network.down_conv.out_channels
    side3 = round(per_channel**0.5)
    return side3 * cfg.second_avgpool * 2 * cfg.stem_stride
