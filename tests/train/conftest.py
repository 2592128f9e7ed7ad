import contextlib
import io
import json
import os
import shutil
import threading

import pytest

# a Ray Train run on 2 CPUs spends most of its time starting and stopping: poll faster and skip the
# preemption watcher (read by the Ray processes that the session's ray.init starts after collection)
os.environ.setdefault("RAY_TRAIN_HEALTH_CHECK_INTERVAL_S", "0.5")
os.environ.setdefault("RAY_TRAIN_ENABLE_PREEMPTION_WATCHER", "0")

CELL = "0303 0030 2002 0200"
# half a CPU per worker: two 2-worker trainings at once on the 2-CPU test cluster
TINY = {"dataset": "digits", "preset": "tiny", "epochs": 2, "batch_size": 32, "num_workers": 2, "train_images": 256,
        "cpus_per_worker": 0.5}  # fmt: skip
TINY_ARGS = (  # the same, through the CLI
    "--dataset digits --preset tiny --recipe short --epochs 2 --batch-size 32 --workers 2 --train-images 256"
    " --cpus-per-worker 0.5"
).split()


@pytest.fixture(scope="session")
def interrupted(ray_local, tmp_path_factory):
    """A 2-epoch, 2-worker training run from the CLI and stopped by its time budget after epoch 1.

    Returns what it left then: the run directory, the exit code, the CLI's JSON, the store's rows and a
    copy of the epoch-1 checkpoint (a resumed run may later delete the original). Meanwhile the same
    training runs uninterrupted into "straight" (the reference of the resume test), to save time.
    """
    from snasray.cli import main
    from snasray.train import TrainConfig, read_training, train_cells

    run_dir = tmp_path_factory.mktemp("interrupted") / "run"
    straight = run_dir.parent / "straight"
    reference = threading.Thread(
        target=train_cells, args=([CELL], TrainConfig.from_recipe("short", **TINY), straight), daemon=True
    )
    reference.start()
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["train", "--cell", CELL, "--out", str(run_dir), *TINY_ARGS, "--max-minutes", "0", "--json"])
    reference.join()
    rows = read_training(run_dir)
    saved = run_dir.parent / "epoch1-checkpoint"
    shutil.copytree(rows[rows["kind"] == "final"].iloc[0]["checkpoint"], saved)
    return {
        "run_dir": run_dir,
        "code": code,
        "cli": json.loads(stdout.getvalue()),
        "rows": rows,
        "checkpoint": saved,
        "straight": straight,
        "config": TrainConfig.from_recipe("short", **TINY),
    }
