"""Fit the `fit-spikenas` proxy: boosted trees over the forward proxies and per-layer firing rates, fitted on the
even architecture ids of SpikeNAS-Bench CIFAR-10 that learn, judged on the odd ones.

    python benchmarks/fit_proxy.py --data PATH/TO/SpikeNAS-Bench --run RUN [--out MODEL.json]

RUN is a `snasray bench spikenas` run (every key scored at one setting); PATH a checkout of the benchmark, which
stays outside the repository. Only CIFAR-10 is used: the CIFAR-100 and TinyImageNet tables are held out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import GradientBoostingRegressor

from snasray.bench import read_spikenas
from snasray.proxies.fitted import RATE_PREFIX, export_trees, row_features
from snasray.search.runner import load_run
from snasray.search.store import ScoreStore

SETTINGS = {"n_estimators": 300, "max_depth": 3, "learning_rate": 0.05, "subsample": 0.8, "random_state": 0}


def feature_table(run: Path) -> pd.DataFrame:
    """One row of features (`row_features`) per scored key of the run; a layer a network lacks reads 0."""
    rows = ScoreStore(run).current()
    rows = rows[rows["status"] == "ok"].reset_index(drop=True)
    features = row_features(rows)
    table = pd.DataFrame([f or {} for f in features], index=rows["key"])
    rates = [c for c in table.columns if c.startswith(RATE_PREFIX)]
    table[rates] = table[rates].fillna(0.0)
    return table[np.isfinite(table).all(axis=1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a SpikeNAS-Bench checkout")
    parser.add_argument("--run", required=True, help="a bench spikenas run directory")
    parser.add_argument("--out", default="snasray/proxies/models/fit-spikenas.json", help="the model file to write")
    args = parser.parse_args(argv)
    _, config = load_run(Path(args.run))
    table = read_spikenas(args.data, "cifar10")
    table = table[table["learns"]]
    features = feature_table(Path(args.run))
    joined = table.join(features, on="key", how="inner")
    names = list(features.columns)
    even, odd = joined[joined["id"] % 2 == 0], joined[joined["id"] % 2 == 1]
    model = GradientBoostingRegressor(**SETTINGS).fit(even[names].to_numpy(), even["test_accuracy"].to_numpy())
    predicted = model.predict(odd[names].to_numpy())
    held_out = stats.kendalltau(predicted, odd["test_accuracy"]).statistic
    params = stats.kendalltau(odd["log_params"], odd["test_accuracy"]).statistic
    score = config.score
    fitted_on = {
        "table": "SpikeNAS-Bench CIFAR-10 test accuracy, ids that learn, even ids",
        "ids_fitted": len(even),
        "ids_held_out": len(odd),
        "kendall_tau_odd_ids": round(float(held_out), 4),
        "kendall_tau_params_odd_ids": round(float(params), 4),
        "score_settings": {
            "preset": score.preset,
            "dataset": score.dataset,
            "batch_size": score.batch_size,
            "repeat": score.repeat,
            "seed": config.seed,
        },
        "model": {"kind": "sklearn GradientBoostingRegressor", **SETTINGS},
    }
    Path(args.out).write_text(json.dumps(export_trees(model, names, fitted_on)) + "\n")
    print(json.dumps(fitted_on, indent=2))
    print(f"wrote {args.out} ({len(names)} features, {len(model.estimators_)} trees)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
