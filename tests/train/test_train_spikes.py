"""Spikes per image and neurons per layer in the rows of a real training and in `snasray evaluate`."""

import json

import pytest

from snasray.cli import main


def test_training_rows_carry_spikes_and_neurons(interrupted):
    rows = interrupted["rows"]
    timesteps = interrupted["config"].model_config().timesteps
    assert rows["spikes_per_image"].dtype == "float64" and (rows["spikes_per_image"] > 0).all()
    for row in rows.itertuples():
        neurons = json.loads(row.layer_neurons)
        assert set(neurons) == set(json.loads(row.layer_rates)) and neurons["cell1.lifs.0"] == 2 * 8 * 8 * 8
        assert row.spikes_per_image == pytest.approx(row.firing_rate * sum(neurons.values()) * timesteps)


def test_evaluate_reports_the_final_rows_spikes(interrupted, capsys):
    final = interrupted["rows"].query("kind == 'final'").iloc[0]
    args = ["evaluate", "--checkpoint", str(interrupted["checkpoint"]), "--dataset", "digits"]
    assert main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["spikes_per_image"] == pytest.approx(final["spikes_per_image"])
    assert result["layer_neurons"] == json.loads(final["layer_neurons"])
    assert main(args) == 0
    text = capsys.readouterr().out
    assert f"{result['spikes_per_image']:,.0f} spikes and" in text and " neurons\n" in text
