"""The NCHW layout reproduces a plain transcription of the network's equations spike for spike."""

import pytest
import torch
from torch.nn import functional as F

from snasray.cells import Cell, op_by_id
from snasray.model import LIF
from snasray.score import ScoreConfig, Scorer

FORWARD = Cell.parse("0314 0023 0003 0000")  # every op: conv3x3, skip, avgpool, conv1x1
BACKWARD = Cell.parse("0303 0030 2002 0200")  # the paper's CIFAR-10 cell: two feedback edges
MIXED = Cell.parse("0002 1030 4003 0100")  # backward skip and avgpool edges


def bn(x, module):
    return F.batch_norm(x, None, None, module.weight, module.bias, training=True, eps=module.eps)


class Neuron:
    """One LIF neuron in the equations of SNASNET.md section 3; records its spikes under `name`."""

    def __init__(self, name, record, tau=4 / 3, threshold=1.0):
        self.name, self.record, self.tau, self.threshold = name, record, tau, threshold
        self.v = 0.0

    def __call__(self, x):
        self.v = self.v + (x - self.v) / self.tau
        spike = (self.v >= self.threshold).float()
        self.v = self.v * (1 - spike)
        self.record.setdefault(self.name, []).append(spike)
        return spike


def transcribed_cell(cell, module, prefix, record):
    """A cell per SNASNET.md section 1: every conv edge owns its neuron, conv and BN; one step per call."""
    neurons = {(i, j): Neuron(f"{prefix}.lifs.{i}", record) for i, j, op in cell.edges() if op_by_id(op).spiking}
    feedback = {}

    def edge(i, j, op, x):
        kind = op_by_id(op).kind
        if kind == "identity":
            return x
        if kind == "avgpool":
            return F.avg_pool2d(x, 3, stride=1, padding=1)
        conv = module.convs[f"{i}_{j}"]
        return bn(F.conv2d(neurons[i, j](x), conv.conv.weight, padding=conv.conv.padding), conv.bn)

    def step(x0):
        op = {(i, j): o for i, j, o in cell.edges()}
        u = {0: x0 + feedback[0] if 0 in feedback else x0}
        for j in (1, 2, 3):
            terms = [edge(i, j, op[i, j], u[i]) for i in range(j) if (i, j) in op]
            x = sum(terms[1:], terms[0]) if terms else torch.zeros_like(x0)
            u[j] = x + feedback[j] if j in feedback and j < 3 else x
        feedback.clear()
        for i, j, o in cell.edges():
            if i > j:
                term = edge(i, j, o, u[i])
                feedback[j] = feedback[j] + term if j in feedback else term
        return u[3]

    return step


def transcribed_network(net, images, record):
    """SNASNET.md section 3 with the weights of `net` (training-mode BN, one dropout mask per sample)."""
    cfg = net.config
    cell1 = transcribed_cell(net.cell1.cell, net.cell1, "cell1", record)
    cell2 = transcribed_cell(net.cell2.cell, net.cell2, "cell2", record)
    down, head, fc = (Neuron(name, record) for name in ("down_lif", "head_lif", "fc_lif"))
    s = bn(F.conv2d(images, net.stem[0].weight, stride=cfg.stem_stride, padding=1), net.stem[1])
    keep = 1 - cfg.dropout
    mask = torch.bernoulli(torch.full((images.shape[0], net.fc1.in_features), keep)) / keep
    out = 0
    for _ in range(cfg.timesteps):
        x = cell1(s)
        x = bn(F.conv2d(down(bn(x, net.down_bn)), net.down_conv.weight, padding=1), net.down_bn2)
        x = cell2(F.avg_pool2d(x, 2))
        x = F.avg_pool2d(head(bn(x, net.head_bn)), cfg.second_avgpool).flatten(1) * mask
        x = F.linear(fc(F.linear(x, net.fc1.weight)), net.fc2.weight, net.fc2.bias)
        out = out + F.avg_pool1d(x.unsqueeze(1), cfg.population).squeeze(1)
    return out / cfg.timesteps


def network_spikes(net, images, record):
    handles = [
        m.register_forward_hook(lambda _m, _i, s, name=name: record.setdefault(name, []).append(s))
        for name, m in net.named_modules()
        if isinstance(m, LIF)
    ]
    try:
        return net(images)
    finally:
        for h in handles:
            h.remove()


@pytest.mark.parametrize("cell", [FORWARD, BACKWARD, MIXED], ids=["forward", "backward", "mixed"])
def test_nchw_layout_matches_the_transcribed_equations_spike_for_spike(cell):
    scorer = Scorer(ScoreConfig(dataset="digits", preset="tiny", batch_size=16, repeat=1, layout="nchw"))
    images = scorer.batches(0)[0]
    net = scorer.build(cell, 0)
    assert images.is_contiguous() and net.stem[0].weight.is_contiguous()
    ours, theirs = {}, {}
    with torch.inference_mode():
        torch.manual_seed(1)
        out = network_spikes(net, images, ours)
        torch.manual_seed(1)
        expected = transcribed_network(net, images, theirs)
    assert set(ours) == set(theirs)
    fired = 0
    for name, calls in ours.items():
        per_edge = theirs[name]  # one neuron per edge there, one per source node here
        assert len(per_edge) % len(calls) == 0
        edges = len(per_edge) // len(calls)
        for t, spikes in enumerate(calls):
            for e in range(edges):
                assert torch.equal(spikes, per_edge[t * edges + e]), f"{name}, timestep {t}"
            fired += int(spikes.sum())
    assert fired > 0
    assert torch.equal(out, expected)


def test_layouts_are_checked_and_keyed():
    nchw = ScoreConfig(dataset="synthetic")
    assert nchw.layout == "nchw" and nchw.gram == "auto"
    last = ScoreConfig(dataset="synthetic", layout="channels_last")
    assert nchw.config_hash() != last.config_hash()
    assert nchw.config_hash() != ScoreConfig(dataset="synthetic", gram="float32").config_hash()
    with pytest.raises(ValueError, match="layout"):
        ScoreConfig(dataset="synthetic", layout="nhwc")
    with pytest.raises(ValueError, match="Gram path"):
        ScoreConfig(dataset="synthetic", gram="bf16")


def test_channels_last_scores_images_and_weights_in_that_layout():
    scorer = Scorer(ScoreConfig(dataset="digits", preset="tiny", batch_size=8, repeat=1, layout="channels_last"))
    assert scorer.batches(0)[0].is_contiguous(memory_format=torch.channels_last)
    assert scorer.build(BACKWARD, 0).stem[0].weight.is_contiguous(memory_format=torch.channels_last)
    result = scorer.score(BACKWARD, 0)
    assert result.error is None and result.firing_rate > 0
