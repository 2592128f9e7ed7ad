"""`snasray train --scheduler asha`: the top cells of a run as Tune trials under ASHA, interrupted and resumed.

The outcome is fixed by construction: the trials run one at a time (2 CPUs per trial on the 2-CPU test cluster),
in score order, so the best-scored cell meets empty rungs and trains to the end; the worst-scored cell has no
edge that reaches the output (its accuracy stays at chance), so it is stopped at the first rung.
"""

import contextlib
import io
import json
import os
import signal
import threading
import time

import pytest

from snasray.cells import Cell
from snasray.cli import main
from snasray.search import ScoreStore
from snasray.train import TRAIN_SCHEMA, read_training
from snasray.train.asha import AshaConfig

LEARNS = ["0303 0030 2002 0200", "0003 0000 0000 0000"]
DEAD = "0100 0000 0000 0000"  # after pruning no edge reaches the output: a constant prediction
DEAD_KEY = Cell.parse(DEAD).canonical_key()
ARGS = (
    "--top-k 3 --scheduler asha --max-epochs 2 --grace-period 1 --reduction-factor 2 --dataset digits"
    " --preset tiny --neuron relu --timesteps 1 --recipe short --lr 0.01 --batch-size 32 --train-images 256"
    " --cpus-per-worker 2 --json"
).split()


def scored_run(path, keys):
    rows = [
        {"run_id": "r", "key": key, "cell": key, "seed": 0, "config_hash": "h", "score": float(len(keys) - i)}
        | {"status": "ok", "attempt": 1}
        for i, key in enumerate(keys)
    ]
    ScoreStore(path).append(rows)
    return path


def _interrupt_after_first_final_row(run_dir, done):
    """Send SIGUSR1 (Tune's interrupt, as Ctrl-C) once the first cell's final row is in the store."""
    deadline = time.time() + 600
    while time.time() < deadline and not done.is_set():
        with contextlib.suppress(ValueError, FileNotFoundError):
            rows = read_training(run_dir)
            if (rows["kind"] == "final").any():
                os.kill(os.getpid(), signal.SIGUSR1)
                return
        time.sleep(0.2)


def _cli(argv):
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(argv)
    return code, stdout.getvalue()


@pytest.fixture(scope="session")
def asha_run(ray_local, tmp_path_factory):
    """The CLI run interrupted after its first cell completed, then resumed to the end: what each left."""
    run_dir = scored_run(tmp_path_factory.mktemp("asha") / "run", [*LEARNS, DEAD])
    done = threading.Event()
    watcher = threading.Thread(target=_interrupt_after_first_final_row, args=(run_dir, done), daemon=True)
    watcher.start()
    started = time.monotonic()
    code, out = _cli(["train", "--run", str(run_dir), *ARGS])
    done.set()
    watcher.join()
    interrupted = {"code": code, "cli": json.loads(out), "rows": read_training(run_dir, latest=False)}
    code, out = _cli(["train", "--run", str(run_dir), *ARGS, "--resume"])
    resumed = {"code": code, "cli": json.loads(out), "rows": read_training(run_dir, latest=False)}
    return {"run_dir": run_dir, "interrupted": interrupted, "resumed": resumed, "seconds": time.monotonic() - started}


def test_the_interrupted_run_kept_its_completed_cell_and_left_the_others(asha_run):
    first = asha_run["interrupted"]
    assert first["code"] == 130  # interrupted: the unfinished cells wait for --resume
    finals = first["rows"][first["rows"]["kind"] == "final"]
    assert finals["key"].tolist() == [LEARNS[0]]
    assert [c["key"] for c in first["cli"]["cells"]] == [LEARNS[0]]


def test_asha_stopped_a_cell_at_the_first_rung_and_the_survivor_trained_to_the_end(asha_run):
    resumed = asha_run["resumed"]
    assert resumed["code"] == 0
    rows = resumed["rows"]
    assert list(rows.columns) == TRAIN_SCHEMA.names
    finals = rows[rows["kind"] == "final"].set_index("key")
    assert sorted(finals.index) == sorted([*LEARNS, DEAD_KEY]) and (finals["scheduler"] == "asha").all()
    rungs = AshaConfig(max_epochs=2).rungs()
    assert rungs == [1, 2] and set(finals["rung"]) <= set(rungs)
    # every cell ended at a rung: epochs trained equal the rung, stopped exactly when below max epochs
    assert (finals["epochs_trained"] == finals["rung"]).all()
    assert (finals["early_stopped"] == (finals["rung"] < 2)).all()
    assert finals.loc[LEARNS[0], "rung"] == 2 and not finals.loc[LEARNS[0], "early_stopped"]
    assert finals.loc[DEAD_KEY, "rung"] == 1 and finals.loc[DEAD_KEY, "early_stopped"]
    epochs = rows[rows["kind"] == "epoch"]
    for key, final in finals.iterrows():
        trained = epochs[epochs["key"] == key]
        assert sorted(trained["epoch"]) == list(range(1, int(final["epochs_trained"]) + 1))  # each epoch stored once
        assert 0 <= final["test_acc"] <= 1 and final["val_acc"] == trained["val_acc"].max()
    cli = {c["key"]: c for c in resumed["cli"]["cells"]}
    assert cli[DEAD_KEY]["early_stopped"] and cli[DEAD_KEY]["rung"] == 1 and cli[LEARNS[0]]["epochs_done"] == 2


def test_resume_never_retrains_a_completed_cell(asha_run):
    before = asha_run["interrupted"]["rows"]
    after = asha_run["resumed"]["rows"]
    first = [r[r["key"] == LEARNS[0]].reset_index(drop=True) for r in (before, after)]
    assert first[0].equals(first[1])
    # resuming a finished training trains nothing and writes nothing
    code, out = _cli(["train", "--run", str(asha_run["run_dir"]), *ARGS, "--resume"])
    assert code == 0 and len(json.loads(out)["cells"]) == 3
    assert len(read_training(asha_run["run_dir"], latest=False)) == len(after)


def test_a_second_run_needs_resume(asha_run, capsys):
    assert main(["train", "--run", str(asha_run["run_dir"]), *ARGS]) == 2
    assert "pass --resume" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--grace-period", "3"], "--grace-period 3 exceeds --max-epochs 2"),
        (["--reduction-factor", "1"], "reduction_factor must be"),
        (["--top-k", "1"], "--top-k must be >= 2"),
        (["--workers", "2"], "--workers must be 1"),
        (["--max-minutes", "5"], "--max-minutes is a per-cell budget"),
        (["--scheduler", "fifo"], "--max-epochs goes with --scheduler asha"),
        (["--epochs", "3"], "--epochs and --max-epochs differ"),
    ],
)
def test_bad_flag_combinations_give_one_line_and_exit_2(tmp_path, capsys, extra, message):
    run_dir = scored_run(tmp_path / "run", [*LEARNS, DEAD])
    assert main(["train", "--run", str(run_dir), *ARGS, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("snasray: error: ") and err.count("\n") == 1 and message in err, err
    assert not (run_dir / "_training").exists()


def test_rungs_follow_the_scheduler():
    assert AshaConfig(max_epochs=9, grace_period=1, reduction_factor=3).rungs() == [1, 3, 9]
    assert AshaConfig(max_epochs=10, grace_period=2, reduction_factor=2).rungs() == [2, 4, 8, 10]
    assert AshaConfig(max_epochs=10, grace_period=2, reduction_factor=2).rung_of(7) == 4
