"""Fitted proxies: a gradient-boosted tree ensemble over the forward proxies and per-layer firing rates.

A model is a JSON file in ``snasray/proxies/models/`` written by ``benchmarks/fit_proxy.py`` (scikit-learn's
GradientBoostingRegressor, its trees exported as arrays): ``features`` (names, see `forward_features`), ``init``,
``learning_rate``, ``trees`` (each: feature, threshold, left, right, value per node; a leaf has left = -1) and
``fitted_on`` (what it was fitted on and how it scored on held-out ids). It predicts a cell's trained test accuracy
(%); its inputs are those of the scoring settings it was fitted at, so it ranks cells best at those settings.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources

import numpy as np

from snasray.proxies._registry import register
from snasray.proxies.probes import ForwardProbe

RATE_PREFIX = "rate:"
KERNELS = ("sahd", "sahd-spikenas", "hd")  # the kernel proxies among the features


def forward_features(probe: ForwardProbe) -> dict[str, float]:
    """The features a fitted proxy reads, from a forward probe (see `features_of`)."""
    kernels = {name: probe.value(name)[0] for name in KERNELS}
    return features_of(kernels, probe.params, probe.synops, probe.firing_rate, probe.layer_rates)


def features_of(
    kernels: dict[str, float], params: float, synops: float, firing_rate: float, layer_rates: dict[str, float]
) -> dict[str, float]:
    """sahd, sahd-spikenas, hd (from `kernels`), log_params, log_synops, firing_rate, and ``rate:<layer>`` for each
    LIF layer's firing rate (a layer the network lacks reads 0): from a probe, or from a stored row."""
    features = {name: float(kernels[name]) for name in KERNELS}
    features.update(
        log_params=math.log(max(params, 1)), log_synops=math.log1p(max(synops, 0.0)), firing_rate=float(firing_rate)
    )
    features.update({f"{RATE_PREFIX}{name}": float(rate) for name, rate in layer_rates.items()})
    return features


class TreeEnsemble:
    """A gradient-boosted regression tree ensemble read from its JSON form (see the module)."""

    def __init__(self, data: dict) -> None:
        self.features: list[str] = list(data["features"])
        self.init = float(data["init"])
        self.learning_rate = float(data["learning_rate"])
        self.trees = [{k: np.asarray(v) for k, v in tree.items()} for tree in data["trees"]]
        self.fitted_on: dict = data.get("fitted_on", {})

    def predict(self, features: dict[str, float]) -> float:
        """The prediction for one feature mapping (missing features read 0; a non-finite one gives NaN)."""
        x = np.array([features.get(name, 0.0) for name in self.features], dtype=float)
        if not np.isfinite(x).all():
            return math.nan
        total = self.init
        for tree in self.trees:
            node = 0
            while tree["left"][node] >= 0:
                go_left = x[tree["feature"][node]] <= tree["threshold"][node]
                node = int(tree["left"][node] if go_left else tree["right"][node])
            total += self.learning_rate * float(tree["value"][node])
        return total


def row_features(rows) -> list[dict[str, float] | None]:
    """`features_of` for each row of a score store (its ``proxies``, ``params``, ``synops``, ``firing_rate`` and
    ``layer_rates``), in the rows' order; None for a row without them (an error, a dead cell, a row written before
    proxies were recorded). So a fitted proxy's value for a stored cell needs no new scoring (`fitted_values`)."""
    from snasray.search.store import proxy_columns

    kernels = proxy_columns(rows)
    found: list[dict[str, float] | None] = []
    for index, row in rows.iterrows():
        rates = row.get("layer_rates")
        if not isinstance(rates, str) or not set(KERNELS) <= set(kernels.columns):
            found.append(None)
            continue
        found.append(
            features_of(kernels.loc[index], row["params"], row["synops"], row["firing_rate"], json.loads(rates))
        )
    return found


def fitted_values(rows, name: str = "fit-spikenas") -> list[float]:
    """The shipped model `name`'s value for each stored row (NaN where a feature is missing or not finite): what
    the proxy gives when the cell is scored with it, at the same scoring settings."""
    model = shipped_model(name)
    return [model.predict(features) if features else math.nan for features in row_features(rows)]


FITTED = ("fit-spikenas",)  # the registered fitted proxies, each a shipped model of that name


def with_fitted(values, rows):
    """`values` (`proxy_columns` of `rows`) with every fitted proxy predicted from the rows' features by the model
    shipped now (`fitted_values`), whether or not a row recorded it: rows scored before a model existed, with
    another proxy, or under an earlier version of the model all get the current model's value."""
    values = values.copy()
    for name in FITTED:
        values[name] = fitted_values(rows, name)
    return values


def model_digest(name: str) -> str:
    """12 hex digits identifying the shipped model `name` (its file's SHA-256): part of the config hash of a
    scoring that uses it, so that a refitted model never shares stored scores with the one before."""
    import hashlib

    return hashlib.sha256(_model_text(name).encode()).hexdigest()[:12]


def _model_text(name: str) -> str:
    return (resources.files("snasray.proxies") / "models" / f"{name}.json").read_text()


@cache
def shipped_model(name: str) -> TreeEnsemble:
    """A model shipped in the package, by file name without ``.json``."""
    return TreeEnsemble(json.loads(_model_text(name)))


@register(
    "fit-spikenas",
    "forward",
    "SpikeNAS-Bench CIFAR-10 accuracy predicted from the forward proxies and per-layer firing rates by boosted trees"
    " fitted on the even architecture ids (preset spikenas-tiny, cifar10-sample, batch 64 x 2)",
    "fitted here on SpikeNAS-Bench (Sun et al., 2025); benchmarks/fit_proxy.py; BENCHMARKS.md",
)
def fit_spikenas(probe: ForwardProbe) -> tuple[float, str | None]:
    features = forward_features(probe)
    value = shipped_model("fit-spikenas").predict(features)
    if not math.isfinite(value):
        bad = sorted(name for name, v in features.items() if not math.isfinite(v))
        return math.nan, f"a feature of the fitted model is not finite ({', '.join(bad) or 'prediction'})"
    return value, None


def export_trees(model, features: list[str], fitted_on: dict) -> dict:
    """The JSON form of a fitted scikit-learn GradientBoostingRegressor (squared error) over `features`."""
    trees = []
    for (estimator,) in model.estimators_:
        tree = estimator.tree_
        trees.append(
            {
                "feature": tree.feature.tolist(),
                "threshold": tree.threshold.tolist(),
                "left": tree.children_left.tolist(),
                "right": tree.children_right.tolist(),
                "value": tree.value[:, 0, 0].tolist(),
            }
        )
    return {
        "features": list(features),
        "init": float(model.init_.constant_[0][0]),
        "learning_rate": float(model.learning_rate),
        "trees": trees,
        "fitted_on": fitted_on,
    }
