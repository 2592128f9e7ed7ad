"""Real tiny searches, made once per session, for the analysis, notebook and report tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from snasray.score import ScoreConfig
from snasray.search import SearchConfig, run_search

FAST = ScoreConfig(dataset="synthetic", preset="tiny", batch_size=16, repeat=1)
BUDGET = 8


@pytest.fixture(scope="session")
def tiny_runs(ray_local, tmp_path_factory) -> dict[str, Path]:
    """A `random` and an `evolution` search of BUDGET cells each (seeds differ), by searcher name. Read only."""
    root = tmp_path_factory.mktemp("runs")
    runs = {}
    for seed, searcher in enumerate(("random", "evolution"), 1):
        config = SearchConfig(searcher=searcher, budget=BUDGET, seed=seed, score=FAST, workers=2, cells_per_trial=2)
        run_search(config, root / searcher, progress=False)
        runs[searcher] = root / searcher
    return runs


@pytest.fixture
def run_copy(tiny_runs, tmp_path) -> Path:
    """A private copy of the random run, for tests that add training results or reports to it."""
    return Path(shutil.copytree(tiny_runs["random"], tmp_path / "run"))


def _write_training(run_dir: Path, accuracy: dict[str, float], seed: int = 0) -> None:
    rows = []
    for key, acc in accuracy.items():
        for epoch in (0, 1):
            rows.append({"key": key, "seed": seed, "kind": "epoch", "epoch": epoch, "val_acc": acc - 0.1 + 0.1 * epoch})
        rows.append({"key": key, "seed": seed, "kind": "final", "epoch": 1, "val_acc": acc, "test_acc": acc})
    stamp = pd.Timestamp.now(tz="UTC")
    frame = pd.DataFrame(rows).assign(run_id=lambda f: f["key"] + f"-s{seed}", recipe_hash="r", timestamp=stamp)
    folder = run_dir / "_training"
    folder.mkdir(exist_ok=True)
    frame.to_parquet(folder / f"train-{seed}.parquet")


@pytest.fixture
def write_training():
    """`write_training(run_dir, {key: accuracy}, seed=0)`: training rows in the layout of `snasray.train`'s
    parts (two epoch rows and a final row per cell), to test the correlation math on real search rows."""
    return _write_training
