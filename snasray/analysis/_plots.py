"""Figures of a search, as `matplotlib.figure.Figure` objects: no pyplot state, any backend (Agg to save)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from snasray.analysis._pareto import pareto_front
from snasray.analysis._scores import finite_scores

SIZE = (6.4, 4.0)
SCORE_LABEL = "score (sahd: log|det K|; else the run's proxy)"
AXIS_LABELS = {  # each column's quantity and unit, as the axes name them
    "score": SCORE_LABEL,
    "firing_rate": "firing rate (spikes per neuron per timestep)",
    "synops": "synaptic operations per image",
    "spikes_per_image": "spikes per image",
    "params": "parameters",
    "test_acc": "final test accuracy (%)",
    "val_acc": "final validation accuracy (%)",
}
PERCENT_COLUMNS = ("test_acc", "val_acc", "train_acc")  # stored as fractions in [0, 1], drawn in percent


def dataset_classes(dataset: str) -> int:
    """The number of classes of a data set (``dataset`` column of the store): chance accuracy is 100 / it %.
    Raises ValueError for an unknown data set."""
    from snasray.data.specs import dataset_spec

    return dataset_spec(dataset).num_classes


def axis_label(column: str) -> str:
    """The axis label of a store column: its quantity and unit (the column's name where none is known)."""
    return AXIS_LABELS.get(column, column.replace("_", " "))


def legend_label(hue: str, value: object, group: pd.DataFrame) -> str:
    """A readable legend entry with its n: a recipe by its name where the rows carry one (a ``recipe`` column),
    else by the first 8 characters of its hash."""
    n = len(group)
    if hue != "recipe_hash":
        return f"{value} (n = {n})"
    short = str(value)[:8]
    if "recipe" in group and group["recipe"].notna().any():
        return f"{group['recipe'].dropna().iloc[0]} recipe {short} (n = {n})"
    return f"recipe {short} (n = {n})"


def plot_best_so_far(curves: pd.DataFrame) -> Figure:
    """One step line per searcher and run, from `best_so_far`."""
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    runs_per_searcher = curves.groupby("searcher")["run_id"].nunique()
    for (searcher, run_id), curve in curves.groupby(["searcher", "run_id"], sort=True):
        label = searcher if runs_per_searcher[searcher] == 1 else f"{searcher} {run_id[:6]}"
        ax.step(curve["evaluation"], curve["best_score"], where="post", label=label)
    ax.set(xlabel="cells evaluated", ylabel=f"best {SCORE_LABEL} so far", title="Best score so far (higher is better)")
    ax.legend()
    return fig


def plot_score_histogram(df: pd.DataFrame, bins: int = 20) -> Figure:
    """Finite scores per searcher on shared bins; the title counts the cells left out."""
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    finite = finite_scores(df)
    edges = np.histogram_bin_edges(finite["score"].astype(float), bins=bins) if len(finite) else bins
    for searcher, group in finite.groupby("searcher", sort=True):
        ax.hist(group["score"].astype(float), bins=edges, alpha=0.6, label=searcher)
    left_out = len(df) - len(finite)
    title = f"Score distribution (n = {len(finite)} finite; {left_out} non-finite or failed)"
    ax.set(xlabel=SCORE_LABEL, ylabel="cells", title=title)
    if len(finite):
        ax.legend()
    return fig


def plot_pareto(df: pd.DataFrame, cost: str = "firing_rate") -> Figure:
    """Every finite-scored cell, score against `cost`, with the Pareto front drawn over them."""
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    finite = finite_scores(df)
    front = pareto_front(df, cost)
    ax.scatter(finite[cost], finite["score"], s=14, alpha=0.5, label=f"cells (n = {len(finite)})")
    ax.step(front[cost], front["score"], where="post", color="C3", marker="o", label=f"Pareto front (n = {len(front)})")
    ax.set(xlabel=axis_label(cost), ylabel=SCORE_LABEL, title=f"Score against {axis_label(cost).split(' (')[0]}")
    ax.annotate(
        "better: higher score, lower cost",
        xy=(0.02, 0.98),
        xytext=(0.1, 0.88),
        xycoords="axes fraction",
        ha="left",
        va="top",
        fontsize="small",
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8},
        arrowprops={"arrowstyle": "->"},
    )
    ax.legend(loc="lower right")
    return fig


def plot_scatter(
    frame: pd.DataFrame, x: str, y: str, title: str = "", hue: str = "searcher", classes: int | None = None
) -> Figure:
    """`y` against `x`, one colour per value of the `hue` column where the frame has one; axes named with their
    units (`AXIS_LABELS`), accuracies in percent, n in the title and the legend. With `classes`, an accuracy axis
    gets the chance line at 100 / classes %."""
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    groups = frame.groupby(hue, sort=True) if hue in frame else [("cells", frame)]
    scale = {c: 100.0 if c in PERCENT_COLUMNS else 1.0 for c in (x, y)}
    for value, group in groups:
        ax.scatter(group[x] * scale[x], group[y] * scale[y], s=14, alpha=0.7, label=legend_label(hue, value, group))
    if classes and y in PERCENT_COLUMNS:
        ax.axhline(100 / classes, color="grey", linestyle="--", label=f"chance ({100 / classes:.3g} %)")
    if classes and x in PERCENT_COLUMNS:
        ax.axvline(100 / classes, color="grey", linestyle="--", label=f"chance ({100 / classes:.3g} %)")
    ax.set(xlabel=axis_label(x), ylabel=axis_label(y), title=f"{title or f'{y} against {x}'} (n = {len(frame)})")
    ax.legend()
    return fig


def plot_hit_rates(rates: dict[int, float], trained: int, percent: float) -> Figure:
    """Bars of `top_k_hit_rate` by k; an undefined rate (fewer than k trained cells) is marked, not drawn."""
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    ks = list(rates)
    values = [rates[k] * 100 if rates[k] == rates[k] else 0.0 for k in ks]
    ax.bar([str(k) for k in ks], values, color="C0")
    for position, k in enumerate(ks):
        if rates[k] != rates[k]:
            ax.text(position, 1, f"undefined\n(n < {k})", ha="center", va="bottom")
    ax.set(
        xlabel="k (best-scored cells)",
        ylabel=f"hit rate: share in the trained top {percent:g} % (%)",
        ylim=(0, 105),
        title=f"Top-k hit rate (n = {trained} trained cells)",
    )
    return fig
