"""The headline benchmark's parts that run without Ray: the released procedure and the dry runs on a table."""

import csv

import numpy as np
import pytest

from snasray.cells import load_space, sample_cell
from snasray.score.table import TableScorer

TABLE = "snasnet-forward_digits_tiny"


@pytest.fixture(scope="module")
def bench(load_script):
    return load_script("time_to_best")


def test_dry_runs_on_a_table_reach_the_released_best_and_resume(bench, tmp_path):
    argv = ["--table", TABLE, "--space", "snasnet-forward", "--seeds", "1", "--workers", "1", "--draws", "300"]
    argv += ["--searchers", "evolution", "--dry-only", "--out", str(tmp_path)]
    assert bench.main(argv) == 0
    released = list(csv.DictReader((tmp_path / "released.csv").open()))
    rng = np.random.default_rng((0, bench.DRAW_STREAM))
    draws = [sample_cell(load_space("snasnet-forward"), rng) for _ in range(300)]
    table = TableScorer(TABLE).frame["score"]
    assert float(released[0]["best_score"]) == max(table[c.canonical_key()] for c in draws)
    assert int(released[0]["distinct"]) == len({c.canonical_key() for c in draws})
    rows = list(csv.DictReader((tmp_path / "dry.csv").open()))
    assert [(r["searcher"], r["workers"], r["seed"]) for r in rows] == [("evolution", "1", "0")]
    assert 1 <= int(rows[0]["dry_evaluations"]) <= 3000
    assert bench.main(argv) == 0  # a rerun finds everything done
    assert len(list(csv.DictReader((tmp_path / "dry.csv").open()))) == 1
    assert "| evolution | 1 | 1 | 1/1 |" in (tmp_path / "summary-dry.md").read_text()


@pytest.mark.parametrize("flag", ["--seeds", "--draws", "--max-evaluations", "--released-seconds"])
def test_counts_below_one_are_refused(bench, flag, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main([flag, "0"])
    assert exit_info.value.code == 2
    assert "must be positive" in capsys.readouterr().err
