"""The Parquet store: one row per scoring attempt of a cell, the single source of truth of a run.

A run directory holds part files ``scores/scores-*.parquet`` (read them all with
``pandas.read_parquet(run_dir)``, also while a search runs; see `snasray.parts`) and private entries
whose names start with "_" or ".", which pyarrow skips. ``scores`` links to the current generation of parts;
a compaction (at the end of a search, or ``snasray compact``) merges them into one file and switches the link:
see `snasray.generations` for the layout and what a concurrent reader sees.

Every row carries the ``schema_version`` it was written with. Parts of an older version lack the columns
added since; `ScoreStore.read` and ``snasray.analysis.load_runs`` give them NaN (floats) or null.
``pandas.read_parquet(run_dir)`` takes its columns from the first part, so on a run continued across
versions it drops the newer columns until the run is compacted: the merged file has every column.

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

Proxies (schema version 3): ``proxy`` names the proxy whose value is ``score`` (`snasray.proxies`), ``proxies``
holds every proxy computed for the cell as a strict JSON object (a non-finite value is null with a
``<name>_note``; `proxy_columns` expands it into one float column per proxy).

Schema versions: 1 had neither ``attempt`` (its rows read as attempt 1) nor the spike counts; 2 had no proxies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa

from snasray import strict_json
from snasray.errors import UserError
from snasray.generations import Compaction, compact_locked, part_directory, read_score_parts, score_part_files
from snasray.parts import latest_attempts, normalise_row, read_files, write_part
from snasray.rundir import RUN_FILE, run_lock

SCHEMA_VERSION = 3  # 2 added spikes_per_image, layer_neurons and attempt; 3 added proxy and proxies
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
        ("proxy", pa.string()),  # the proxy whose value is `score` (schema version 3; null before: sahd)
        ("proxies", pa.string()),  # JSON object: proxy name -> value, every proxy computed (strict JSON, notes)
    ]
)
COLUMNS = SCORE_SCHEMA.names
__all__ = [
    "COLUMNS",
    "SCHEMA_VERSION",
    "SCORE_SCHEMA",
    "Compaction",
    "ScoreStore",
    "compact_run",
    "latest_attempts",
    "proxy_columns",
]


class ScoreStore:
    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)

    def append(self, rows: Iterable[Mapping]) -> Path | None:
        rows = [normalise_row({"attempt": 1, **r}, SCORE_SCHEMA, SCHEMA_VERSION) for r in rows]
        return write_part(part_directory(self.run_dir), rows, SCORE_SCHEMA, "scores") if rows else None

    def has_rows(self) -> bool:
        return bool(score_part_files(self.run_dir))

    def read(self) -> pd.DataFrame:
        """Every row, every attempt, in the order of the part files. Raises ValueError for an unreadable part."""
        frame = read_score_parts(self.run_dir, lambda files: read_files(files, SCORE_SCHEMA)).to_pandas()
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

    def compact(self) -> Compaction:
        """Merge the parts into one file (`snasray.generations.compact_locked`); the caller holds the run's lock."""
        return compact_locked(self.run_dir, SCORE_SCHEMA)


def compact_run(run_dir: str | Path, on_step: Callable[[str], None] | None = None) -> Compaction:
    """Take the run's lock and merge its score parts into one file (see `snasray.generations`).

    Raises UserError when `run_dir` is not a run directory, RunDirInUse (a UserError) when a search or a training
    holds it, and ValueError, one line, for an unreadable part (the store is then left as it was).
    """
    run_dir = Path(run_dir)
    if not (run_dir / RUN_FILE).is_file() and not ScoreStore(run_dir).has_rows():
        raise UserError(f"{run_dir} is not a run directory (no {RUN_FILE}); make one with `snasray search --out`")
    with run_lock(run_dir) as locked:
        return compact_locked(locked, SCORE_SCHEMA, on_step)


def proxy_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """One float column per proxy recorded in the rows' ``proxies`` JSON (NaN where a row lacks it, -inf or NaN as
    its note says for a non-finite value), in the rows' order; rows of schema version 2 and before give none."""
    column = frame["proxies"] if "proxies" in frame else pd.Series([None] * len(frame), index=frame.index)
    rows = [strict_json.floats(text) if isinstance(text, str) else {} for text in column]
    return pd.DataFrame(rows, index=frame.index, dtype=float)
