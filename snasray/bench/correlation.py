"""How well proxies rank trained cells: Kendall tau and Spearman rho with bootstrap intervals, and top-k accuracy.

Pure pandas, numpy and scipy over one frame with a row per architecture id, the proxies as columns (`join_proxies`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from snasray.cells import Cell, SearchSpace
from snasray.proxies.fitted import with_fitted
from snasray.search.store import proxy_columns


def join_proxies(table: pd.DataFrame, scores: pd.DataFrame, space: SearchSpace) -> pd.DataFrame:
    """One row per architecture id of `table` (`read_spikenas`) whose key `scores` holds (a score store's current
    rows), with one column per recorded proxy (and the fitted proxies, predicted from the rows where not recorded:
    `snasray.proxies.fitted.with_fitted`), ``params`` (of the pruned cell) and ``convs`` (spiking convolutions
    of the pruned cell). Ids sharing a key share its proxy values."""
    scores = scores.reset_index(drop=True)
    values = with_fitted(proxy_columns(scores), scores)
    values["key"] = scores["key"].to_numpy()
    values = values.drop_duplicates("key", keep="last").set_index("key")
    joined = table.join(values, on="key", how="inner")
    spiking = {op.id for op in space.op_table if op.spiking}
    convs = {key: sum(op in spiking for *_, op in Cell.parse(key).edges()) for key in joined["key"].unique()}
    joined["convs"] = joined["key"].map(convs).astype(int)
    return joined.reset_index(drop=True)


def rank_correlation(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(Kendall tau-b, Spearman rho) of two equal-length arrays over the pairs where both are finite; NaN for fewer
    than 3 such pairs or a constant side."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan, math.nan
    return float(stats.kendalltau(x, y).statistic), float(stats.spearmanr(x, y).statistic)


def correlations(
    frame: pd.DataFrame,
    columns: list[str],
    target: str = "test_accuracy",
    bootstrap: int = 200,
    seed: int = 0,
    groups: str | None = "convs",
) -> pd.DataFrame:
    """Kendall tau and Spearman rho of every column against `target` over every id of `frame` ("all"), over the ids
    that learn ("learns"), and within each group of equal `groups` among those, with percentile bootstrap 95%
    intervals over `bootstrap` resamplings of the ids (seeded). A row per (column, subset)."""
    rng = np.random.default_rng(seed)
    subsets = [("all", frame), ("learns", frame[frame["learns"]])]
    if groups:
        learns = frame[frame["learns"]]
        subsets += [(f"{groups}={g}", part) for g, part in learns.groupby(groups) if len(part) >= 10]
    rows = []
    for subset, part in subsets:
        y = part[target].to_numpy(dtype=float)
        draws = [rng.integers(0, len(part), len(part)) for _ in range(bootstrap)]
        for column in columns:
            x = part[column].to_numpy(dtype=float)
            tau, rho = rank_correlation(x, y)
            sampled = np.array([rank_correlation(x[d], y[d]) for d in draws]) if bootstrap else np.empty((0, 2))
            lo, hi = _interval(sampled)
            rows.append(
                {
                    "proxy": column,
                    "subset": subset,
                    "n": int(np.isfinite(x).sum()),
                    "tau": tau,
                    "tau_low": lo[0],
                    "tau_high": hi[0],
                    "rho": rho,
                    "rho_low": lo[1],
                    "rho_high": hi[1],
                }
            )
    return pd.DataFrame(rows)


def _interval(sampled: np.ndarray) -> np.ndarray:
    """The 2.5 and 97.5 percentiles of each column of bootstrap draws (NaN where no draw is finite)."""
    if not len(sampled) or not np.isfinite(sampled).any():
        return np.full((2, 2), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no finite draw: NaN, as documented
        return np.nanpercentile(sampled, [2.5, 97.5], axis=0)


def key_accuracy(frame: pd.DataFrame, target: str = "test_accuracy") -> pd.DataFrame:
    """One row per canonical key: the mean `target` over its ids (each trained with its own seed), their count, and
    the key's proxy values (the same for all its ids)."""
    numeric = frame.select_dtypes("number").drop(columns=["id", "header_id"], errors="ignore")
    grouped = numeric.groupby(frame["key"])
    keys = grouped.mean()
    keys["ids"] = grouped.size()
    return keys


def top_k(frame: pd.DataFrame, columns: list[str], ks: tuple[int, ...] = (1, 5, 10)) -> pd.DataFrame:
    """For each column, the mean test accuracy (over its ids) of the best-ranked key, and the best and mean of the
    top k keys, ranked by the column (higher first; non-finite last; ties by key)."""
    keys = key_accuracy(frame)
    rows = []
    for column in columns:
        value = keys[column].where(np.isfinite(keys[column]), -np.inf)
        ranked = keys.assign(_v=value).sort_values(["_v"], ascending=False, kind="stable")
        row = {"proxy": column}
        for k in ks:
            head = ranked["test_accuracy"].head(k)
            row[f"top{k}_best"] = float(head.max())
            row[f"top{k}_mean"] = float(head.mean())
        rows.append(row)
    return pd.DataFrame(rows)
