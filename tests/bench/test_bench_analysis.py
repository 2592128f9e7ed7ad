"""Rank correlations, top-k and search on a table, on hand-made tables whose answers are known."""

import numpy as np
import pandas as pd
import pytest

from snasray.bench.correlation import correlations, key_accuracy, rank_correlation, top_k
from snasray.bench.search_quality import picks, run_on_table, search_quality, summarise
from snasray.cells import canonical_cells, load_space

SPACE = load_space("spikenas-bench")


def frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    accuracy = rng.normal(85, 2, n)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "key": [f"k{i // 2}" for i in range(n)],  # two ids per key
            "test_accuracy": accuracy,
            "learns": True,
            "convs": np.arange(n) % 3,
            "perfect": accuracy,
            "reversed": -accuracy,
            "noise": rng.normal(size=n),
        }
    )


def test_a_perfect_proxy_has_tau_one_and_a_reversed_one_minus_one():
    out = correlations(frame(), ["perfect", "reversed", "noise"], bootstrap=50).set_index(["proxy", "subset"])
    assert out.loc[("perfect", "all"), "tau"] == pytest.approx(1.0)
    assert out.loc[("reversed", "learns"), "rho"] == pytest.approx(-1.0)
    noise = out.loc[("noise", "all")]
    assert abs(noise["tau"]) < 0.1 and noise["tau_low"] < noise["tau"] < noise["tau_high"]
    assert {"convs=0", "convs=1", "convs=2"} <= set(out.index.get_level_values("subset"))


def test_non_finite_values_are_left_out_and_constant_sides_give_nan():
    x = np.array([1.0, 2.0, np.nan, 4.0, -np.inf])
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert rank_correlation(x, y)[0] == pytest.approx(1.0)
    assert np.isnan(rank_correlation(np.ones(5), y)[0])


def test_top_k_ranks_keys_by_the_mean_over_their_ids():
    data = frame()
    out = top_k(data, ["perfect", "reversed"]).set_index("proxy")
    keys = key_accuracy(data)
    assert out.loc["perfect", "top1_best"] == pytest.approx(keys["test_accuracy"].max())
    assert out.loc["reversed", "top1_best"] == pytest.approx(keys["test_accuracy"].min())
    assert (keys["ids"] == 2).all()


def test_searchers_on_a_table_evaluate_distinct_keys_and_pick_the_best_scored():
    cells = canonical_cells(SPACE)
    rng = np.random.default_rng(1)
    keys = pd.DataFrame({"test_accuracy": rng.normal(85, 2, len(cells))}, index=[c.canonical_key() for c in cells])
    keys["proxy"] = keys["test_accuracy"]  # an oracle proxy: the pick is the best of what was evaluated
    order = run_on_table("random", SPACE, keys["proxy"], seed=0, budget=60)
    assert len(order) == len(set(order)) == 60
    chosen = picks(order, keys["proxy"], (10, 60))
    assert keys.loc[chosen[60], "test_accuracy"] == keys.loc[order, "test_accuracy"].max()
    runs = search_quality(keys, SPACE, ["proxy"], searchers=("random", "evolution"), seeds=2, budgets=(10, 60))
    summary = summarise(runs).set_index(["searcher", "budget"])
    assert summary.loc[("oracle", 60), "median"] == keys["test_accuracy"].max()
    assert (summary.loc["random", "median"].diff().dropna() >= 0).all()  # more evaluations never pick worse
    assert len(runs[runs["searcher"] == "evolution"]) == 4
