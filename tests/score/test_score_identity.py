"""A key names one network: a cell and its pruned (and relabelled) forms get one score, one row."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from snasray.cells import Cell
from snasray.cli import main
from snasray.score import ScoreConfig, Scorer
from snasray.search.trial import score_row

UNPRUNED = "0301 0000 0000 0000"  # node 1 is a dead end: its conv3x3 edge reaches nothing
PRUNED = "0001 0000 0000 0000"


@pytest.fixture(scope="module")
def scorer():
    return Scorer(ScoreConfig(dataset="digits", batch_size=16, repeat=1))


def test_a_cell_and_its_pruned_form_score_alike(scorer):
    given, pruned = scorer.score(Cell.parse(UNPRUNED), 0), scorer.score(Cell.parse(PRUNED), 0)
    assert given.key == pruned.key == PRUNED
    assert given.cell == UNPRUNED
    assert (given.score, given.params, given.firing_rate) == (pruned.score, pruned.params, pruned.firing_rate)


def test_a_relabelled_cell_scores_as_its_canonical_form(scorer):
    cell = Cell.parse("0300 0003 0000 0000")  # the same chain as 0030 0000 0003 0000
    canonical = Cell.parse(cell.canonical_key())
    assert str(cell) != str(canonical)
    assert scorer.score(cell, 1).score == scorer.score(canonical, 1).score


def test_the_cli_and_a_search_row_score_the_key(scorer, capsys):
    row = score_row(scorer, Cell.parse(UNPRUNED), PRUNED, 0)
    assert (
        main(["score", "--cell", UNPRUNED, "--dataset", "digits", "--batch-size", "16", "--repeat", "1", "--json"]) == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert shown["key"] == row["key"] == PRUNED
    assert shown["score"] == pytest.approx(row["score"]) and shown["params"] == row["params"]


def test_a_table_looks_up_the_key(tmp_path):
    from snasray.score.table import TableScorer

    pd.DataFrame({"key": [PRUNED], "score": [-1.5], "params": [10]}).to_parquet(tmp_path / "t.parquet")
    table = TableScorer(str(tmp_path / "t.parquet"))
    assert table.score(Cell.parse(UNPRUNED), 0).score == table.score(Cell.parse(PRUNED), 0).score == -1.5


def test_json_of_a_non_finite_score_is_strict(tmp_path, capsys):
    """-inf and NaN print as null with the reason beside them; Python's strict parser reads the output."""
    frame = pd.DataFrame({"key": [PRUNED], "score": [-math.inf], "firing_rate": [math.nan], "params": [1]})
    frame.to_parquet(tmp_path / "t.parquet")
    assert main(["score", "--cell", UNPRUNED, "--table", str(tmp_path / "t.parquet"), "--json"]) == 0
    out = capsys.readouterr().out

    def refuse(constant):
        raise AssertionError(f"{constant} in --json output")

    data = json.loads(out, parse_constant=refuse)
    assert data["score"] is None and data["score_note"].startswith("-inf")
    assert data["repeat_scores"] == [None] and data["repeat_scores_note"] == "null stands for -inf"
    assert data["firing_rate"] is None and data["firing_rate_note"] == "nan"
