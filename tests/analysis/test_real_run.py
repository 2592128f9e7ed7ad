"""The analysis functions on the rows of real tiny searches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from snasray import analysis as sa
from snasray.cells import Cell

BUDGET = 8  # of each tiny run (tests/analysis/conftest.py); checked against _run.json below


@pytest.fixture(scope="module")
def runs(tiny_runs) -> pd.DataFrame:
    return sa.load_runs(tiny_runs["random"], tiny_runs["evolution"])


def test_load_runs_adds_the_run_settings(runs, tiny_runs):
    assert sa.run_settings(tiny_runs["random"])["budget"] == BUDGET
    assert len(runs) == 2 * BUDGET and set(runs["searcher"]) == {"random", "evolution"}
    as_list = sa.load_runs([tiny_runs["random"], tiny_runs["evolution"]])
    pd.testing.assert_frame_equal(as_list, runs)
    assert (runs["budget"] == BUDGET).all() and (runs["batch_size"] == 16).all() and (runs["repeat"] == 1).all()
    assert (runs["cells_per_trial"] == 2).all() and runs["timesteps"].isna().all()
    assert set(runs["run_dir"]) == {str(tiny_runs["random"]), str(tiny_runs["evolution"])}
    assert runs.groupby("run_dir")["run_id"].nunique().eq(1).all()


def test_best_so_far_on_a_real_run_ends_at_the_best_score(runs):
    curves = sa.best_so_far(runs)
    for (_, run_id), curve in curves.groupby(["searcher", "run_id"]):
        best = curve["best_score"].dropna()
        assert curve["evaluation"].tolist() == list(range(1, BUDGET + 1))
        assert best.is_monotonic_increasing
        assert best.iloc[-1] == sa.finite_scores(runs[runs["run_id"] == run_id])["score"].max()


def test_pareto_front_of_a_real_run_is_non_dominated(runs):
    cells = sa.ranked_cells(runs)
    for cost in sa.COSTS:
        front = sa.pareto_front(runs, cost)
        assert len(front) >= 1 and front["key"].is_unique
        assert front["score"].iloc[-1] == cells["score"].max()  # the best cell is always on the front
        for score, value in front[["score", cost]].to_numpy():
            better = (cells["score"] >= score) & (cells[cost] <= value)
            assert not (better & ((cells["score"] > score) | (cells[cost] < value))).any()


def test_top_cell_stats_of_a_real_run(runs):
    stats = sa.top_cell_stats(runs, k=5)
    assert len(stats) == 5 and stats["score"].is_monotonic_decreasing and stats["key"].is_unique
    assert (stats["edges"] == stats["forward_edges"] + stats["backward_edges"]).all()
    assert (stats[list(sa.EDGE_OPS)].sum(axis=1) == stats["edges"]).all()
    for row in stats.itertuples():
        assert row.backward_edges == len(Cell.parse(row.key).backward_edges())


def test_correlation_and_hit_rate_against_training_rows_joined_on_real_keys(run_copy, write_training):
    run = sa.load_runs(run_copy)
    assert sa.score_accuracy_correlation(run, sa.load_training(run_copy))["note"].str.contains("no training").all()
    ranked = sa.ranked_cells(run)
    # accuracy in the order of the score: a perfect score
    write_training(run_copy, {key: 0.5 + 0.01 * i for i, key in enumerate(ranked["key"][::-1])})
    training = sa.load_training(run_copy)
    table = sa.score_accuracy_correlation(run, training).set_index(["accuracy", "predictor"])
    assert table.loc[("test_acc", "score"), "n"] == len(ranked)
    assert table.loc[("test_acc", "score"), "kendall_tau"] == pytest.approx(1.0)
    assert table.loc[("val_acc", "score"), "spearman_rho"] == pytest.approx(1.0)
    params = table.loc[("test_acc", "params")]
    assert params["n"] == len(ranked) and (np.isfinite(params["kendall_tau"]) or params["note"])
    accuracy = sa.trained_accuracy(training)
    assert sa.top_k_hit_rate(run, accuracy, k=1, percent=10) == 1.0
    assert sa.top_k_hit_rate(run, accuracy, k=len(ranked), percent=100) == 1.0
