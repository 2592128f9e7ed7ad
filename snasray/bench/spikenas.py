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

import re
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
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


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


def read_record(text: str, source: str) -> dict:
    """One ``train_process.txt`` as a row: id, bench_params, final and best validation accuracy, test accuracy (%),
    epochs, layer firing rates and training seconds. Raises ValueError naming `source` for a malformed record."""

    def field(pattern: str, required: bool = True) -> str | None:
        found = re.search(pattern, text, flags=re.MULTILINE)
        if found is None and required:
            raise ValueError(f"{source}: no line matching {pattern!r}")
        return found.group(1) if found else None

    header = field(r"^(epoch\s*,.*)$")
    columns = [c.strip() for c in header.split(",")]
    if "val_acc" not in columns:
        raise ValueError(f"{source}: the epoch header names no val_acc column")
    width = len(columns)
    line = rf"^\s*{_NUMBER}(?:\s*,\s*{_NUMBER}){{{width - 1}}}\s*$"
    epochs = [[float(v) for v in m.group(0).split(",")] for m in re.finditer(line, text, re.M)]
    if not epochs:
        raise ValueError(f"{source}: no epoch lines ({header.strip()})")
    val = [e[columns.index("val_acc")] for e in epochs]
    rates = field(r"^firing rate of layers:\s*(.*)$", required=False)
    elapsed = field(r"^Elapsed time:\s*(.*)$", required=False)
    return {
        "id": int(field(r"^architecture id:\s*(\d+)\s*$")),
        "bench_params": int(field(r"^model parameters:\s*(\d+)\s*$")),
        "test_accuracy": float(field(rf"^test (?:accuracy|top1):\s*({_NUMBER})")),
        "final_val_accuracy": val[-1],
        "best_val_accuracy": max(val),
        "epochs": len(epochs),
        "layer_firing_rates": rates.strip() if rates else None,
        "train_seconds": _seconds(elapsed) if elapsed else np.nan,
    }


def _seconds(text: str) -> float:
    parts = dict((unit, float(v)) for v, unit in re.findall(rf"({_NUMBER})\s*(hour|minute|second)", text))
    return parts.get("hour", 0) * 3600 + parts.get("minute", 0) * 60 + parts.get("second", 0)


def read_spikenas(checkout: str | Path, dataset: str = "cifar10") -> pd.DataFrame:
    """The trained cells of one data set of a SpikeNAS-Bench checkout, one row per architecture id, sorted by id:
    the `read_record` fields plus ``cell`` (as written), ``key`` (its canonical key in `spikenas-bench`) and
    ``learns`` (test accuracy above chance + 1 point, i.e. the cell has a path from input to output). The id is the
    record's folder name; ``header_id`` is the id its first line states (they differ in one TinyImageNet record).

    Raises UserError (one line) for an unknown data set, a folder that is no checkout, or a record that cannot be
    read.
    """
    if dataset not in SPIKENAS_SETS:
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
        if not entry.is_dir() or not entry.name.isdigit() or not record.is_file():
            continue
        try:
            if record.stat().st_size > MAX_RECORD_BYTES:
                raise ValueError(f"{record}: over {MAX_RECORD_BYTES:,} bytes")
            row = read_record(record.read_text(encoding="utf-8", errors="strict"), str(record))
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise UserError(f"cannot read {shown(str(record))}: {err}") from None
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
