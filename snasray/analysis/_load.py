"""Reading run directories: the score store with each run's settings, and the training results beside it.

The store is read as documented in ``snasray.search.store`` (``pandas.read_parquet(run_dir)``) and the settings
from ``RUN_DIR/_run.json``, without importing the search package (and with it torch and Ray).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

RUN_FILE = "_run.json"
TRAINING_DIR = "_training"
TRAINING_COLUMNS = (
    "schema_version",
    "run_id",
    "key",
    "cell",
    "seed",
    "recipe_hash",
    "kind",
    "epoch",
    "train_loss",
    "train_acc",
    "val_acc",
    "test_acc",
    "firing_rate",
    "layer_rates",
    "synops",
    "params",
    "epoch_seconds",
    "checkpoint",
    "timestamp",
)
# settings of a run that the store rows do not already carry, as columns added by load_runs
RUN_SETTINGS = ("budget", "workers", "cells_per_trial", "cpus_per_worker", "gpus_per_worker")
SCORE_SETTINGS = ("batch_size", "repeat", "timesteps")


def run_settings(run_dir: str | Path) -> dict:
    """The run's id and its `SearchConfig` as a flat dict (score settings lifted to the top level)."""
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise ValueError(f"{run_dir} is not a run directory (no {RUN_FILE}); make one with `snasray search --out`")
    data = json.loads(path.read_text())
    config = dict(data["config"])
    score = config.pop("score")
    return {"run_id": data["run_id"], **config, **score}


def load_runs(*run_dirs: str | Path) -> pd.DataFrame:
    """The score rows of one or more runs, with `run_dir` and the run settings as extra columns."""
    if not run_dirs:
        raise ValueError("load_runs needs at least one run directory")
    return pd.concat([_load_run(Path(d)) for d in run_dirs], ignore_index=True)


def _load_run(run_dir: Path) -> pd.DataFrame:
    settings = run_settings(run_dir)
    if not any(run_dir.glob("scores-*.parquet")):
        raise ValueError(f"{run_dir} holds no scored cells yet")
    frame = pd.read_parquet(run_dir)
    extra = {name: settings[name] for name in (*RUN_SETTINGS, *SCORE_SETTINGS)}
    return frame.assign(run_dir=str(run_dir), **extra)


def load_training(*run_dirs: str | Path) -> pd.DataFrame:
    """The training rows (``RUN_DIR/_training/train-*.parquet``) of the runs, oldest first; an empty frame where
    there are none. A row written again for the same (run_id, kind, epoch), as a resumed training does, replaces
    the earlier one."""
    files = [f for d in run_dirs for f in sorted((Path(d) / TRAINING_DIR).glob("train-*.parquet"))]
    if not files:
        return pd.DataFrame(columns=list(TRAINING_COLUMNS))
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True).sort_values("timestamp", kind="stable")
    return frame.drop_duplicates(["run_id", "kind", "epoch"], keep="last").reset_index(drop=True)
