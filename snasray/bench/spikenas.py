"""SpikeNAS-Bench (Sun et al., IEEE Transactions on Artificial Intelligence, 2025; GitHub tju-sun-lab/SpikeNAS-Bench).

It trained every cell of a 4-node forward space on CIFAR-10 (15,625 cells, 100 epochs; part of them on CIFAR-100
and TinyImageNet). Architecture id: sum(op_k * 5**k) over the edges (0,1), (0,2), (0,3), (1,2), (1,3), (2,3), with
op ids 0 none, 1 skip, 2 / 3 / 4 LIF -> conv3x3 -> BN at firing threshold 0.5 / 1.0 / 1.5: the op ids of the
`spikenas-bench` space, so the id is a cell's upper triangle read as base-5 digits.

A checkout of the benchmark holds ``data/<set>/<id>/train_process.txt``: lines ``architecture id: N``,
``model parameters: N``, a header naming the columns (epoch, train_acc, ..., val_acc, ...), one line per epoch,
``test accuracy: X`` (``test top1: X`` for TinyImageNet), ``firing rate of layers: ...`` and
``Elapsed time: ...``. This module reads that format; the table itself stays outside snasray (it has no licence).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from snasray.cells import Cell
from snasray.errors import UserError
from snasray.limits import shown

EDGE_ORDER = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
N_IDS = 5 ** len(EDGE_ORDER)  # 15,625
SPIKENAS_SPACE = "spikenas-bench"
SPIKENAS_SETS = {"cifar10": "CIFAR10", "cifar100": "CIFAR100", "tinyimagenet": "TinyImagenet"}
RECORD = "train_process.txt"
MAX_RECORD_BYTES = 1 << 20
MAX_LINE_CHARS = 100_000
_LABELS = ("architecture id", "model parameters", "test accuracy", "test top1", "firing rate of layers", "Elapsed time")


def spikenas_cell(arch_id: int) -> Cell:
    """The `spikenas-bench` cell (4 x 4, forward) of an architecture id 0..15,624. Raises ValueError outside it."""
    if isinstance(arch_id, bool) or not isinstance(arch_id, (int, np.integer)) or not 0 <= arch_id < N_IDS:
        raise ValueError(f"a SpikeNAS-Bench architecture id is an integer 0..{N_IDS - 1}, got {shown(arch_id)}")
    matrix = np.zeros((4, 4), dtype=np.int64)
    for k, (i, j) in enumerate(EDGE_ORDER):
        matrix[i, j] = (int(arch_id) // 5**k) % 5
    return Cell.from_array(matrix)


def spikenas_id(cell: Cell | str) -> int:
    """The architecture id of a 4-node forward cell with op ids 0..4 (as written, not pruned). Raises ValueError
    for another cell."""
    cell = Cell.parse(cell)
    a = cell.array()
    if cell.n_nodes != 4 or cell.backward_edges() or a.max() > 4:
        raise ValueError(f"{cell} is not a SpikeNAS-Bench cell: 4 nodes, forward edges, op ids 0..4")
    return int(sum(int(a[i, j]) * 5**k for k, (i, j) in enumerate(EDGE_ORDER)))


def read_record(text: str) -> dict:
    """One ``train_process.txt`` as a row: id, bench_params, final and best validation accuracy, test accuracy (%),
    epochs, layer firing rates and training seconds. Raises ValueError for a malformed record or an accuracy outside
    0..100. Reads line by line (no backtracking pattern: a crafted line costs linear time)."""
    fields: dict[str, str] = {}
    header: list[str] | None = None
    epochs: list[list[float]] = []
    for line in text.splitlines():
        line = line.strip()
        if len(line) > MAX_LINE_CHARS:
            raise ValueError(f"a line of {len(line):,} characters (at most {MAX_LINE_CHARS:,})")
        label, colon, value = line.partition(":")
        if colon and label.strip() in _LABELS:
            fields.setdefault(label.strip(), value.strip())
        elif line.startswith("epoch"):
            header = [c.strip() for c in line.split(",")]
        elif header and line and line[0] in "0123456789":
            parts = line.split(",")
            if len(parts) == len(header):
                epochs.append([_number(p) for p in parts])

    def field(*labels: str) -> str:
        for label in labels:
            if label in fields:
                return fields[label]
        raise ValueError(f"no {shown(labels[0] + ':')} line")

    if header is None or "val_acc" not in header:
        raise ValueError("no epoch header naming a val_acc column")
    if not epochs:
        raise ValueError(f"no epoch lines of {len(header)} numbers")
    val = [e[header.index("val_acc")] for e in epochs]
    test = _number(field("test accuracy", "test top1").split(",")[0])
    for name, value in (("test accuracy", test), ("validation accuracy", max(val)), ("validation accuracy", min(val))):
        if not 0 <= value <= 100:
            raise ValueError(f"{name} {shown(value)} is not a percentage 0..100")
    rates = fields.get("firing rate of layers")
    elapsed = fields.get("Elapsed time")
    return {
        "id": _integer(field("architecture id")),
        "bench_params": _integer(field("model parameters")),
        "test_accuracy": test,
        "final_val_accuracy": val[-1],
        "best_val_accuracy": max(val),
        "epochs": len(epochs),
        "layer_firing_rates": rates,
        "train_seconds": _seconds(elapsed) if elapsed else np.nan,
    }


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{shown(text.strip())} is not a number") from None
    if not np.isfinite(value):
        raise ValueError(f"{shown(text.strip())} is not a finite number")
    return value


def _integer(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise ValueError(f"{shown(text)} is not a count")
    return int(text)


def _seconds(text: str) -> float:
    """Seconds of an 'Elapsed time' such as 1.0hour38.0minute45.9second (NaN when unreadable)."""
    total, rest = 0.0, text.replace(" ", "")
    for unit, scale in (("hour", 3600), ("minute", 60), ("second", 1)):
        if unit in rest:
            number, _, rest = rest.partition(unit)
            try:
                total += float(number) * scale
            except ValueError:
                return math.nan
    return total


def read_spikenas(checkout: str | Path, dataset: str = "cifar10") -> pd.DataFrame:
    """The trained cells of one data set of a SpikeNAS-Bench checkout, one row per architecture id, sorted by id:
    the `read_record` fields plus ``cell`` (as written), ``key`` (its canonical key in `spikenas-bench`) and
    ``learns`` (test accuracy above chance + 1 point, i.e. the cell has a path from input to output). The id is the
    record's folder name; ``header_id`` is the id its first line states (they differ in one TinyImageNet record).

    Raises UserError (one line) for an unknown data set, a folder that is no checkout, or a record that cannot be
    read.
    """
    if not isinstance(checkout, (str, Path)):
        raise UserError(f"a SpikeNAS-Bench checkout is a folder path, got {type(checkout).__name__}")
    if not isinstance(dataset, str) or dataset not in SPIKENAS_SETS:
        raise UserError(f"unknown SpikeNAS-Bench data set {shown(dataset)}; sets are {', '.join(SPIKENAS_SETS)}")
    folder = Path(checkout) / "data" / SPIKENAS_SETS[dataset]
    if not folder.is_dir():
        raise UserError(
            f"{shown(str(checkout))} is not a SpikeNAS-Bench checkout: no folder data/{SPIKENAS_SETS[dataset]}"
            " (get it with: git clone https://github.com/tju-sun-lab/SpikeNAS-Bench)"
        )
    rows = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        record = entry / RECORD
        canonical = entry.name.isascii() and entry.name.isdigit() and str(int(entry.name)) == entry.name
        if not entry.is_dir() or not canonical or not record.is_file():
            continue  # only folders named as the benchmark names ids (no 011, no other digits) hold records
        try:
            if record.stat().st_size > MAX_RECORD_BYTES:
                raise ValueError(f"over {MAX_RECORD_BYTES:,} bytes")
            row = read_record(record.read_text(encoding="utf-8", errors="strict"))
        except (OSError, UnicodeDecodeError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            if isinstance(err, UnicodeDecodeError):
                reason = "not UTF-8 text"
            raise UserError(f"cannot read {shown(str(record))}: {reason}") from None
        folder_id = int(entry.name)
        if not 0 <= folder_id < N_IDS:
            raise UserError(f"{shown(str(record))}: folder {shown(entry.name)} is no architecture id 0..{N_IDS - 1}")
        # the folder names the id: one TinyImageNet record (folder 4880, 42.1% top-1) says "architecture id: 2",
        # a cell with no path that could not learn
        row["header_id"] = row["id"]
        row["id"] = folder_id
        rows.append(row)
    if not rows:
        raise UserError(f"{shown(str(folder))} holds no {RECORD} records")
    table = pd.DataFrame(rows).sort_values("id").reset_index(drop=True)
    cells = [spikenas_cell(i) for i in table["id"]]
    table["cell"] = [str(c) for c in cells]
    table["key"] = [c.canonical_key() for c in cells]
    classes = {"cifar10": 10, "cifar100": 100, "tinyimagenet": 200}[dataset]
    table["learns"] = table["test_accuracy"] > 100 / classes + 1
    return table
