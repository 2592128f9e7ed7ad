"""Scores of a search: the ranking of its cells, best-so-far curves and the distribution of scores."""

from __future__ import annotations

import numpy as np
import pandas as pd


def finite_scores(df: pd.DataFrame) -> pd.DataFrame:
    """Rows scored without error and with a finite score (a singular kernel scores -inf)."""
    return df[(df["status"] == "ok") & np.isfinite(df["score"].astype(float))]


def ranked_cells(df: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct cell (its best-scoring row), best first; cells without a finite score left out."""
    best = finite_scores(df).sort_values(["score", "order"], ascending=[False, True], kind="stable")
    return best.drop_duplicates("key").reset_index(drop=True)


def best_so_far(df: pd.DataFrame) -> pd.DataFrame:
    """The best score after each evaluation, per searcher and run, in evaluation `order`.

    Columns: searcher, run_id, order, evaluation (1-based), score, best_score (NaN until a finite score),
    best_key (the cell that holds best_score).
    """
    groups = ["searcher", "run_id"]
    frame = df.sort_values([*groups, "order"], kind="stable").reset_index(drop=True)
    usable = (frame["status"] == "ok") & np.isfinite(frame["score"].astype(float))
    score = frame["score"].astype(float).where(usable, -np.inf)
    best = score.groupby([frame[g] for g in groups]).cummax()
    previous = best.groupby([frame[g] for g in groups]).shift(fill_value=-np.inf)
    improved = score > previous
    best_key = frame["key"].where(improved).groupby([frame[g] for g in groups]).ffill()
    return pd.DataFrame(
        {
            "searcher": frame["searcher"],
            "run_id": frame["run_id"],
            "order": frame["order"],
            "evaluation": frame.groupby(groups).cumcount() + 1,
            "score": frame["score"],
            "best_score": best.replace(-np.inf, np.nan),
            "best_key": best_key,
        }
    )


def score_distribution(df: pd.DataFrame) -> pd.DataFrame:
    """Per searcher: how many cells were scored, how many failed or were singular, and the finite scores'
    summary statistics (mean, std, min, quartiles, max)."""
    rows = {}
    for searcher, group in df.groupby("searcher", sort=True):
        scores = group["score"].astype(float)
        ok = group["status"] == "ok"
        finite = finite_scores(group)["score"].astype(float)
        rows[searcher] = {
            "cells": len(group),
            "finite": len(finite),
            "singular": int((ok & np.isneginf(scores)).sum()),
            "failed": int((~ok | scores.isna()).sum()),
            "mean": finite.mean(),
            "std": finite.std(),
            "min": finite.min(),
            "q25": finite.quantile(0.25),
            "median": finite.median(),
            "q75": finite.quantile(0.75),
            "max": finite.max(),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("searcher")
