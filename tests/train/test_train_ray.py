"""Real Ray Train runs on 2 CPU workers: rows in the store, resume, a killed worker, evaluation of a checkpoint."""

import json
import threading
import time

import psutil
import pyarrow.parquet as pq
import pytest
import torch

from snasray.cli import main
from snasray.errors import UserError
from snasray.model import spiking_layers
from snasray.train import (
    TRAIN_SCHEMA,
    TrainConfig,
    evaluate_checkpoint,
    load_network,
    read_training,
    train_cell,
    train_cells,
    training_dir,
)
from snasray.train.checkpoint import read_state

CELL = "0303 0030 2002 0200"  # as in conftest.py


def test_two_workers_train_an_epoch_and_store_its_rows(interrupted):
    assert interrupted["code"] == 0
    rows = interrupted["rows"]
    assert list(rows.columns) == TRAIN_SCHEMA.names
    assert sorted(rows["kind"]) == ["epoch", "final"]
    assert (rows["key"] == CELL).all() and (rows["epoch"] == 1).all() and rows["run_id"].nunique() == 1
    epoch = rows[rows["kind"] == "epoch"].iloc[0]
    final = rows[rows["kind"] == "final"].iloc[0]
    assert 0 <= epoch["val_acc"] <= 1 and epoch["train_loss"] > 0 and epoch["epoch_seconds"] > 0
    assert 0 < epoch["firing_rate"] < 1 and epoch["synops"] > 0 and epoch["params"] > 0
    layers = json.loads(epoch["layer_rates"])
    assert set(layers) == set(spiking_layers(load_network(interrupted["checkpoint"])[0]))
    assert final["checkpoint"] == epoch["checkpoint"] and 0 <= final["test_acc"] <= 1
    assert torch.isnan(torch.tensor(epoch["test_acc"]))
    cell = interrupted["cli"]["cells"][0]
    assert cell["epochs_done"] == 1 and cell["epochs"] == 2 and cell["test_acc"] == final["test_acc"]
    # Parquet parts with the explicit schema, beside the search rows but hidden from pandas.read_parquet(run)
    parts = sorted(training_dir(interrupted["run_dir"]).glob("train-*.parquet"))
    assert parts and all(pq.read_schema(p).names == TRAIN_SCHEMA.names for p in parts)


def test_evaluating_the_checkpoint_repeats_the_final_test_accuracy(interrupted, capsys):
    final = interrupted["rows"].query("kind == 'final'").iloc[0]
    result = evaluate_checkpoint(interrupted["checkpoint"], split="test")
    assert result["accuracy"] == pytest.approx(final["test_acc"])
    assert result["images"] == 360 and result["cell"] == CELL and result["epoch"] == 1
    assert result["firing_rate"] == pytest.approx(final["firing_rate"])
    code = main(["evaluate", "--checkpoint", str(interrupted["checkpoint"]), "--dataset", "digits", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["synops"] == pytest.approx(result["synops"])


def test_a_second_run_into_the_same_training_needs_resume(interrupted):
    with pytest.raises(UserError, match="--resume"):
        train_cell(CELL, interrupted["config"], interrupted["run_dir"])


def test_resume_gives_the_uninterrupted_result(interrupted):
    resumed = train_cells([CELL], interrupted["config"], interrupted["run_dir"], resume=True)[0]
    assert resumed.finished and resumed.epochs_done == 2
    columns = ["kind", "epoch", "train_loss", "train_acc", "val_acc", "test_acc", "firing_rate", "synops"]
    a = read_training(interrupted["straight"])
    assert a["epoch"].max() == 2
    b = read_training(interrupted["run_dir"])
    b = b[(b["kind"] == "epoch") | (b["epoch"] == 2)]
    assert a[columns].reset_index(drop=True).equals(b[columns].reset_index(drop=True))
    last = [read_state(t[t["kind"] == "epoch"].iloc[-1]["checkpoint"])["model"] for t in (a, b)]
    assert all(torch.equal(last[0][name], last[1][name]) for name in last[0])


def test_a_killed_worker_restarts_from_the_last_checkpoint(ray_local, tmp_path):
    run_dir = tmp_path / "run"
    killed = []

    def kill_a_worker_after_epoch_one():
        deadline = time.time() + 240
        while time.time() < deadline and not killed:
            epochs = read_training(run_dir) if training_dir(run_dir).exists() else None
            if epochs is not None and (epochs["kind"] == "epoch").any():
                for proc in psutil.process_iter(["pid", "cmdline"]):
                    if "RayTrainWorker" in " ".join(proc.info["cmdline"] or []):
                        proc.kill()
                        killed.append(int((epochs["kind"] == "epoch").sum()))
                        return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_worker_after_epoch_one, daemon=True)
    killer.start()
    config = TrainConfig.from_recipe(
        "short", dataset="digits", preset="tiny", epochs=3, batch_size=32, num_workers=2, train_images=256
    )
    outcome = train_cells([CELL], config, run_dir)[0]
    killer.join()
    assert killed, "no Ray Train worker was found to kill"
    assert killed[0] < 3  # the worker died with epochs left to train
    assert outcome.finished and outcome.epochs_done == 3
    rows = read_training(run_dir, latest=False)
    assert sorted(rows.loc[rows["kind"] == "epoch", "epoch"]) == [1, 2, 3]  # every epoch stored once
    assert (rows["kind"] == "final").sum() == 1
