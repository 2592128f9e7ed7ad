"""End to end on synthetic recordings: `snasray search`, `score`, `train` and `evaluate` on event frames."""

import json

import pandas as pd
import pytest

from snasray.cli import main
from snasray.search import load_run
from snasray.train.checkpoint import META_FILE

CELL = "0303 0030 2002 0200"
TINY = "--preset events-tiny --batch-size 8 --repeat 1".split()


def data_args(name, root, downsample):
    return ["--dataset", name, "--data-dir", str(root), "--downsample", str(downsample)]


@pytest.mark.parametrize(
    ("name", "fixture", "downsample"),
    [("nmnist", "nmnist_root", 2), ("dvs-gesture", "gesture_root", 4), ("cifar10-dvs", "cifar10_dvs_root", 4)],
)
def test_search_on_event_frames(ray_local, tmp_path, request, capsys, name, fixture, downsample):
    root = request.getfixturevalue(fixture)
    out = tmp_path / "run"
    argv = ["search", "--budget", "3", "--workers", "1", "--cells-per-trial", "3", "--out", str(out)]
    assert main([*argv, *data_args(name, root, downsample), *TINY]) == 0
    table = pd.read_parquet(out)
    assert len(table) == 3 and (table["status"] == "ok").all() and table["score"].notna().all()
    score = load_run(out)[1].score
    assert (score.dataset, score.downsample, score.binning) == (name, downsample, "count")
    capsys.readouterr()
    # a resume may not change how the recordings become frames
    assert main(["search", "--resume", str(out), "--binning", "time"]) == 2
    assert "--binning" in capsys.readouterr().err


def test_score_json_names_the_event_config(gesture_root, capsys):
    argv = ["score", "--cell", CELL, *data_args("dvs-gesture", gesture_root, 4), *TINY, "--timesteps", "3", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "dvs-gesture" and result["spikes_per_image"] > 0
    assert main([*argv[:-3], "--timesteps", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["config_hash"] != result["config_hash"]


def test_one_epoch_of_training_and_evaluation_on_frames(ray_local, gesture_root, tmp_path, capsys):
    out = tmp_path / "train"
    argv = ["train", "--cell", CELL, *data_args("dvs-gesture", gesture_root, 4), "--preset", "events-tiny"]
    argv += ["--recipe", "short", "--epochs", "1", "--batch-size", "16", "--out", str(out), "--json"]
    assert main(argv) == 0
    (outcome,) = json.loads(capsys.readouterr().out)["cells"]
    assert outcome["finished"] and outcome["epochs_done"] == 1 and 0 <= outcome["test_acc"] <= 1
    assert outcome["firing_rate"] > 0
    checkpoint = next(out.rglob(META_FILE)).parent
    assert main(["evaluate", "--checkpoint", str(checkpoint), "--data-dir", str(gesture_root), "--json"]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["dataset"] == "dvs-gesture" and 0 <= evaluated["accuracy"] <= 1
