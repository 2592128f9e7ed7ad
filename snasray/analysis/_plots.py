"""Figures of a search, as `matplotlib.figure.Figure` objects: no pyplot state, any backend (Agg to save)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from snasray.analysis._pareto import pareto_front
from snasray.analysis._scores import finite_scores

SIZE = (6.4, 4.0)


def plot_best_so_far(curves: pd.DataFrame) -> Figure:
    """One step line per searcher and run, from `best_so_far`."""
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    runs_per_searcher = curves.groupby("searcher")["run_id"].nunique()
    for (searcher, run_id), curve in curves.groupby(["searcher", "run_id"], sort=True):
        label = searcher if runs_per_searcher[searcher] == 1 else f"{searcher} {run_id[:6]}"
        ax.step(curve["evaluation"], curve["best_score"], where="post", label=label)
    ax.set(xlabel="cells evaluated", ylabel="best score so far", title="Best score so far")
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
    ax.set(xlabel="score (log|det K|)", ylabel="cells", title=f"Score distribution ({left_out} non-finite or failed)")
    if len(finite):
        ax.legend()
    return fig


def plot_pareto(df: pd.DataFrame, cost: str = "firing_rate") -> Figure:
    """Every finite-scored cell, score against `cost`, with the Pareto front drawn over them."""
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    finite = finite_scores(df)
    front = pareto_front(df, cost)
    ax.scatter(finite[cost], finite["score"], s=14, alpha=0.5, label="cells")
    ax.step(front[cost], front["score"], where="post", color="C3", marker="o", label=f"Pareto front ({len(front)})")
    ax.set(xlabel=cost.replace("_", " "), ylabel="score", title=f"Score against {cost.replace('_', ' ')}")
    ax.legend()
    return fig


def plot_scatter(frame: pd.DataFrame, x: str, y: str, title: str = "", hue: str = "searcher") -> Figure:
    """`y` against `x`, one colour per value of the `hue` column where the frame has one."""
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    groups = frame.groupby(hue, sort=True) if hue in frame else [("cells", frame)]
    for label, group in groups:
        ax.scatter(group[x], group[y], s=14, alpha=0.7, label=label)
    ax.set(xlabel=x, ylabel=y, title=title or f"{y} against {x}")
    ax.legend()
    return fig
