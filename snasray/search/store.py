"""The Parquet store: one row per scored cell, the single source of truth of a run.

A run directory holds part files ``scores-*.parquet`` (read them all with
``pandas.read_parquet(run_dir)``, also while a search runs) and private entries whose names start
with "_" or ".", which pyarrow skips. Each part is written to a hidden temporary name and then
renamed, so a crash never leaves a file that pandas cannot read.
"""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA_VERSION = 1
SCORE_SCHEMA = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("run_id", pa.string()),
        ("space", pa.string()),
        ("searcher", pa.string()),
        ("key", pa.string()),  # canonical key of the pruned cell: the identity used for deduplication
        ("cell", pa.string()),  # the cell as the searcher first proposed it
        ("matrix", pa.list_(pa.int8())),  # the scored (canonical) op matrix, row-major
        ("seed", pa.int64()),
        ("config_hash", pa.string()),
        ("dataset", pa.string()),
        ("preset", pa.string()),
        ("score", pa.float64()),  # mean log|det K| over repeats; -inf singular, nan failed
        ("repeat_scores", pa.list_(pa.float64())),
        ("firing_rate", pa.float64()),
        ("layer_rates", pa.string()),  # JSON object: LIF layer name -> firing rate
        ("params", pa.int64()),
        ("synops", pa.float64()),  # estimated synaptic operations per image
        ("seconds", pa.float64()),
        ("node_id", pa.string()),
        ("round", pa.int32()),
        ("order", pa.int64()),  # position of the cell in the run's sequence of evaluations
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),  # "ok" or "error"
        ("error", pa.string()),
    ]
)
COLUMNS = SCORE_SCHEMA.names


def write_part(directory: Path, rows: list[dict], schema: pa.Schema, prefix: str) -> Path:
    """Write rows as one new Parquet file, atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{time.time_ns()}-{uuid.uuid4().hex[:8]}.parquet"
    temporary = directory / f".{name}.tmp"
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, directory / name)
    return directory / name


def read_parts(directory: Path, schema: pa.Schema, prefix: str) -> pd.DataFrame:
    files = sorted(directory.glob(f"{prefix}-*.parquet")) if directory.is_dir() else []
    if not files:
        return schema.empty_table().to_pandas()
    return pa.concat_tables(pq.read_table(f, schema=schema) for f in files).to_pandas()


class ScoreStore:
    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)

    def append(self, rows: Iterable[Mapping]) -> Path | None:
        rows = [normalise_row(r) for r in rows]
        return write_part(self.run_dir, rows, SCORE_SCHEMA, "scores") if rows else None

    def read(self) -> pd.DataFrame:
        return read_parts(self.run_dir, SCORE_SCHEMA, "scores")

    def index(self, config_hash: str, seed: int) -> dict[str, dict]:
        """Rows already scored under this config and seed, by canonical key (first row wins)."""
        frame = self.read()
        frame = frame[(frame["config_hash"] == config_hash) & (frame["seed"] == seed)]
        found: dict[str, dict] = {}
        for row in frame.to_dict("records"):
            found.setdefault(row["key"], row)
        return found


def normalise_row(row: Mapping) -> dict:
    out = {name: row.get(name) for name in COLUMNS}
    out["schema_version"] = SCHEMA_VERSION
    if isinstance(out["layer_rates"], Mapping):
        out["layer_rates"] = json.dumps(out["layer_rates"], sort_keys=True)
    if out["timestamp"] is None:
        out["timestamp"] = pd.Timestamp.now(tz="UTC")
    if out["score"] is None:
        out["score"] = math.nan
    return out
