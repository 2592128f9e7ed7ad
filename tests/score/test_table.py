import pandas as pd
import pytest

from snasray.cells import Cell, canonical_cells, load_space
from snasray.cli import main
from snasray.score import ScoreConfig, make_scorer
from snasray.score.table import TableScorer, shipped_tables

TABLE = "snasnet-forward_digits_tiny"


def test_shipped_table_covers_the_forward_space():
    assert TABLE in shipped_tables()
    frame = TableScorer(TABLE).frame
    assert set(frame.index) == {str(c) for c in canonical_cells(load_space("snasnet-forward"))}


def test_lookup_uses_the_canonical_key():
    scorer = make_scorer(ScoreConfig(table=TABLE))
    a, b = Cell.parse("0301 0003 0002 0000"), Cell.parse("0031 0002 0003 0000")
    assert scorer.score(a, 0).score == scorer.score(b, 0).score
    with pytest.raises(ValueError, match="not in the score table"):
        scorer.score(Cell.parse("0303 0030 2002 0200"), 0)


def test_bad_tables(tmp_path):
    with pytest.raises(ValueError, match="unknown score table"):
        TableScorer("nope")
    path = tmp_path / "t.parquet"
    pd.DataFrame({"key": ["0003 0000 0000 0000"]}).to_parquet(path)
    with pytest.raises(ValueError, match="lacks columns"):
        TableScorer(str(path))


def test_score_cli_with_a_table(capsys):
    assert main(["score", "--cell", "0303 0030 0002 0000", "--space", "snasnet-forward", "--table", TABLE]) == 0
    assert "score" in capsys.readouterr().out
    assert main(["score", "--cell", "0303 0030 0002 0000", "--table", "nope"]) == 2
