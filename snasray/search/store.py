"""The Parquet store: one row per scoring attempt of a cell, the single source of truth of a run.

A run directory holds part files ``scores-*.parquet`` (read them all with
``pandas.read_parquet(run_dir)``, also while a search runs; see `snasray.parts`) and private entries
whose names start with "_" or ".", which pyarrow skips.

Every row carries the ``schema_version`` it was written with. Parts of an older version lack the columns
added since; `ScoreStore.read` and ``snasray.analysis.load_runs`` give them NaN (floats) or null.
``pandas.read_parquet(run_dir)`` takes its columns from the first part, so on a run continued across
versions it drops the newer columns: read such a run with one of those two.

Spike statistics, per image of the scoring batches and averaged over the repeats: ``firing_rate`` (spikes
per neuron and timestep), ``layer_rates``, ``synops``, ``spikes_per_image`` (spikes summed over all
timesteps and LIF calls) and ``layer_neurons`` (neurons of each LIF layer in one call, C*H*W). A neuron
that several cell edges share counts once per edge it feeds, as SNASNet's per-edge neurons would fire
identically; so spikes_per_image = firing_rate * sum(layer_neurons) * timesteps.

Attempts: a cell whose scoring failed (status "error") is scored again by a resumed search, up to
`snasray.search.loop.MAX_ATTEMPTS` times. Every attempt is kept as its own row, numbered by ``attempt``
(1 for the first). The current score of a cell is the row of its LATEST attempt per (key, seed,
config_hash): `ScoreStore.current` and `latest_attempts` select it, and every reader of the package
(the searcher's replay, the search summary, `snasray.analysis`, `snasray report`, `snasray train --run`)
uses it, so each key has exactly one current score. Plain ``pandas.read_parquet(run_dir)`` shows every
attempt.

Schema versions: 1 had neither ``attempt`` (its rows read as attempt 1) nor the spike counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa

from snasray.parts import latest_attempts, normalise_row, read_parts, write_part

SCHEMA_VERSION = 2  # 2 added spikes_per_image, layer_neurons and attempt
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
        ("spikes_per_image", pa.float64()),  # spikes per image, all timesteps and LIF calls (see ScoreResult)
        ("layer_neurons", pa.string()),  # JSON object: LIF layer name -> neurons per image in one call
        ("seconds", pa.float64()),
        ("node_id", pa.string()),
        ("round", pa.int32()),
        ("order", pa.int64()),  # position of the cell in the run's sequence of evaluations
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),  # "ok" or "error"
        ("error", pa.string()),
        ("attempt", pa.int32()),  # 1 for a cell's first scoring, 2 for its first retry, ... (schema version 2)
    ]
)
COLUMNS = SCORE_SCHEMA.names
__all__ = ["COLUMNS", "SCHEMA_VERSION", "SCORE_SCHEMA", "ScoreStore", "latest_attempts"]


class ScoreStore:
    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)

    def append(self, rows: Iterable[Mapping]) -> Path | None:
        rows = [normalise_row({"attempt": 1, **r}, SCORE_SCHEMA, SCHEMA_VERSION) for r in rows]
        return write_part(self.run_dir, rows, SCORE_SCHEMA, "scores") if rows else None

    def read(self) -> pd.DataFrame:
        """Every row, every attempt, in the order of the part files. Raises ValueError for an unreadable part."""
        frame = read_parts(self.run_dir, SCORE_SCHEMA, "scores")
        frame["attempt"] = frame["attempt"].fillna(1).astype("int32")  # schema version 1 parts: attempt 1
        return frame

    def current(self) -> pd.DataFrame:
        """The current row of every scored cell: its latest attempt (see the module's docstring)."""
        return latest_attempts(self.read()).reset_index(drop=True)

    def index(self, config_hash: str, seed: int) -> dict[str, dict]:
        """The current rows under this config and seed, by canonical key."""
        frame = self.current()
        frame = frame[(frame["config_hash"] == config_hash) & (frame["seed"] == seed)]
        return {row["key"]: row for row in frame.to_dict("records")}
