import pytest
import torch

from snasray.cells import Cell
from snasray.data import DataConfig, load_split
from snasray.model import SNASNet, model_preset
from snasray.score import SpikeCollector
from snasray.train import SpikeStats, evaluate_network


def network():
    torch.manual_seed(0)
    return SNASNet(Cell.parse("0303 0030 2002 0200"), model_preset("tiny"), 1, 8, 10).eval()


@torch.no_grad()
def test_statistics_over_batches_are_image_weighted_means():
    net, images = network(), torch.randn(12, 1, 8, 8)
    stats = SpikeStats(net)
    stats.measure(images[:8])
    stats.measure(images[8:])
    stats.close()
    collector = SpikeCollector(net)
    parts, spikes = [], []
    for batch in (images[:8], images[8:]):
        collector.clear()
        net(batch)
        parts.append((len(batch), collector.overall_rate(), collector.synops_per_sample()))
        spikes.append(collector.spikes_per_sample() * len(batch))
    collector.close()
    assert stats.images == 12
    assert stats.overall_rate() == pytest.approx(sum(n * r for n, r, _ in parts) / 12)
    assert stats.synops_per_image() == pytest.approx(sum(n * s for n, _, s in parts) / 12)
    assert stats.spikes_per_image() == pytest.approx(sum(spikes) / 12)
    assert stats.layer_neurons() == collector.layer_neurons() and stats.layer_neurons()["fc_lif"] == 64


def test_evaluation_counts_every_image_and_spikes_of_the_first():
    data = load_split(DataConfig("digits"), "val")
    result = evaluate_network(network(), data, batch_size=64, spike_images=100)
    assert result.images == 180 and result.spike_images == 128 and 0 <= result.accuracy <= 1
    assert 0 < result.firing_rate < 1 and result.layer_rates


def test_the_ann_baseline_is_the_same_network_with_relus():
    from snasray.model import spiking_layers
    from snasray.train.network import build_snasnet

    cell, config = Cell.parse("0303 0030 2002 0200"), model_preset("tiny", timesteps=1)
    ann = build_snasnet(cell, config, 1, 8, 10, neuron="relu")
    snn = build_snasnet(cell, config, 1, 8, 10)
    assert not spiking_layers(ann) and spiking_layers(snn)
    assert sum(p.numel() for p in ann.parameters()) == sum(p.numel() for p in snn.parameters())
    result = evaluate_network(ann, load_split(DataConfig("digits"), "val"))
    assert result.images == 180 and result.firing_rate != result.firing_rate  # nan: no spikes to count
    assert result.spikes_per_image != result.spikes_per_image and result.layer_neurons == {}
