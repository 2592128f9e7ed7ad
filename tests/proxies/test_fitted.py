"""The fitted proxy: its tree ensemble predicts what scikit-learn's model predicts, and the shipped model says what
it was fitted on."""

import math

import numpy as np
from sklearn.ensemble import GradientBoostingRegressor

from snasray.proxies.fitted import RATE_PREFIX, TreeEnsemble, export_trees, features_of, shipped_model


def test_an_exported_ensemble_predicts_as_scikit_learn_does():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = 2 * x[:, 0] + np.sin(x[:, 1]) + 0.1 * rng.normal(size=200)
    model = GradientBoostingRegressor(n_estimators=40, max_depth=3, subsample=0.8, random_state=0).fit(x, y)
    ensemble = TreeEnsemble(export_trees(model, ["a", "b", "c"], {"note": "test"}))
    mine = [ensemble.predict(dict(zip("abc", row, strict=True))) for row in x[:25]]
    assert np.allclose(mine, model.predict(x[:25]), rtol=0, atol=1e-12)
    assert ensemble.fitted_on == {"note": "test"}
    assert math.isnan(ensemble.predict({"a": math.nan, "b": 0.0, "c": 0.0}))
    assert ensemble.predict({"a": 0.0}) == ensemble.predict({"a": 0.0, "b": 0.0, "c": 0.0})  # missing reads 0


def test_the_shipped_model_names_its_features_and_its_held_out_figures():
    model = shipped_model("fit-spikenas")
    assert {"sahd", "hd", "log_params", "firing_rate"} <= set(model.features)
    assert any(name.startswith(RATE_PREFIX) for name in model.features)
    fitted = model.fitted_on
    assert fitted["kendall_tau_odd_ids"] > fitted["kendall_tau_params_odd_ids"]
    assert fitted["score_settings"]["preset"] == "spikenas-tiny"


def test_features_of_a_row_take_logs_and_name_layer_rates():
    features = features_of({"sahd": 1.0, "sahd-spikenas": 2.0, "hd": 3.0}, 100, 0.0, 0.1, {"cell1.lifs.0": 0.2})
    assert features["log_params"] == math.log(100) and features["log_synops"] == 0.0
    assert features[f"{RATE_PREFIX}cell1.lifs.0"] == 0.2


def test_a_refitted_model_changes_the_config_hash(monkeypatch):
    from snasray.proxies import fitted
    from snasray.score import ScoreConfig

    before = ScoreConfig(proxy="fit-spikenas").config_hash()
    assert before != ScoreConfig(proxy="hd").config_hash()
    text = fitted._model_text("fit-spikenas")
    monkeypatch.setattr(fitted, "_model_text", lambda name: text.replace('"init": ', '"init": 1e-9 + ', 1))
    assert ScoreConfig(proxy="fit-spikenas").config_hash() != before
    assert ScoreConfig().config_hash() == "4c276dbd48ee7e3e"


def test_stored_values_of_a_fitted_proxy_are_predicted_again_with_the_shipped_model():
    import json

    import pandas as pd

    from snasray.proxies.fitted import with_fitted
    from snasray.search.store import proxy_columns

    kernels = {"sahd": -40.0, "sahd-spikenas": 505.0, "hd": 700.0, "fit-spikenas": 1.0}  # a stale value
    rows = pd.DataFrame(
        [
            {
                "proxies": json.dumps(kernels),
                "params": 85_212,
                "synops": 3e6,
                "firing_rate": 0.1,
                "layer_rates": json.dumps({"cell1.lifs.0": 0.1, "head_lif": 0.05}),
            }
        ]
    )
    values = with_fitted(proxy_columns(rows), rows)
    expected = shipped_model("fit-spikenas").predict(
        features_of(kernels, 85_212, 3e6, 0.1, {"cell1.lifs.0": 0.1, "head_lif": 0.05})
    )
    assert values.loc[0, "fit-spikenas"] == expected != 1.0
