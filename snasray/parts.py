"""Parquet part files: the append-only, crash-safe storage under the search and training stores.

Each append writes one new file under a hidden temporary name, then renames it, so a crash never
leaves a file that pandas cannot read; readers see whole parts or nothing.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from snasray import strict_json


def normalise_row(row: Mapping, schema: pa.Schema, version: int) -> dict:
    """A row with every column of `schema`: JSON for mappings, now for a missing timestamp, NaN for missing floats."""
    out = {name: row.get(name) for name in schema.names}
    out["schema_version"] = version
    for name, value in out.items():
        if isinstance(value, Mapping):
            out[name] = strict_json.dumps(value, notes=False, sort_keys=True)
    if "timestamp" in out and out["timestamp"] is None:
        out["timestamp"] = pd.Timestamp.now(tz="UTC")
    for field in schema:
        if pa.types.is_floating(field.type) and out[field.name] is None:
            out[field.name] = math.nan
    return out


def write_part(directory: Path, rows: list[dict], schema: pa.Schema, prefix: str) -> Path:
    """Write rows as one new Parquet file, atomically."""
    return write_table(directory, pa.Table.from_pylist(rows, schema=schema), prefix)


def write_table(directory: Path, table: pa.Table, prefix: str) -> Path:
    """Write a table as one new Parquet file ``PREFIX-<time ns>-<random>.parquet``, atomically: under a hidden
    temporary name, synced, then renamed."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{time.time_ns()}-{uuid.uuid4().hex[:8]}.parquet"
    temporary = directory / f".{name}.tmp"
    pq.write_table(table, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, directory / name)
    return directory / name


def read_parts(directory: Path, schema: pa.Schema, prefix: str) -> pd.DataFrame:
    """Every part's rows under `schema`; a column that an older part lacks reads as null.

    Raises ValueError, one line naming the file, for a part that is not Parquet (truncated, zero bytes, foreign).
    """
    files = sorted(directory.glob(f"{prefix}-*.parquet")) if directory.is_dir() else []
    return read_files(files, schema).to_pandas()


def read_files(files: list[Path], schema: pa.Schema) -> pa.Table:
    """The rows of the Parquet `files`, in their order, under `schema` (a column a file lacks reads as null).

    Raises ValueError, one line naming the file, for a part that is not Parquet, and FileNotFoundError for one
    that was removed after it was listed.
    """
    if not files:
        return schema.empty_table()
    return pa.concat_tables(_read_part(f, schema) for f in files)


def _read_part(path: Path, schema: pa.Schema) -> pa.Table:
    try:
        return pq.read_table(path, schema=schema)
    except (pa.ArrowException, OSError) as err:
        if isinstance(err, FileNotFoundError) or not path.exists():
            raise FileNotFoundError(path) from None  # removed meanwhile: not damaged
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"cannot read the store's part {path}: {reason}") from None


SCORE_IDENTITY = ["key", "seed", "config_hash"]  # what a score is of: the latest attempt of each is current


def latest_attempts(frame: pd.DataFrame) -> pd.DataFrame:
    """The current row of each (key, seed, config_hash) of a score store's rows: its latest attempt, in the
    order of the rows. Rows without an attempt number (schema version 1) count as, and are given, attempt 1."""
    attempt = frame["attempt"].fillna(1) if "attempt" in frame else pd.Series(1, index=frame.index)
    ranked = frame.assign(attempt=attempt.astype("int32").to_numpy(), _position=range(len(frame)))
    ranked = ranked.sort_values(["attempt", "_position"], kind="stable")
    ranked = ranked.drop_duplicates(SCORE_IDENTITY, keep="last")
    return ranked.sort_values("_position").drop(columns="_position")
