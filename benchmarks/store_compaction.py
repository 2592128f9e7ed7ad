"""Reading a large score store before and after compaction.

    python benchmarks/store_compaction.py --rows 100000 --rows-per-part 4

Writes `--rows` synthetic score rows as parts of `--rows-per-part` rows each, as a search writes them (one part
per worker per round: 24 cells in 6 parts with the default settings), into the current generation of a new run
directory. Then times, before and after `snasray.search.store.compact_run`: the resume's index
(`ScoreStore.index`, which reads every part and keeps each cell's latest attempt) and
``pandas.read_parquet(RUN)``. Each read is timed `--trials` times and the fastest counts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from snasray.generations import part_directory, score_part_files
from snasray.search.store import SCHEMA_VERSION, SCORE_SCHEMA, ScoreStore, compact_run


def synthetic_table(rows: int) -> pa.Table:
    """`rows` score rows of distinct cells under one config and seed; every tenth cell has a second attempt."""
    keys = [f"{i:016d}" for i in range(rows)]
    columns = {
        "schema_version": [SCHEMA_VERSION] * rows,
        "run_id": ["bench"] * rows,
        "key": [keys[i - 1] if i % 10 == 9 else keys[i] for i in range(rows)],
        "cell": keys,
        "seed": [0] * rows,
        "config_hash": ["h"] * rows,
        "score": [float(i % 997) for i in range(rows)],
        "firing_rate": [0.1] * rows,
        "layer_rates": ['{"a": 0.1}'] * rows,
        "status": ["ok"] * rows,
        "order": list(range(rows)),
        "attempt": [2 if i % 10 == 9 else 1 for i in range(rows)],
        "timestamp": [pd.Timestamp.now(tz="UTC")] * rows,
    }
    return pa.table({f.name: pa.array(columns.get(f.name, [None] * rows), type=f.type) for f in SCORE_SCHEMA})


def write_parts(run: Path, table: pa.Table, rows_per_part: int) -> int:
    run.mkdir(parents=True)
    (run / "_run.json").write_text(json.dumps({"run_id": "bench", "config": {"score": {}}}))
    directory = part_directory(run)
    for n, start in enumerate(range(0, table.num_rows, rows_per_part)):
        pq.write_table(table.slice(start, rows_per_part), directory / f"scores-{n:012d}-bench.parquet")
    return len(score_part_files(run))


def fastest(action, trials: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(trials):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(run: Path, trials: int) -> dict:
    index_s, index = fastest(lambda: ScoreStore(run).index("h", 0), trials)
    read_s, frame = fastest(lambda: pd.read_parquet(run), trials)
    return {
        "files": len(score_part_files(run)),
        "index_s": index_s,
        "cells": len(index),
        "read_parquet_s": read_s,
        "rows": len(frame),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rows-per-part", type=int, default=4)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="snasray-compaction-") as folder:
        run = Path(folder) / "run"
        start = time.perf_counter()
        parts = write_parts(run, synthetic_table(args.rows), args.rows_per_part)
        print(f"wrote {args.rows:,} rows as {parts:,} parts in {time.perf_counter() - start:.1f} s")
        before = measure(run, args.trials)
        compact_s, result = fastest(lambda: compact_run(run), 1)
        after = measure(run, args.trials)
    assert (
        before["rows"] == after["rows"] == args.rows
        and before["cells"] == after["cells"] == result.rows - args.rows // 10
    )
    print(f"compaction: {result.parts:,} parts -> 1 file in {compact_s:.2f} s")
    print("| | files | resume index (s) | pandas.read_parquet (s) |")
    print("|---|---:|---:|---:|")
    for name, m in (("before", before), ("after", after)):
        print(f"| {name} | {m['files']:,} | {m['index_s']:.3f} | {m['read_parquet_s']:.3f} |")


if __name__ == "__main__":
    main()
