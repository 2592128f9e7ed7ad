"""`snasray report` on a real tiny search: the figures, the Markdown page and the user errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from snasray import analysis as sa
from snasray.cli import main

FIGURES = ("best_so_far.png", "score_histogram.png", "pareto_firing_rate.png")


def test_report_writes_figures_and_a_page_that_names_the_best_cell(run_copy, capsys):
    budget = sa.run_settings(run_copy)["budget"]
    assert main(["report", str(run_copy)]) == 0
    out = run_copy / "_report"
    printed = capsys.readouterr().out
    for name in FIGURES:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"figure: {out / name}" in printed
        assert f"]({name})" in (out / "report.md").read_text()
    page = (out / "report.md").read_text()
    run = sa.load_runs(run_copy)
    best = sa.ranked_cells(run).iloc[0]
    assert f"best cell {best['key']}" in printed and f"report: {out / 'report.md'}" in printed
    assert f"### #1  `{best['key']}`" in page and f"score {best['score']:.4f}" in page
    assert page.count("```text") == 3 and "backward edges (" in page
    assert "| searcher | random |" in page and f"cells scored: {budget} of a budget of {budget}" in page
    assert "Not available: no training results" in page
    front = sa.pareto_front(run, "firing_rate")
    pareto = page.split("## Pareto front")[1]
    assert all(key in pareto for key in front["key"]) and pareto.count("\n| ") == len(front) + 1
    assert len(pd.read_parquet(run_copy)) == budget  # the report folder does not disturb the store


def test_report_with_training_rows_tabulates_the_correlations(run_copy, write_training, tmp_path):
    ranked = sa.ranked_cells(sa.load_runs(run_copy))
    write_training(run_copy, {key: 0.5 + 0.01 * i for i, key in enumerate(ranked["key"][::-1])})
    assert main(["report", str(run_copy), "--out", str(tmp_path / "rep"), "--top-k", "1"]) == 0
    page = (tmp_path / "rep" / "report.md").read_text()
    assert f"| r | test_acc | score | {len(ranked)} | 1.000 |" in page
    assert "| r | val_acc | params |" in page and page.count("```text") == 1


def _not_a_run(tmp_path):
    return tmp_path


def _empty_run(tmp_path):
    config = {"space": "s", "searcher": "random", "budget": 4, "seed": 0, "workers": 1, "cells_per_trial": 1}
    config |= {"cpus_per_worker": 1.0, "gpus_per_worker": 0.0}
    score = {"dataset": "synthetic", "preset": "tiny", "batch_size": 16, "repeat": 1, "timesteps": None}
    (tmp_path / "_run.json").write_text(json.dumps({"run_id": "x", "config": {**config, "score": score}}))
    return tmp_path


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        (lambda p: p / "missing", [], "does not exist"),
        (_not_a_run, [], "is not a run directory"),
        (_empty_run, [], "holds no scored cells yet"),
        (_not_a_run, ["--top-k", "0"], "--top-k must be an integer in 1.."),
    ],
)
def test_report_user_errors_exit_2_with_one_line(tmp_path, capsys, make, extra, message):
    assert main(["report", str(make(tmp_path)), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
