import json
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from snasray.parts import normalise_row
from snasray.train import TRAIN_SCHEMA, read_training
from snasray.train.store import TRAIN_SCHEMA_VERSION, RowFollower, append_rows, training_dir


def row(epoch, kind="epoch", val=0.5, run_id="r"):
    return {
        "run_id": run_id,
        "key": "0303 0030 2002 0200",
        "cell": "0303 0030 2002 0200",
        "seed": 0,
        "recipe_hash": "h",
        "kind": kind,
        "epoch": epoch,
        "val_acc": val,
        "layer_rates": {"a": 0.1},
    }


def test_rows_round_trip_with_the_schema(tmp_path):
    append_rows(tmp_path, [row(1), row(2)])
    frame = read_training(tmp_path)
    assert list(frame.columns) == TRAIN_SCHEMA.names
    assert frame["epoch"].tolist() == [1, 2] and (frame["schema_version"] == TRAIN_SCHEMA_VERSION).all()
    assert json.loads(frame["layer_rates"][0]) == {"a": 0.1} and math.isnan(frame["test_acc"][0])
    assert pd.read_parquet(tmp_path / "_training").shape[0] == 2  # plain pandas reads the parts too


def test_a_row_written_again_replaces_the_earlier_one(tmp_path):
    append_rows(tmp_path, [row(1, val=0.1)])
    append_rows(tmp_path, [row(1, val=0.2), row(1, kind="final", val=0.2), row(1, run_id="other")])
    frame = read_training(tmp_path)
    assert len(frame) == 3 and frame.query("run_id == 'r' and kind == 'epoch'")["val_acc"].tolist() == [0.2]
    assert len(read_training(tmp_path, latest=False)) == 4


def test_an_empty_store_has_the_columns(tmp_path):
    assert list(read_training(tmp_path / "none").columns) == TRAIN_SCHEMA.names


def test_the_follower_reads_only_new_parts(tmp_path):
    append_rows(tmp_path, [row(1)])
    follower = RowFollower(tmp_path)
    assert follower.new_rows() == []
    append_rows(tmp_path, [row(2)])
    assert [r["epoch"] for r in follower.new_rows()] == [2] and follower.new_rows() == []


def test_parts_of_schema_version_1_read_with_the_new_columns_missing(tmp_path):
    from snasray.analysis import load_training

    old = pa.schema([f for f in TRAIN_SCHEMA if f.name not in ("spikes_per_image", "layer_neurons")])
    follower = RowFollower(tmp_path)
    folder = training_dir(tmp_path)
    folder.mkdir()
    v1 = normalise_row({**row(1), "layer_rates": '{"a": 0.1}'}, old, 1)
    pq.write_table(pa.Table.from_pylist([v1], schema=old), folder / "train-1-old.parquet")
    append_rows(tmp_path, [{**row(2), "spikes_per_image": 12.5, "layer_neurons": {"a": 40}}])
    for frame in (read_training(tmp_path), load_training(tmp_path)):
        assert frame["schema_version"].tolist() == [1, TRAIN_SCHEMA_VERSION] and frame["epoch"].tolist() == [1, 2]
        assert math.isnan(frame["spikes_per_image"][0]) and frame["spikes_per_image"][1] == 12.5
        assert pd.isna(frame["layer_neurons"][0]) and json.loads(frame["layer_neurons"][1]) == {"a": 40}
    assert [r["layer_neurons"] for r in follower.new_rows()] == [None, '{"a": 40}']
