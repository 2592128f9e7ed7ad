import json
import math

import numpy as np
import pytest

from snasray.strict_json import dumps, strict


def test_non_finite_floats_become_null_with_a_note():
    value = {"score": -math.inf, "rates": {"a": math.nan, "b": 0.5}, "repeat": [math.inf, 1.0], "n": np.float32(2)}
    out = strict(value, {"score": "kernel is singular"})
    assert out == {
        "score": None,
        "score_note": "-inf: kernel is singular",
        "rates": {"a": None, "a_note": "nan", "b": 0.5},
        "repeat": [None, 1.0],
        "repeat_note": "null stands for inf",
        "n": 2.0,
    }


def test_notes_can_be_left_out_and_an_own_note_wins():
    assert strict({"a": math.nan}, notes=False) == {"a": None}
    assert strict({"a": math.nan, "a_note": "mine"}) == {"a": None, "a_note": "mine"}


@pytest.mark.parametrize("value", [math.nan, math.inf, [1.0, -math.inf], {"x": {"y": math.nan}}])
def test_dumps_parses_strictly(value):
    text = dumps(value)
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in {text}"))
