"""Small SpikeNAS-Bench checkouts in the benchmark's own file format, written by the tests."""

from pathlib import Path

import numpy as np
import pytest

from snasray.bench import spikenas_cell
from snasray.cells import Cell


def record(arch_id: int, test: float, params: int = 1_000_000, tiny: bool = False, header_id: int | None = None) -> str:
    """A train_process.txt: CIFAR layout, or TinyImageNet's (top-5 columns, 'test top1')."""
    lines = [f"architecture id: {arch_id if header_id is None else header_id}", f"model parameters: {params}"]
    if tiny:
        lines.append("epoch, train_acc,train_top5, train_loss, val_acc, val_top5, val_loss")
        lines += [f"{e:.3f}, 50.0, 70.0, 1.0, {test - 1 + e / 10:.3f}, 70.0, 2.0" for e in range(3)]
        lines.append(f"test top1: {test:.3f}, test tpo5: 74.3")
    else:
        lines.append("epoch, train_acc, train_loss, val_acc, val_loss")
        lines += [f"{e:.3f}, 50.000, 1.000, {test - 1 + e / 10:.3f}, 1.000" for e in range(3)]
        lines.append(f"test accuracy: {test:.3f}")
    lines += ["firing rate of layers: 0.078, -1.000, 0.037", "Elapsed time: 1.0hour38.0minute45.9second"]
    return "\n".join(lines) + "\n"


def accuracy_of(arch_id: int) -> float:
    """A made-up trained accuracy: more spiking convs in the pruned cell train better; no path stays at chance."""
    key = Cell.parse(spikenas_cell(arch_id).canonical_key())
    if not key.edges():
        return 10.0
    convs = sum(op >= 2 for *_, op in key.edges())
    return 80.0 + 1.5 * convs + (arch_id % 7) * 0.05


def write_checkout(root: Path, ids, folder: str = "CIFAR10", tiny: bool = False) -> Path:
    for arch_id in ids:
        (root / "data" / folder / str(arch_id)).mkdir(parents=True, exist_ok=True)
        text = record(arch_id, accuracy_of(arch_id), 1_000_000 + arch_id, tiny)
        (root / "data" / folder / str(arch_id) / "train_process.txt").write_text(text)
    return root


@pytest.fixture
def small_checkout(tmp_path):
    ids = [0, *np.random.default_rng(0).choice(15_625, 60, replace=False).tolist()]
    return write_checkout(tmp_path / "SpikeNAS-Bench", ids)
