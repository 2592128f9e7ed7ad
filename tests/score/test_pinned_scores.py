"""Scores that later changes must keep: the default config (NCHW layout, exact Gram) on the digits data set.

The first three are also rows of the shipped table `snasnet-forward_digits_tiny` (batch 64, one batch,
seed 0); a change that moves them must regenerate that table and say why.
"""

import math

import pytest

from snasray.cells import Cell
from snasray.score import ScoreConfig, Scorer
from snasray.score.table import TableScorer

TABLE_CONFIG = ScoreConfig(dataset="digits", preset="tiny", batch_size=64, repeat=1)
TABLE_ROWS = {
    "0303 0030 0002 0000": -49.82525726779073,
    "0313 0033 0003 0000": -49.82707145832853,
    "0101 0030 0003 0000": -54.19719528678388,
}
BACKWARD = ("0303 0030 2002 0200", 1, ScoreConfig(dataset="digits", preset="tiny", batch_size=64), -42.78893948703367)


@pytest.fixture(scope="module")
def table_scorer():
    return Scorer(TABLE_CONFIG)


@pytest.mark.parametrize("cell", TABLE_ROWS)
def test_table_rows_are_kept(table_scorer, cell):
    live = table_scorer.score(Cell.parse(cell), 0).score
    stored = TableScorer("snasnet-forward_digits_tiny").score(Cell.parse(cell), 0).score
    assert math.isclose(live, TABLE_ROWS[cell], rel_tol=1e-9)
    assert math.isclose(stored, TABLE_ROWS[cell], rel_tol=1e-9)


def test_backward_cell_score_is_kept():
    cell, seed, config, expected = BACKWARD
    assert config.layout == "nchw" and config.repeat == 2
    assert math.isclose(Scorer(config).score(Cell.parse(cell), seed).score, expected, rel_tol=1e-9)
