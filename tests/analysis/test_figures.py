"""The figures explain themselves: axes with quantity and unit, which way is better, accuracy in percent with the
chance line, readable legends and n, read from the matplotlib figure objects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from snasray import analysis as sa
from snasray.report import trained_cells_table

SCORE = "score (sahd: log|det K|; else the run's proxy)"


def cells(n: int = 6, failed: int = 1) -> pd.DataFrame:
    rows = [
        {
            "searcher": "random",
            "run_id": "r1",
            "key": f"k{i}",
            "order": i,
            "score": float(i) if i >= failed else math.nan,
            "status": "ok" if i >= failed else "error",
            "firing_rate": 0.3 - 0.02 * i,
            "synops": 1000.0 * (i + 1),
            "params": 100 + i,
        }
        for i in range(n)
    ]
    return pd.DataFrame(rows)


def axes(fig):
    (ax,) = fig.axes
    return ax


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_best_so_far_names_the_score():
    ax = axes(sa.plot_best_so_far(sa.best_so_far(cells())))
    assert ax.get_ylabel() == f"best {SCORE} so far" and ax.get_xlabel() == "cells evaluated"
    assert "higher is better" in ax.get_title()


def test_histogram_names_the_score_and_n():
    ax = axes(sa.plot_score_histogram(cells(6, failed=2)))
    assert ax.get_xlabel() == SCORE and ax.get_ylabel() == "cells"
    assert "n = 4 finite" in ax.get_title() and "2 non-finite or failed" in ax.get_title()


@pytest.mark.parametrize(
    ("cost", "unit"),
    [("firing_rate", "firing rate (spikes per neuron per timestep)"), ("synops", "synaptic operations per image")],
)
def test_pareto_axes_units_direction_and_n(cost, unit):
    df = cells(6)
    ax = axes(sa.plot_pareto(df, cost))
    assert ax.get_xlabel() == unit and ax.get_ylabel() == SCORE
    assert [t.get_text() for t in ax.texts] == ["better: higher score, lower cost"]
    arrow = ax.texts[0]
    assert arrow.xy[1] > arrow.xyann[1] and arrow.xy[0] < arrow.xyann[0]  # points up and left
    front = sa.pareto_front(df, cost)
    assert legend_texts(ax) == ["cells (n = 5)", f"Pareto front (n = {len(front)})"]


def test_accuracy_in_percent_with_chance_line_recipe_legend_and_n():
    trained = pd.DataFrame(
        {
            "key": ["k1", "k2", "k3"],
            "score": [1.0, 2.0, 3.0],
            "test_acc": [0.10, 0.42, 0.5],
            "recipe_hash": ["abcdef0123456789", "abcdef0123456789", "9876543210fedcba"],
        }
    )
    ax = axes(sa.plot_scatter(trained, "score", "test_acc", "Accuracy against score", hue="recipe_hash", classes=10))
    assert ax.get_xlabel() == SCORE and ax.get_ylabel() == "final test accuracy (%)"
    assert ax.get_title() == "Accuracy against score (n = 3)"
    points = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections])
    assert sorted(points.round(6)) == [10.0, 42.0, 50.0]  # percent, not fractions
    (chance,) = ax.get_lines()
    assert set(chance.get_ydata()) == {10.0}
    assert legend_texts(ax) == ["recipe 98765432 (n = 1)", "recipe abcdef01 (n = 2)", "chance (10 %)"]
    assert sa.dataset_classes("cifar100") == 100
    named = trained.assign(recipe=["paper", "paper", "short"])
    ax = axes(sa.plot_scatter(named, "score", "test_acc", hue="recipe_hash"))
    assert legend_texts(ax) == ["short recipe 98765432 (n = 1)", "paper recipe abcdef01 (n = 2)"]


def test_other_columns_keep_their_units():
    ax = axes(sa.plot_scatter(cells(), "params", "synops"))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("parameters", "synaptic operations per image")
    assert legend_texts(ax) == ["random (n = 6)"]


def test_hit_rate_undefined_below_k_cells_and_ties_are_not_hits():
    scored = pd.DataFrame({"key": ["a", "b"], "score": [2.0, 1.0], "status": "ok", "order": [0, 1]})
    at_chance = pd.Series({"a": 0.1, "b": 0.1})  # two trained cells, both at chance
    rates = {k: sa.top_k_hit_rate(scored, at_chance, k=k, percent=10) for k in (1, 3, 5, 10)}
    assert rates[1] == 0.0 and all(math.isnan(rates[k]) for k in (3, 5, 10))
    assert sa.top_k_hit_rate(scored, at_chance, k=2, percent=50) == 0.0  # a tie at the cut-off is no top half
    assert sa.top_k_hit_rate(scored, pd.Series({"a": 0.9, "b": 0.1}), k=1, percent=50) == 1.0
    ax = axes(sa.plot_hit_rates(rates, trained=2, percent=10))
    assert ax.get_title() == "Top-k hit rate (n = 2 trained cells)"
    assert ax.get_xlabel() == "k (best-scored cells)" and ax.get_ylabel().endswith("(%)")
    assert [t.get_text() for t in ax.texts] == ["undefined\n(n < 3)", "undefined\n(n < 5)", "undefined\n(n < 10)"]


def test_trained_cells_table_in_percent_with_epochs():
    df = cells(4, failed=0)
    training = pd.DataFrame(
        [
            {"recipe_hash": "abcdef0123", "key": k, "seed": 0, "kind": kind, "epoch": e, "val_acc": a, "test_acc": a}
            for k, a in (("k1", 0.5), ("k3", 0.25))
            for kind, e in (("epoch", 1), ("epoch", 2), ("final", 2))
        ]
    )
    table = trained_cells_table(df, training)
    assert list(table.columns) == ["cell", "recipe", "score", "test accuracy %", "epochs", "trainings"]
    assert table["cell"].tolist() == ["k3", "k1"]  # best score first
    assert table["test accuracy %"].tolist() == [25.0, 50.0] and table["epochs"].tolist() == [2, 2]
    assert table["recipe"].tolist() == ["abcdef01"] * 2
    assert trained_cells_table(df, training.iloc[:0]).empty
