"""Search rows of scored, table-scored and failed cells: spikes per image and neurons per layer in the store."""

import json
import math

import pandas as pd

from snasray.cells import Cell
from snasray.score import ScoreConfig, make_scorer
from snasray.search import ScoreStore
from snasray.search.trial import score_row

TABLE = "snasnet-forward_digits_tiny"


def test_rows_carry_the_counts_and_the_store_keeps_them(tmp_path):
    cell = Cell.parse("0303 0030 2002 0200")
    scorer = make_scorer(ScoreConfig(dataset="digits", preset="tiny", batch_size=16, repeat=1))
    scored = score_row(scorer, cell, cell.canonical_key(), 0)
    table = make_scorer(ScoreConfig(table=TABLE))
    forward = Cell.parse("0303 0030 0002 0000")
    looked_up = score_row(table, forward, forward.canonical_key(), 0)
    failed = score_row(table, cell, cell.canonical_key(), 0)  # not in the forward table
    assert scored["spikes_per_image"] > 0 and scored["layer_neurons"]["cell1.lifs.0"] == 2 * 8 * 8 * 8
    assert math.isnan(looked_up["spikes_per_image"]) and looked_up["layer_neurons"] == {}
    assert failed["status"] == "error" and "spikes_per_image" not in failed
    ScoreStore(tmp_path).append([scored, looked_up, failed])
    frame = ScoreStore(tmp_path).read()
    assert frame["spikes_per_image"].dtype == "float64" and frame["status"].tolist() == ["ok", "ok", "error"]
    assert frame["spikes_per_image"][0] == scored["spikes_per_image"] and frame["spikes_per_image"][1:].isna().all()
    assert json.loads(frame["layer_neurons"][0]) == scored["layer_neurons"]
    assert json.loads(frame["layer_neurons"][1]) == {} and pd.isna(frame["layer_neurons"][2])
