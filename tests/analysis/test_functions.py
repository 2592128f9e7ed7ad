"""The analysis functions on hand-made store rows, where every expected value is known."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from snasray import analysis as sa

KEYS = {
    "a": "0023 0000 0003 0000",  # 3 forward edges: conv1x1, conv3x3, conv3x3
    "b": "0031 0000 0002 0000",  # skip, conv3x3, conv1x1
    "c": "0032 4000 0104 0000",  # 3 forward and 2 backward edges
    "d": "0003 0000 4000 0030",
    "e": "0003 0000 0000 0000",
}


def rows(*specs, searcher="random", run_id="r1") -> pd.DataFrame:
    """specs: (key, score) or (key, score, status); order follows the arguments."""
    out = []
    for order, spec in enumerate(specs):
        key, score, *status = spec
        out.append(
            {
                "searcher": searcher,
                "run_id": run_id,
                "key": KEYS.get(key, key),
                "order": order,
                "score": score,
                "status": status[0] if status else "ok",
                "firing_rate": 0.1 + 0.01 * order,
                "synops": 1000.0 * (order + 1),
                "params": 100 + order,
            }
        )
    return pd.DataFrame(out)


def test_best_so_far_is_the_running_maximum_per_searcher_and_skips_failures():
    df = pd.concat(
        [
            rows(("a", -math.inf), ("b", -2.0), ("c", 5.0, "error"), ("d", -1.0), ("e", -3.0)),
            rows(("a", 1.0), ("b", 0.5), searcher="evolution", run_id="r2"),
        ]
    )
    curves = sa.best_so_far(df)
    random = curves[curves["searcher"] == "random"]
    assert random["evaluation"].tolist() == [1, 2, 3, 4, 5]
    assert np.isnan(random["best_score"].iloc[0])
    assert random["best_score"].iloc[1:].tolist() == [-2.0, -2.0, -1.0, -1.0]
    assert random["best_key"].iloc[1:].tolist() == [KEYS["b"], KEYS["b"], KEYS["d"], KEYS["d"]]
    evolution = curves[curves["searcher"] == "evolution"]
    assert evolution["best_score"].tolist() == [1.0, 1.0] and evolution["best_key"].tolist() == [KEYS["a"]] * 2


def test_best_so_far_follows_order_not_row_position():
    df = rows(("a", 1.0), ("b", 3.0), ("c", 2.0)).iloc[::-1]
    assert sa.best_so_far(df)["best_score"].tolist() == [1.0, 3.0, 3.0]


def test_score_distribution_counts_singular_and_failed_cells():
    df = rows(("a", -math.inf), ("b", -2.0), ("c", math.nan, "error"), ("d", -1.0), ("e", math.nan))
    dist = sa.score_distribution(df).loc["random"]
    assert (dist["cells"], dist["finite"], dist["singular"], dist["failed"]) == (5, 2, 1, 2)
    assert dist["max"] == -1.0 and dist["min"] == -2.0 and dist["median"] == -1.5


def test_ranked_cells_keeps_each_key_once_with_its_best_score():
    df = rows(("a", 1.0), ("b", 3.0), ("a", 4.0), ("c", -math.inf))
    ranked = sa.ranked_cells(df)
    assert ranked["key"].tolist() == [KEYS["a"], KEYS["b"]] and ranked["score"].tolist() == [4.0, 3.0]


def test_pareto_front_of_a_hand_made_cloud():
    df = pd.DataFrame(
        {
            "key": list("pqrstu"),
            "score": [1.0, 2.0, 2.0, 0.5, 3.0, 3.0],
            "firing_rate": [0.1, 0.2, 0.3, 0.05, 0.4, 0.5],
            "synops": [9.0, 1.0, 1.0, 9.0, 9.0, 1.0],
            "status": "ok",
            "order": range(6),
        }
    )
    front = sa.pareto_front(df, "firing_rate")
    assert front["key"].tolist() == ["s", "p", "q", "t"]  # r is beaten by q, u by t
    assert sa.pareto_front(df, "synops")["key"].tolist() == ["u"]  # lowest synops and the best score
    with pytest.raises(ValueError, match="unknown cost 'energy'"):
        sa.pareto_front(df, "energy")


def test_pareto_front_is_non_dominated_and_dominates_the_rest():
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame(
        {
            "key": [f"k{i}" for i in range(n)],
            "score": rng.normal(size=n).round(1),
            "firing_rate": rng.uniform(size=n).round(2),
            "status": "ok",
            "order": range(n),
        }
    )
    front = sa.pareto_front(df)
    points = df[["score", "firing_rate"]].to_numpy()
    for s, c in front[["score", "firing_rate"]].to_numpy():
        dominated = (points[:, 0] >= s) & (points[:, 1] <= c) & ((points[:, 0] > s) | (points[:, 1] < c))
        assert not dominated.any()
    others = df[~df["key"].isin(front["key"])]
    fs, fc = front["score"].to_numpy(), front["firing_rate"].to_numpy()
    for s, c in others[["score", "firing_rate"]].to_numpy():
        assert ((fs >= s) & (fc <= c)).any()
    assert front["firing_rate"].is_monotonic_increasing and front["score"].is_monotonic_increasing


def test_top_k_hit_rate_on_a_hand_made_reference():
    truth = pd.Series({f"k{i}": float(i) for i in range(10)})  # k9 best; top 20 % = k9, k8
    df = pd.DataFrame(
        {
            "key": ["k9", "x", "k0", "k8", "k5"],  # "x" is unknown to the reference and not counted
            "score": [5.0, 4.5, 4.0, 3.0, 2.0],
            "status": "ok",
            "order": range(5),
        }
    )
    assert sa.top_k_hit_rate(df, truth, k=1, percent=20) == 1.0
    assert sa.top_k_hit_rate(df, truth, k=2, percent=20) == 0.5  # k9 in, k0 out
    assert sa.top_k_hit_rate(df, truth, k=3, percent=20) == pytest.approx(2 / 3)
    assert sa.top_k_hit_rate(df, truth, k=4, percent=100) == 1.0
    frame = truth.rename("test_acc").rename_axis("key").reset_index()
    assert sa.top_k_hit_rate(df, frame, k=3, percent=20) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="several values for one key"):
        sa.top_k_hit_rate(df, pd.concat([frame, frame]), k=3)
    assert math.isnan(sa.top_k_hit_rate(df.iloc[[1]], truth, k=1, percent=20))
    with pytest.raises(ValueError, match="k must be"):
        sa.top_k_hit_rate(df, truth, k=0)
    with pytest.raises(ValueError, match="percent must be"):
        sa.top_k_hit_rate(df, truth, percent=0)


def training(accuracy: dict[str, float], seed: int = 0, final_val: bool = True, recipe: str = "r") -> pd.DataFrame:
    out = []
    for key, acc in accuracy.items():
        out.append({"key": key, "seed": seed, "kind": "epoch", "epoch": 0, "val_acc": acc / 2, "test_acc": None})
        out.append({"key": key, "seed": seed, "kind": "epoch", "epoch": 1, "val_acc": acc - 0.01, "test_acc": None})
        val = acc if final_val else None
        out.append({"key": key, "seed": seed, "kind": "final", "epoch": 1, "val_acc": val, "test_acc": acc})
    return pd.DataFrame(out).assign(recipe_hash=recipe)


def test_trained_accuracy_averages_seeds_and_falls_back_to_the_last_epoch():
    runs = pd.concat([training({"a": 0.5, "b": 0.7}), training({"a": 0.7}, seed=1, final_val=False)])
    unfinished = pd.DataFrame([{"key": "c", "seed": 0, "kind": "epoch", "epoch": 0, "val_acc": 0.9}])
    acc = sa.trained_accuracy(pd.concat([runs, unfinished])).set_index("key")
    assert list(acc.index) == ["a", "b"]  # "c" has no final row
    assert acc.loc["a", "test_acc"] == pytest.approx(0.6) and acc.loc["a", "trainings"] == 2
    assert acc.loc["a", "val_acc"] == pytest.approx((0.5 + 0.69) / 2)
    assert sa.trained_accuracy(None).empty and sa.trained_accuracy(pd.DataFrame()).empty


def test_correlation_signs_on_constructed_data():
    scores = [-math.inf, -3.0, -2.0, -1.0, 0.0, 1.0]
    keys = [f"k{i}" for i in range(len(scores))]
    df = pd.DataFrame({"key": keys, "score": scores, "params": [600, 500, 400, 300, 200, 100], "status": "ok"})
    acc = training({key: 0.1 * (i + 1) for i, key in enumerate(keys)})  # accuracy rises with the score
    table = sa.score_accuracy_correlation(df, acc).set_index(["accuracy", "predictor"])
    for metric in ("test_acc", "val_acc"):
        assert table.loc[(metric, "score"), "kendall_tau"] == pytest.approx(1.0)
        assert table.loc[(metric, "score"), "spearman_rho"] == pytest.approx(1.0)
        assert table.loc[(metric, "params"), "kendall_tau"] == pytest.approx(-1.0)
        assert table.loc[(metric, "params"), "spearman_rho"] == pytest.approx(-1.0)
        assert table.loc[(metric, "score"), "n"] == 6 and table.loc[(metric, "score"), "note"] == ""
    shuffled = training({key: 0.1 * ((3 * i) % 6) for i, key in enumerate(keys)}, recipe="relu")
    both = sa.score_accuracy_correlation(df, pd.concat([acc, shuffled]))
    assert both["recipe_hash"].tolist() == ["r"] * 4 + ["relu"] * 4  # recipes are never averaged together
    tau = both.set_index(["recipe_hash", "accuracy", "predictor"])["kendall_tau"]
    assert tau[("r", "test_acc", "score")] == pytest.approx(1.0)
    assert -1.0 < tau[("relu", "test_acc", "score")] < 1.0


@pytest.mark.parametrize(
    ("accuracy", "note"),
    [
        (None, "no training results"),
        ({"k0": 0.1, "k1": 0.2}, "too few cells both scored and trained (2 < 3)"),
        ({"k0": 0.5, "k1": 0.5, "k2": 0.5}, "constant input"),
    ],
)
def test_correlation_without_enough_training_is_nan_with_a_note(accuracy, note):
    df = pd.DataFrame({"key": ["k0", "k1", "k2"], "score": [1.0, 2.0, 3.0], "params": [1, 2, 3], "status": "ok"})
    table = sa.score_accuracy_correlation(df, None if accuracy is None else training(accuracy))
    assert len(table) == 4 and table["kendall_tau"].isna().all() and table["spearman_rho"].isna().all()
    assert table["note"].str.contains(note, regex=False).all()


def test_top_cell_stats_counts_ops_and_backward_edges():
    df = rows(("a", 3.0), ("c", 2.0), ("e", 1.0), ("b", math.nan, "error"))
    stats = sa.top_cell_stats(df, k=2)
    assert stats["key"].tolist() == [KEYS["a"], KEYS["c"]] and stats["rank"].tolist() == [1, 2]
    a, c = stats.iloc[0], stats.iloc[1]
    assert (a["edges"], a["forward_edges"], a["backward_edges"]) == (3, 3, 0)
    assert (a["conv1x1"], a["conv3x3"], a["skip"], a["avgpool3x3"]) == (1, 2, 0, 0)
    assert (c["edges"], c["forward_edges"], c["backward_edges"]) == (5, 3, 2)
    assert (c["conv1x1"], c["conv3x3"], c["skip"], c["avgpool3x3"]) == (1, 1, 1, 2)
    shares = sa.op_frequencies(stats)
    assert shares.sum() == pytest.approx(1.0) and shares["conv3x3"] == pytest.approx(3 / 8)
    assert len(sa.top_cell_stats(df, k=10)) == 3
    with pytest.raises(ValueError, match="k must be"):
        sa.top_cell_stats(df, k=0)


def test_load_runs_rejects_what_is_not_a_run(tmp_path):
    with pytest.raises(ValueError, match="at least one run directory"):
        sa.load_runs()
    with pytest.raises(ValueError, match=r"is not a run directory \(no _run.json\)"):
        sa.load_runs(tmp_path)
    config = {"budget": 4, "workers": 1, "cells_per_trial": 1, "cpus_per_worker": 1.0, "gpus_per_worker": 0.0}
    score = {"batch_size": 16, "repeat": 1, "timesteps": None}
    (tmp_path / "_run.json").write_text(json.dumps({"run_id": "x", "config": {**config, "score": score}}))
    with pytest.raises(ValueError, match="holds no scored cells yet"):
        sa.load_runs(tmp_path)
    assert sa.run_settings(tmp_path)["batch_size"] == 16
    empty = sa.load_training(tmp_path)
    assert empty.empty and {"key", "kind", "test_acc", "val_acc"} <= set(empty.columns)


def test_load_training_keeps_the_latest_of_a_rewritten_row(tmp_path):
    folder = tmp_path / "_training"
    folder.mkdir()
    row = {"run_id": "t1", "key": "k", "seed": 0, "recipe_hash": "r", "kind": "final", "epoch": 3, "val_acc": 0.5}
    for i, acc in enumerate((0.4, 0.6)):  # a resumed training writes its final row again
        stamp = pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(seconds=i)
        pd.DataFrame([{**row, "test_acc": acc, "timestamp": stamp}]).to_parquet(folder / f"train-{1 - i}.parquet")
    (folder / "checkpoints").mkdir()  # anything else in the folder is not read
    rows = sa.load_training(tmp_path)
    assert len(rows) == 1 and rows["test_acc"].item() == 0.6
    assert sa.trained_accuracy(rows)["trainings"].tolist() == [1]
