"""Spikes per image and neurons per layer, counted by hand from the LIF outputs and compared to the scorer's."""

import json
import math

import pandas as pd
import pytest
import torch

from snasray.cells import Cell
from snasray.cli import main
from snasray.model import spiking_layers
from snasray.score import ScoreConfig, Scorer, SpikeCollector
from snasray.score.table import TableScorer

# node 0 feeds the conv edges 0->1 and 0->3, node 2 the conv edges 2->0 (backward) and 2->3
SHARED = Cell.parse("0303 0030 2002 0200")
CONFIG = ScoreConfig(dataset="digits", preset="tiny", batch_size=16, repeat=2)


def edges_fed(cell: Cell, layer: str) -> int:
    """Conv edges that read a layer's spikes: those leaving its node for a cell neuron, else 1."""
    if ".lifs." not in layer:
        return 1
    node = int(layer.rsplit(".", 1)[1])
    return sum(op in (2, 3) for op in cell.matrix[node])


def hand_count(scorer: Scorer, cell: Cell, seed: int):
    """(spikes per image, neurons per layer, timesteps seen) of the scorer's network on its batches, from hooks."""
    network = scorer.build(cell, seed)
    spikes, neurons, calls = 0.0, {}, {}

    def hook(name):
        def count(_module, _inputs, output):
            nonlocal spikes
            assert set(output.unique().tolist()) <= {0.0, 1.0}
            spikes += float(output.sum()) * edges_fed(cell, name)
            neurons[name] = output[0].numel() * edges_fed(cell, name)
            calls[name] = calls.get(name, 0) + 1

        return count

    handles = [m.register_forward_hook(hook(n)) for n, m in spiking_layers(network).items()]
    batches = scorer.batches(seed)
    torch.manual_seed(seed)
    with torch.inference_mode():
        for images in batches:
            network(images)
    for handle in handles:
        handle.remove()
    images = sum(len(b) for b in batches)
    return spikes / images, neurons, {n: c // len(batches) for n, c in calls.items()}


def test_spikes_per_image_and_neurons_match_a_count_by_hand():
    scorer = Scorer(CONFIG)
    result = scorer.score(SHARED, 0)
    spikes, neurons, calls = hand_count(scorer, SHARED, 0)
    timesteps = CONFIG.model_config().timesteps
    assert set(calls.values()) == {timesteps}
    assert result.spikes_per_image == pytest.approx(spikes, rel=1e-12) and spikes > 0
    assert result.layer_neurons == neurons
    assert result.layer_neurons["cell1.lifs.0"] == 2 * 8 * 8 * 8  # consumers 2 x (8 channels, 8 x 8 px)
    assert result.layer_neurons["cell2.lifs.2"] == 2 * 16 * 4 * 4
    assert result.layer_neurons["fc_lif"] == 64
    assert set(result.layer_neurons) == set(result.layer_rates)
    # spikes / (neurons x timesteps) is the consumer-weighted firing rate
    rate = result.spikes_per_image / (sum(result.layer_neurons.values()) * timesteps)
    assert rate == pytest.approx(result.firing_rate, rel=1e-12)


def test_a_shared_neuron_counts_once_per_edge_it_feeds():
    network = Scorer(CONFIG).build(SHARED, 1)
    layers = spiking_layers(network)
    assert layers["cell1.lifs.0"].consumers == layers["cell2.lifs.2"].consumers == 2
    once = {}
    handles = [
        m.register_forward_hook(lambda _m, _i, out, name=n: once.__setitem__(name, once.get(name, 0) + out.sum()))
        for n, m in layers.items()
    ]
    collector = SpikeCollector(network)
    with torch.inference_mode():
        network(torch.randn(4, 1, 8, 8))
    per_edge = sum(float(count) * layers[name].consumers for name, count in once.items()) / 4
    assert collector.spikes_per_sample() == pytest.approx(per_edge) and per_edge > sum(map(float, once.values())) / 4
    collector.close()
    for handle in handles:
        handle.remove()


def test_readings_need_a_forward_pass():
    collector = SpikeCollector(Scorer(CONFIG).build(SHARED, 0))
    for reading in (collector.spikes_per_sample, collector.layer_neurons):
        with pytest.raises(ValueError, match="no spikes were collected"):
            reading()
    collector.close()


def test_score_cli_prints_and_emits_the_counts(capsys):
    args = ["score", "--cell", str(SHARED), "--dataset", "digits", "--batch-size", "16"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert " spikes and " in text and "per image and timestep in 11 LIF layers" in text
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["spikes_per_image"] > 0 and len(out["layer_neurons"]) == 11


def test_a_score_table_gives_nan_unless_it_has_the_column(tmp_path):
    key = "0003 0000 0000 0000"
    plain, counted = tmp_path / "plain.parquet", tmp_path / "counted.parquet"
    pd.DataFrame({"key": [key], "score": [1.0]}).to_parquet(plain)
    pd.DataFrame({"key": [key], "score": [1.0], "spikes_per_image": [42.5]}).to_parquet(counted)
    assert math.isnan(TableScorer(str(plain)).score(Cell.parse(key), 0).spikes_per_image)
    assert TableScorer(str(counted)).score(Cell.parse(key), 0).spikes_per_image == 42.5
    assert TableScorer(str(plain)).score(Cell.parse(key), 0).layer_neurons == {}
