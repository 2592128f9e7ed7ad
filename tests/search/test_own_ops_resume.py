"""A run keeps its space's own op table: a resume after the space file changed its ops is refused."""

import pytest

from snasray.errors import UserError
from snasray.score import ScoreConfig
from snasray.search import SearchConfig, run_search
from snasray.search.runner import load_run

SPACE = """
name: editable
nodes: 3
ops:
  none: {kind: zero}
  skip: {kind: identity}
  lo: {kind: spike_conv, kernel: 3, threshold: 0.5}
edges: forward
"""


def test_a_resume_refuses_a_space_file_whose_ops_changed(ray_local, tmp_path):
    space = tmp_path / "editable.yaml"
    space.write_text(SPACE)
    score = ScoreConfig(dataset="digits", preset="tiny", batch_size=16, repeat=1)
    config = SearchConfig(space=str(space), searcher="random", budget=2, score=score, workers=1)
    run = tmp_path / "run"
    run_search(config, run, progress=False)
    stored = load_run(run)[1]
    assert [op.threshold for op in stored.score.ops] == [None, None, 0.5] and stored.space == str(space.resolve())
    space.write_text(SPACE.replace("threshold: 0.5", "threshold: 2.5"))
    with pytest.raises(UserError, match=r"ops of space editable changed .*op lo: threshold 0.5 -> 2.5"):
        run_search(None, run, resume=True, progress=False)
    space.write_text(SPACE)
    assert run_search(None, run, resume=True, progress=False).finished
