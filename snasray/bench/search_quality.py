"""Search on a trained table: how good is the cell a searcher picks by a proxy, after 25 ... 500 evaluations?

Each searcher runs in `snasray.search.loop.SearchLoop` (the search's own rounds, deduplication and tells, without
Ray), answered from a lookup of every canonical key's stored row with the chosen proxy as its score. A run's pick
after n evaluations is its best-scored key among the first n; its worth is that key's test accuracy, the mean over
the key's architecture ids (the table trained each id with its own seed).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from snasray.cells import SearchSpace
from snasray.search.loop import SearchLoop
from snasray.search.searchers import make_searcher

BUDGETS = (25, 50, 100, 200, 500)
ROUND = 8  # cells per round, as a 2-worker search with 4 cells per trial asks them


def run_on_table(
    searcher: str, space: SearchSpace, scores: pd.Series, seed: int, budget: int, options: dict | None = None
) -> list[str]:
    """The keys a seeded searcher evaluates, in order, when each key's score is `scores[key]` (a Series by canonical
    key; a key it lacks scores NaN, ranked last). Stops at `budget` distinct keys or when the searcher runs dry."""
    loop = SearchLoop(make_searcher(searcher, space, seed, **(options or {})), budget, ROUND)
    order: list[str] = []
    while not loop.finished:
        loop.next_round()
        rows = []
        for proposal in loop.to_score():
            value = float(scores.get(proposal.key, math.nan))
            rows.append({"key": proposal.key, "score": value, "status": "ok", "attempt": 1})
            order.append(proposal.key)
        loop.record(rows)
        if loop.current:
            loop.complete()
        else:
            break
    return order


def picks(order: list[str], scores: pd.Series, budgets: tuple[int, ...] = BUDGETS) -> dict[int, str]:
    """The best-scored key among the first n evaluated, for each budget n (ties: the earlier)."""
    out = {}
    for n in budgets:
        head = order[:n]
        values = np.array([scores.get(k, math.nan) for k in head], dtype=float)
        values = np.where(np.isfinite(values), values, -np.inf)
        out[n] = head[int(np.argmax(values))] if head else None
    return out


def search_quality(
    keys: pd.DataFrame,
    space: SearchSpace,
    proxies: list[str],
    searchers: tuple[str, ...] = ("random", "evolution", "tpe"),
    seeds: int = 10,
    budgets: tuple[int, ...] = BUDGETS,
    on_run=None,
) -> pd.DataFrame:
    """A row per (searcher, proxy, seed, budget): the test accuracy of the pick, and its rank percentile in the
    table (100 = the best key). `keys` has a row per canonical key (`key_accuracy`): test_accuracy and the proxies.
    `on_run(searcher, proxy, seed)` is called after each run (progress). An "oracle" row per budget gives the
    best key's accuracy."""
    missing = [proxy for proxy in proxies if proxy not in keys]
    if missing:
        raise ValueError(f"the table has no values of proxy {missing[0]}: score the sweep with it to search by it")
    accuracy = keys["test_accuracy"]
    percentile = accuracy.rank(pct=True) * 100
    rows = []
    for proxy in proxies:
        scores = keys[proxy]
        for searcher in searchers:
            for seed in range(seeds):
                order = run_on_table(searcher, space, scores, seed, max(budgets))
                for n, key in picks(order, scores, budgets).items():
                    rows.append(
                        {
                            "searcher": searcher,
                            "proxy": proxy,
                            "seed": seed,
                            "budget": n,
                            "evaluated": min(n, len(order)),
                            "key": key,
                            "test_accuracy": float(accuracy.get(key, math.nan)),
                            "percentile": float(percentile.get(key, math.nan)),
                        }
                    )
                if on_run:
                    on_run(searcher, proxy, seed)
    best = accuracy.idxmax()
    for n in budgets:
        rows.append(
            {
                "searcher": "oracle",
                "proxy": "test_accuracy",
                "seed": 0,
                "budget": n,
                "evaluated": len(keys),
                "key": best,
                "test_accuracy": float(accuracy.max()),
                "percentile": 100.0,
            }
        )
    return pd.DataFrame(rows)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Median, min and max test accuracy (and median percentile) of the picks per (searcher, proxy, budget)."""
    grouped = runs.groupby(["searcher", "proxy", "budget"])
    return grouped.agg(
        runs=("seed", "size"),
        median=("test_accuracy", "median"),
        low=("test_accuracy", "min"),
        high=("test_accuracy", "max"),
        median_percentile=("percentile", "median"),
    ).reset_index()
