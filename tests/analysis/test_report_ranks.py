"""`snasray report`: score rank against final rank of the trained cells, with ASHA's verdict and without."""

from __future__ import annotations

import pandas as pd

from snasray import analysis as sa
from snasray.cli import main
from snasray.train.store import append_rows


def _section(page: str) -> list[list[str]]:
    table = page.split("## Score rank against final rank")[1].split("\n## ")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_ranks_of_trained_cells_without_asha(run_copy, write_training, tmp_path):
    ranked = sa.ranked_cells(sa.load_runs(run_copy))
    keys = list(ranked["key"][:3])
    write_training(run_copy, {key: 0.5 + 0.1 * i for i, key in enumerate(keys)})  # the best score learns least
    assert main(["report", str(run_copy), "--out", str(tmp_path / "rep")]) == 0
    rows = _section((tmp_path / "rep" / "report.md").read_text())
    assert [(r[0].strip("`"), r[1], r[2]) for r in rows] == [
        (keys[2], "3", "1"),
        (keys[1], "2", "2"),
        (keys[0], "1", "3"),
    ]
    assert all(r[-1] == "" for r in rows)


def test_a_cell_asha_stopped_ranks_below_the_survivors(run_copy, tmp_path):
    keys = list(sa.ranked_cells(sa.load_runs(run_copy))["key"][:3])
    rows = []
    for key, (trained, test_acc) in zip(keys, [(4, 0.3), (1, 0.9), (2, 0.5)], strict=True):
        run = {"run_id": f"{key}-asha", "key": key, "cell": key, "seed": 0, "recipe_hash": "r"}
        rows += [{**run, "kind": "epoch", "epoch": e, "val_acc": 0.1 * e} for e in range(1, trained + 1)]
        ending = {"scheduler": "asha", "epochs_trained": trained, "rung": trained, "early_stopped": trained < 4}
        rows.append({**run, "kind": "final", "epoch": trained, "val_acc": 0.1, "test_acc": test_acc, **ending})
    append_rows(run_copy, rows)
    assert main(["report", str(run_copy), "--out", str(tmp_path / "rep")]) == 0
    table = _section((tmp_path / "rep" / "report.md").read_text())
    assert [(r[0].strip("`"), r[2], r[4], r[6]) for r in table] == [
        (keys[0], "1", "4", "trained to the end"),
        (keys[2], "2", "2", "stopped at rung 2"),
        (keys[1], "3", "1", "stopped at rung 1"),
    ]
    assert pd.read_parquet(run_copy / "_training")["schema_version"].eq(3).all()


def test_cells_tied_on_epochs_and_accuracy_share_a_final_rank(run_copy, write_training, tmp_path):
    keys = list(sa.ranked_cells(sa.load_runs(run_copy))["key"][:3])
    write_training(run_copy, {keys[0]: 0.1, keys[1]: 0.1, keys[2]: 0.3})  # two cells at chance
    assert main(["report", str(run_copy), "--out", str(tmp_path / "rep")]) == 0
    rows = _section((tmp_path / "rep" / "report.md").read_text())
    assert sorted((r[0].strip("`"), r[2]) for r in rows) == sorted([(keys[2], "1"), (keys[0], "2"), (keys[1], "2")])
