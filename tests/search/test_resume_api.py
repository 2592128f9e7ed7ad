"""`run_search(..., resume=True)` as a library call: the typed errors, and what a resume takes and keeps."""

import json
from dataclasses import replace

import pandas as pd
import pytest

from snasray.cli import main
from snasray.errors import ResumeMismatch, RunExists, RunNotFound
from snasray.score import ScoreConfig
from snasray.search import SearchConfig, load_run, run_search
from snasray.search.resume import REFUSED, TAKEN, resume_config

FAST = ScoreConfig(dataset="synthetic", preset="tiny", batch_size=16, repeat=1)
STORED = SearchConfig(space="snasnet-backward", searcher="evolution", budget=8, seed=3, score=FAST, workers=2)


def write_run(run_dir, config=STORED, rows=False):
    run_dir.mkdir(parents=True, exist_ok=True)
    payload = {"run_id": "r1", "round_size": 4, "config": config.to_json()}
    (run_dir / "_run.json").write_text(json.dumps(payload))
    if rows:
        (run_dir / "scores-r1-0.parquet").write_bytes(b"")  # a part: the folder holds a search


def test_resume_of_a_folder_without_a_run_is_run_not_found(tmp_path):
    with pytest.raises(RunNotFound, match="holds no search to resume") as caught:
        run_search(STORED, tmp_path / "missing", resume=True)
    assert caught.value.run_dir == tmp_path / "missing" and not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"seed": 4}, {"seed": (3, 4)}),
        ({"searcher": "random"}, {"searcher": ("evolution", "random")}),
        ({"score": replace(FAST, dataset="digits")}, {"score.dataset": ("synthetic", "digits")}),
        ({"score": replace(FAST, timesteps=3)}, {"score.timesteps": (None, 3)}),
        ({"budget": 4}, {"budget": (8, 4)}),
        ({"seed": 4, "budget": 2}, {"seed": (3, 4), "budget": (8, 2)}),
    ],
)
def test_resume_with_settings_that_change_the_scores_is_refused_before_anything_runs(tmp_path, change, named):
    run = tmp_path / "run"
    write_run(run, rows=True)
    before = (run / "_run.json").read_text()
    with pytest.raises(ResumeMismatch) as caught:
        run_search(replace(STORED, **change), run, resume=True)
    assert caught.value.changes == named and caught.value.run_dir == run and "--" not in str(caught.value)
    assert (run / "_run.json").read_text() == before


def test_a_resume_takes_where_and_how_fast_and_keeps_the_rest():
    asked = replace(STORED, budget=20, workers=1, cells_per_trial=1, score=replace(FAST, device="cuda", gram="auto"))
    config = resume_config(STORED, asked, "run")
    assert (config.budget, config.workers, config.cells_per_trial, config.score.device) == (20, 1, 1, "cuda")
    assert config.score.config_hash() == STORED.score.config_hash()
    assert resume_config(STORED, replace(STORED, score=replace(FAST, timesteps=5)), "run") == STORED  # tiny's own
    assert set(REFUSED) | set(TAKEN) | {"searcher_options"} >= {"space", "seed", "budget", "score.device"}


def test_a_new_search_into_a_run_is_run_exists(tmp_path):
    run = tmp_path / "run"
    write_run(run, rows=True)
    with pytest.raises(RunExists, match=r"already holds a search \(run r1\)") as caught:
        run_search(STORED, run)
    assert caught.value.run_id == "r1" and "--" not in str(caught.value)
    assert main(["search", "--dataset", "synthetic", "--out", str(run)]) == 2  # the CLI names its flags


def test_a_search_resumed_by_the_library_scores_only_new_cells(ray_local, tmp_path):
    run = tmp_path / "run"
    first = run_search(replace(STORED, budget=4, cells_per_trial=2), run, progress=False)
    assert first.evaluations == 4
    resumed = run_search(replace(STORED, budget=6, cells_per_trial=2), run, resume=True, progress=False)
    assert resumed.run_id == first.run_id and resumed.evaluations == 6 and resumed.scored_now == 2
    table = pd.read_parquet(run)
    assert len(table) == 6 and table["key"].is_unique
    assert load_run(run)[1].budget == 6
    again = run_search(None, run, resume=True, progress=False)
    assert again.scored_now == 0 and again.evaluations == 6
