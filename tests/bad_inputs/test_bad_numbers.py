"""Negative, non-finite and huge numbers in every numeric setting."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snasray.train import TrainConfig

BAD = settings.get_profile("bad_inputs")
CELL = "0303 0030 2002 0200"
SCORE = ["score", "--cell", CELL, "--dataset", "digits"]
SEARCH = ["search", "--dataset", "digits", "--budget", "4", "--out", "run"]
TRAIN = ["train", "--cell", CELL, "--dataset", "digits", "--epochs", "1", "--out", "run"]

negative = st.integers(max_value=-1)
huge = st.integers(min_value=10**12, max_value=10**30)
non_finite = st.sampled_from(["nan", "inf", "-inf", "NaN", "Infinity"])
below_one = st.integers(max_value=0)
negative_float = st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False)
as_text = st.integers().map(str) | st.floats().map(repr)

SETTINGS = [
    # (command, option, bad values)
    (["space", "sample", "--space", "snasnet-backward"], "-n", negative | huge),
    (["space", "sample", "--space", "snasnet-backward"], "--seed", negative | huge),
    (SCORE, "--seed", negative | huge),
    (SCORE, "--batch-size", st.integers(max_value=1) | huge),
    (SCORE, "--repeat", below_one | huge),
    (SCORE, "--timesteps", below_one | huge),
    (SEARCH, "--seed", negative | huge),
    (SEARCH, "--budget", below_one | huge),
    (SEARCH, "--workers", below_one | huge),
    (SEARCH, "--cells-per-trial", below_one | huge),
    (SEARCH, "--cpus-per-worker", non_finite | negative_float.map(repr)),
    (SEARCH, "--gpus-per-worker", non_finite | negative_float.map(repr)),
    (SEARCH, "--batch-size", st.integers(max_value=1) | huge),
    (SEARCH, "--repeat", below_one | huge),
    (SEARCH, "--top-k", negative | huge),
    (SEARCH, "--train-top-k", negative | huge),
    (SEARCH, "--train-epochs", below_one | huge),
    (TRAIN, "--seed", negative | huge),
    (TRAIN, "--lr", non_finite | st.floats(max_value=0, allow_nan=False, allow_infinity=False).map(repr)),
    (TRAIN, "--epochs", below_one | huge),
    (TRAIN, "--batch-size", below_one | huge),
    (TRAIN, "--workers", below_one | huge),
    (TRAIN, "--cpus-per-worker", non_finite | negative_float.map(repr)),
    (TRAIN, "--max-minutes", non_finite | negative_float.map(repr)),
    (TRAIN, "--max-failures", negative | huge),
    (TRAIN, "--train-images", below_one | huge),
    (TRAIN, "--timesteps", below_one | huge),
    (["report", "."], "--top-k", below_one | huge),
    (["evaluate", "--checkpoint", "."], "--batch-size", below_one | huge),
    (["evaluate", "--checkpoint", "."], "--spike-images", negative | huge),
]


@pytest.mark.parametrize(("command", "option", "values"), SETTINGS, ids=[f"{c[0]}{o}" for c, o, _ in SETTINGS])
@settings(BAD, max_examples=8)
@given(data=st.data())
def test_bad_number_is_refused(refused, command, option, values, data):
    value = data.draw(values)
    refused([*command, f"{option}={value}"])


@settings(BAD, max_examples=15)
@given(
    options=st.dictionaries(
        st.sampled_from(["population", "tournament", "screen"]),
        non_finite | negative.map(str) | huge.map(str),
        min_size=1,
    )
)
def test_bad_searcher_option_is_refused(refused, options):
    flags = [f"--searcher-option={k}={v}" for k, v in options.items()]
    refused([*SEARCH, "--searcher", "evolution", *flags])


@pytest.mark.parametrize("objective", ["spikes", "", "score"])
def test_unknown_objective_is_refused(refused, objective):
    refused([*SEARCH, "--searcher", "nsga2", "--objective", objective])


@pytest.mark.parametrize(
    "field", ["lr", "momentum", "weight_decay", "final_lr_ratio", "max_minutes", "cpus_per_worker"]
)
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -1.0])
def test_training_config_refuses_non_finite_and_negative(field, value):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})
