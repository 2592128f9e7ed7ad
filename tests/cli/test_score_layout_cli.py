import json

import pytest

from snasray.cli import main

CELL = "0303 0030 2002 0200"
ARGS = ["score", "--cell", CELL, "--dataset", "digits", "--batch-size", "8", "--repeat", "1", "--json"]


def scored(capsys, *extra):
    assert main([*ARGS, *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_layout_and_gram_flags_reach_the_config_hash(capsys):
    default = scored(capsys)
    spelled = scored(capsys, "--layout", "nchw", "--gram", "auto")
    assert (spelled["config_hash"], spelled["score"]) == (default["config_hash"], default["score"])
    last = scored(capsys, "--layout", "channels_last")
    assert last["config_hash"] != default["config_hash"]
    exact = scored(capsys, "--gram", "float32")
    assert exact["config_hash"] != default["config_hash"]
    assert exact["score"] == default["score"] and exact["repeat_scores"] == default["repeat_scores"]


@pytest.mark.parametrize("flag", [["--layout", "nhwc"], ["--gram", "bf16"]])
def test_unknown_layout_or_gram_is_one_error_line(capsys, flag):
    assert main([*ARGS, *flag]) == 2
    err = capsys.readouterr().err
    assert err.startswith("snasray: error:") and "invalid choice" in err and len(err.splitlines()) == 1
