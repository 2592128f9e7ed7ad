"""Training rows in the run's store: Parquet parts ``train-*.parquet`` under ``RUN_DIR/_training/``.

One "epoch" row per trained epoch and one "final" row per finished (or budget-stopped) training, which
carries the test accuracy of the best checkpoint. Rows link to the search rows by canonical ``key``.
A final row also says how the training ended: the scheduler, the epochs it trained, and under ASHA
(``snasray train --scheduler asha``) the last rung it reached and whether ASHA stopped it there.
Spike statistics are per image, measured in eval mode: epoch rows on a fixed batch of the validation split,
final rows on the test split; they count as in the score store (see ``snasray.search.store``). Parts of an
older ``schema_version`` read the columns added since as NaN or null.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from snasray.parts import normalise_row, read_parts, write_part

# 2 added spikes_per_image and layer_neurons, 3 scheduler, epochs_trained, rung and early_stopped; parts of an
# older version read the columns added since as NaN / null
TRAIN_SCHEMA_VERSION = 3
TRAINING_DIR = "_training"
PREFIX = "train"
TRAIN_SCHEMA = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("run_id", pa.string()),  # one training of one cell: <key-slug>-<recipe_hash>-s<seed>; asha: see asha.py
        ("key", pa.string()),  # canonical key: joins the search rows
        ("cell", pa.string()),
        ("seed", pa.int64()),
        ("recipe_hash", pa.string()),
        ("kind", pa.string()),  # "epoch" or "final"
        ("epoch", pa.int32()),  # 1-based; final rows: the epoch of the best checkpoint
        ("train_loss", pa.float64()),
        ("train_acc", pa.float64()),
        ("val_acc", pa.float64()),
        ("test_acc", pa.float64()),  # final rows only
        ("firing_rate", pa.float64()),
        ("layer_rates", pa.string()),  # JSON object: LIF layer name -> firing rate
        ("synops", pa.float64()),  # synaptic operations per image
        ("spikes_per_image", pa.float64()),  # spikes per image, all timesteps and LIF calls
        ("layer_neurons", pa.string()),  # JSON object: LIF layer name -> neurons per image in one call
        ("params", pa.int64()),
        ("epoch_seconds", pa.float64()),  # final rows: seconds of all epoch rows of the training
        ("checkpoint", pa.string()),  # path of the checkpoint written after that epoch (final: the best)
        ("scheduler", pa.string()),  # final rows: "fifo" (every cell to the end) or "asha"
        ("epochs_trained", pa.int32()),  # final rows: epochs the training ran, across resumes
        ("rung", pa.int32()),  # final rows under asha: the last rung reached, in epochs (max epochs: finished)
        ("early_stopped", pa.bool_()),  # final rows under asha: the scheduler stopped it below max epochs
        ("timestamp", pa.timestamp("us", tz="UTC")),
    ]
)
COLUMNS = TRAIN_SCHEMA.names


def training_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / TRAINING_DIR


def append_rows(run_dir: str | Path, rows: list[Mapping]) -> Path | None:
    rows = [normalise_row(r, TRAIN_SCHEMA, TRAIN_SCHEMA_VERSION) for r in rows]
    return write_part(training_dir(run_dir), rows, TRAIN_SCHEMA, PREFIX) if rows else None


def read_training(run_dir: str | Path, latest: bool = True) -> pd.DataFrame:
    """Every training row of a run directory, oldest first.

    With ``latest``, a row written again for the same (run_id, kind, epoch), as a resumed training may do,
    replaces the earlier one.
    """
    frame = read_parts(training_dir(run_dir), TRAIN_SCHEMA, PREFIX)
    frame = frame.sort_values("timestamp", kind="stable")
    if latest:
        frame = frame.drop_duplicates(["run_id", "kind", "epoch"], keep="last")
    return frame.reset_index(drop=True)


class RowFollower:
    """Reads the rows of part files that appeared since the last call (progress of a running training)."""

    def __init__(self, run_dir: str | Path) -> None:
        self.directory = training_dir(run_dir)
        self.seen: set[str] = set(self._files())

    def _files(self) -> list[str]:
        return sorted(p.name for p in self.directory.glob(f"{PREFIX}-*.parquet")) if self.directory.is_dir() else []

    def new_rows(self) -> list[dict]:
        rows: list[dict] = []
        for name in self._files():
            if name not in self.seen:
                self.seen.add(name)
                rows.extend(pq.read_table(self.directory / name, schema=TRAIN_SCHEMA).to_pylist())
        return rows
