"""Reading run directories: the score store with each run's settings, and the training results beside it.

The store is read as documented in ``snasray.search.store`` (its Parquet parts, keeping the latest attempt of
each cell) and the settings from ``RUN_DIR/_run.json``, without importing the search package (and with it torch
and Ray). Parts written under an older schema version get the columns added since as missing values (NaN / None;
attempt 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from snasray.generations import read_score_parts
from snasray.parts import latest_attempts
from snasray.rundir import RUN_FILE, read_run_json

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
    "spikes_per_image",
    "layer_neurons",
    "params",
    "epoch_seconds",
    "checkpoint",
    "timestamp",
)
# columns the score and training stores gained after schema version 1, and the value older parts read as
COLUMNS_SINCE_V1 = {"spikes_per_image": float("nan"), "layer_neurons": None}
# settings of a run that the store rows do not already carry, as columns added by load_runs
RUN_SETTINGS = ("budget", "workers", "cells_per_trial", "cpus_per_worker", "gpus_per_worker")
SCORE_SETTINGS = ("batch_size", "repeat", "timesteps")


def run_settings(run_dir: str | Path) -> dict:
    """The run's id and its `SearchConfig` as a flat dict (score settings lifted to the top level).

    Raises ValueError, one line, for a folder without a run file or with a damaged one."""
    try:
        data = read_run_json(run_dir)
    except FileNotFoundError:
        raise ValueError(
            f"{run_dir} is not a run directory (no {RUN_FILE}); make one with `snasray search --out`"
        ) from None
    config = dict(data["config"])
    score = dict(config.pop("score"))
    run_id = data["run_id"]
    path = Path(run_dir) / RUN_FILE
    missing = [name for name in (*RUN_SETTINGS, *SCORE_SETTINGS) if name not in {**config, **score}]
    if missing:
        raise ValueError(f"{path} is damaged (no {missing[0]}); it is not a run file snasray wrote")
    return {"run_id": run_id, **config, **score}


def load_runs(*run_dirs: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """The current score rows of one or more runs (the latest attempt of each cell, see ``snasray.search.store``),
    with `run_dir` and the run settings as extra columns. Takes run directories, or lists of them."""
    run_dirs = [d for item in run_dirs for d in ([item] if isinstance(item, (str, Path)) else item)]
    if not run_dirs:
        raise ValueError("load_runs needs at least one run directory")
    return pd.concat([_load_run(Path(d)) for d in run_dirs], ignore_index=True)


def _load_run(run_dir: Path) -> pd.DataFrame:
    settings = run_settings(run_dir)
    frame = read_score_parts(run_dir, _read_parts)
    if frame is None:
        raise ValueError(f"{run_dir} holds no scored cells yet")
    extra = {name: settings[name] for name in (*RUN_SETTINGS, *SCORE_SETTINGS)}
    return latest_attempts(frame).reset_index(drop=True).assign(run_dir=str(run_dir), **extra)


def _read_part(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (OSError, ValueError) as err:  # pyarrow's errors are ValueErrors or OSErrors
        if isinstance(err, FileNotFoundError) or not path.exists():
            raise FileNotFoundError(path) from None  # removed meanwhile: read_score_parts lists again
        raise ValueError(f"cannot read the store's part {path}: {(str(err).splitlines() or [''])[0]}") from None


def load_training(*run_dirs: str | Path) -> pd.DataFrame:
    """The training rows (``RUN_DIR/_training/train-*.parquet``) of the runs, oldest first; an empty frame where
    there are none. A row written again for the same (run_id, kind, epoch), as a resumed training does, replaces
    the earlier one."""
    files = [f for d in run_dirs for f in sorted((Path(d) / TRAINING_DIR).glob("train-*.parquet"))]
    if not files:
        return pd.DataFrame(columns=list(TRAINING_COLUMNS))
    frame = _read_parts(files).sort_values("timestamp", kind="stable")
    return frame.drop_duplicates(["run_id", "kind", "epoch"], keep="last").reset_index(drop=True)


def _read_parts(files: list[Path]) -> pd.DataFrame | None:
    """The rows of Parquet parts of one store, whatever schema version each was written with; None for no parts."""
    if not files:
        return None
    table = pa.concat_tables([_read_part(f) for f in files], promote_options="permissive")
    frame = table.to_pandas()
    return frame.assign(**{name: value for name, value in COLUMNS_SINCE_V1.items() if name not in frame})
