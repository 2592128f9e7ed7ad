"""Spike counts in the rows of a real search, and runs whose parts were written under score schema version 1."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from snasray import analysis as sa
from snasray.cli import main
from snasray.generations import score_part_files
from snasray.model import model_preset
from snasray.search import SCHEMA_VERSION, SCORE_SCHEMA, ScoreStore

SINCE_V1 = ("spikes_per_image", "layer_neurons")


def test_search_rows_carry_spikes_per_image_and_neurons(tiny_runs):
    frame = ScoreStore(tiny_runs["random"]).read()
    ok = frame[frame["status"] == "ok"]
    assert len(ok) and frame["spikes_per_image"].dtype == "float64" and (ok["spikes_per_image"] > 0).any()
    timesteps = model_preset("tiny").timesteps
    for row in ok.itertuples():
        neurons = json.loads(row.layer_neurons)
        assert set(neurons) == set(json.loads(row.layer_rates)) and all(n > 0 for n in neurons.values())
        assert row.spikes_per_image == pytest.approx(row.firing_rate * sum(neurons.values()) * timesteps)


def _rewrite_as_version_1(run_dir) -> int:
    """Rewrite every score part of a run as the version-1 store wrote it: no spike counts, no neuron counts."""
    old = pa.schema([f for f in SCORE_SCHEMA if f.name not in SINCE_V1])
    rows = 0
    for part in score_part_files(run_dir):
        table = pq.read_table(part).drop_columns(list(SINCE_V1))
        version = pa.array([1] * len(table), pa.int16())
        pq.write_table(table.set_column(0, "schema_version", version).cast(old), part)
        rows += len(table)
    return rows


def test_a_version_1_run_still_loads_reports_and_takes_new_rows(run_copy, capsys):
    rows = _rewrite_as_version_1(run_copy)
    assert "spikes_per_image" not in pq.read_schema(score_part_files(run_copy)[0]).names
    frames = {"store": ScoreStore(run_copy).read(), "analysis": sa.load_runs(run_copy)}
    for frame in frames.values():
        assert len(frame) == rows and (frame["schema_version"] == 1).all()
        assert frame["spikes_per_image"].isna().all() and frame["layer_neurons"].isna().all()
    assert list(frames["store"].columns) == SCORE_SCHEMA.names
    assert main(["report", str(run_copy)]) == 0 and "best cell" in capsys.readouterr().out

    # the run continued under the current version: its new rows keep their counts beside the old ones
    cell = "0003 0000 0000 0000"
    new_row = {"key": cell, "cell": cell, "score": -1e3, "status": "ok", "round": 99, "order": rows}
    ScoreStore(run_copy).append([{**new_row, "spikes_per_image": 7.5, "layer_neurons": {"down_lif": 512}}])
    for frame in (ScoreStore(run_copy).read(), sa.load_runs(run_copy)):
        new = frame[frame["schema_version"] == SCHEMA_VERSION]
        assert len(frame) == rows + 1 and new["spikes_per_image"].tolist() == [7.5]
        assert json.loads(new["layer_neurons"].iloc[0]) == {"down_lif": 512}
        assert frame["spikes_per_image"].isna().sum() == rows
    assert main(["report", str(run_copy), "--out", str(run_copy / "_report2")]) == 0
    assert len(pd.read_parquet(run_copy)) == rows + 1
