"""How well the training-free score predicts trained accuracy, with the parameter count as the baseline."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from snasray.analysis._scores import ranked_cells

ACCURACIES = ("test_acc", "val_acc")
PREDICTORS = ("score", "params")
MIN_CELLS = 3
ACCURACY_COLUMNS = ["recipe_hash", "key", "test_acc", "val_acc", "trainings"]
CORRELATION_COLUMNS = [
    "recipe_hash",
    "accuracy",
    "predictor",
    "n",
    "kendall_tau",
    "kendall_p",
    "spearman_rho",
    "spearman_p",
    "note",
]


def trained_accuracy(training: pd.DataFrame | None) -> pd.DataFrame:
    """One row per training recipe and cell: the final test and validation accuracy, averaged over seeds.

    Only trainings with a ``kind == "final"`` row count (one still running has none). Where the final row has
    no val_acc, the val_acc of that training's last epoch is used. Recipes stay apart (a ReLU baseline or
    another schedule is another recipe_hash).
    """
    if training is None or training.empty:
        return pd.DataFrame(columns=ACCURACY_COLUMNS)
    training = training.assign(val_acc=training["val_acc"].astype(float))
    trainings = ["recipe_hash", "key", "seed"]
    final = training[training["kind"] == "final"]
    epochs = training[training["kind"] == "epoch"].sort_values("epoch", kind="stable")
    last_val = epochs.groupby(trainings)["val_acc"].last().rename("last_val")
    final = final.join(last_val, on=trainings)
    final = final.assign(val_acc=final["val_acc"].fillna(final["last_val"]))
    per_key = final.groupby(["recipe_hash", "key"]).agg(
        test_acc=("test_acc", "mean"), val_acc=("val_acc", "mean"), trainings=("seed", "size")
    )
    return per_key.reset_index()[ACCURACY_COLUMNS]


def score_accuracy_correlation(df: pd.DataFrame, training: pd.DataFrame | None) -> pd.DataFrame:
    """Kendall tau and Spearman rho between each predictor (score, and the parameter-count baseline) and each
    final accuracy (test, val), per training recipe, over the cells both scored and trained (joined on `key`).

    Without enough trained cells the statistics are NaN and `note` says why; a singular (-inf) score ranks
    last, a failed (NaN) score is left out.
    """
    accuracy = trained_accuracy(training)
    scored = df[df["status"] == "ok"].groupby("key").agg(score=("score", "mean"), params=("params", "first"))
    if accuracy.empty:
        note = "no training results: no final rows in RUN_DIR/_training"
        return _table([(math.nan, metric, predictor, _missing(0, note)) for metric, predictor in _pairs()])
    rows = []
    for recipe, trained in accuracy.groupby("recipe_hash", sort=True):
        joined = scored.join(trained.set_index("key"), how="inner")
        for metric, predictor in _pairs():
            pair = joined[[predictor, metric]].astype(float).dropna()
            rows.append((recipe, metric, predictor, _rank_correlation(pair)))
    return _table(rows)


def _pairs() -> list[tuple[str, str]]:
    return [(metric, predictor) for metric in ACCURACIES for predictor in PREDICTORS]


def _table(rows: list[tuple]) -> pd.DataFrame:
    records = [
        {"recipe_hash": recipe, "accuracy": metric, "predictor": predictor, **values}
        for recipe, metric, predictor, values in rows
    ]
    return pd.DataFrame(records, columns=CORRELATION_COLUMNS)


def _missing(n: int, note: str) -> dict:
    nan = math.nan
    return {"n": n, "kendall_tau": nan, "kendall_p": nan, "spearman_rho": nan, "spearman_p": nan, "note": note}


def _rank_correlation(pair: pd.DataFrame) -> dict:
    n = len(pair)
    if n < MIN_CELLS:
        return _missing(n, f"too few cells both scored and trained ({n} < {MIN_CELLS})")
    x, y = pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy()
    if np.unique(x).size < 2 or np.unique(y).size < 2:
        return _missing(n, "constant input: every cell has the same value")
    tau = stats.kendalltau(x, y)
    rho = stats.spearmanr(x, y)
    return {
        "n": n,
        "kendall_tau": float(tau.statistic),
        "kendall_p": float(tau.pvalue),
        "spearman_rho": float(rho.statistic),
        "spearman_p": float(rho.pvalue),
        "note": "",
    }


def top_k_hit_rate(
    df: pd.DataFrame, reference: pd.DataFrame | pd.Series, k: int = 10, percent: float = 10.0, column: str = "test_acc"
) -> float:
    """The share of the search's k best-scored cells that are in the reference's top `percent` %.

    `reference` is the true quality of cells, higher is better: a Series indexed by key, or a frame with a
    `key` column and `column` (e.g. one recipe of `trained_accuracy(training)`). Only cells the reference knows
    are ranked. A cell is inside the top only when fewer than the cut-off's number of cells are at least as good
    (ties at the cut-off are not hits: two trained cells at the same accuracy have no top 50 %). Undefined, NaN,
    when fewer than k scored cells are in the reference.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not 0 < percent <= 100:
        raise ValueError(f"percent must be in (0, 100], got {percent}")
    truth = reference if isinstance(reference, pd.Series) else reference.set_index("key")[column]
    truth = truth.astype(float).dropna()
    if not truth.index.is_unique:
        raise ValueError("the reference holds several values for one key (several recipes?); pass one per key")
    top_scored = [key for key in ranked_cells(df)["key"] if key in truth.index][:k]
    if len(top_scored) < k:
        return math.nan
    cut = max(1, math.ceil(len(truth) * percent / 100))
    inside = truth.rank(ascending=False, method="max") <= cut
    return float(np.mean([bool(inside[key]) for key in top_scored]))
