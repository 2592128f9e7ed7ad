"""Real searches on a local Ray instance: the store, deduplication, resume and fault tolerance."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from snasray.cli import main
from snasray.data.offline import SAMPLE_PATH
from snasray.generations import score_part_files
from snasray.score import ScoreConfig
from snasray.search import SearchConfig, load_run, run_search

FAST = ScoreConfig(dataset="synthetic", preset="tiny", batch_size=16, repeat=1)
FAST_ARGS = "--dataset synthetic --preset tiny --batch-size 16 --repeat 1 --workers 2 --cells-per-trial 2".split()


def config(**kw):
    base = {
        "space": "snasnet-backward",
        "searcher": "evolution",
        "budget": 8,
        "seed": 3,
        "score": FAST,
        "workers": 2,
        "cells_per_trial": 2,
    }
    return SearchConfig(**{**base, **kw})


def test_search_stores_every_cell_once_and_never_rescores(ray_local, tmp_path):
    outcome = run_search(config(), tmp_path / "run", progress=False)
    table = pd.read_parquet(tmp_path / "run")
    assert outcome.finished and outcome.evaluations == 8
    assert len(table) == 8 and table["key"].is_unique
    assert sorted(table["order"]) == list(range(8))
    assert (table["status"] == "ok").all() and table["node_id"].str.len().gt(0).all()
    assert table["score"].notna().all() and (table["params"] > 0).all()
    again = run_search(None, tmp_path / "run", resume=True, progress=False)
    assert again.scored_now == 0 and again.evaluations == 8
    assert len(pd.read_parquet(tmp_path / "run")) == 8


def _ray_processes_of(pid):
    return [p for p in psutil.Process(pid).children(recursive=True)]


def test_killed_driver_resumes_to_the_same_best_cell(ray_local, tmp_path):
    search = config(budget=20, searcher="evolution", seed=11)
    reference = run_search(search, tmp_path / "reference", progress=False).table
    run_dir = tmp_path / "killed"
    argv = [
        sys.executable,
        "-m",
        "snasray",
        "search",
        "--space",
        search.space,
        "--searcher",
        search.searcher,
        "--budget",
        "20",
        "--seed",
        "11",
        *FAST_ARGS,
        "--out",
        str(run_dir),
    ]
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 120
        while len(score_part_files(run_dir)) < 2 and time.time() < deadline:
            time.sleep(0.1)
        proc.kill()  # SIGKILL: no clean-up in the driver
        proc.wait()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
    partial = pd.read_parquet(run_dir)
    assert 0 < len(partial) < 20
    resumed = run_search(search, run_dir, resume=True, progress=False)
    table = pd.read_parquet(run_dir)
    assert resumed.finished and len(table) == 20 and table["key"].is_unique
    assert resumed.scored_now == 20 - len(partial)
    ordered = table.sort_values("order")
    expected = reference.sort_values("order")
    assert list(ordered["key"]) == list(expected["key"])
    assert ordered["score"].tolist() == pytest.approx(expected["score"].tolist())


def test_killed_scoring_worker_is_retried(ray_local, tmp_path):
    killed = []

    def kill_one_worker():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            for proc in psutil.process_iter(["pid", "cmdline", "create_time"]):
                cmd = " ".join(proc.info["cmdline"] or [])
                if "ImplicitFunc" in cmd and time.time() - proc.info["create_time"] > 1.0:
                    proc.kill()
                    killed.append(proc.info["pid"])
                    return
            time.sleep(0.05)

    slow = ScoreConfig(dataset="synthetic", preset="small", batch_size=32, repeat=2)
    killer = threading.Thread(target=kill_one_worker, daemon=True)
    killer.start()
    outcome = run_search(
        config(budget=12, score=slow, searcher="random", cells_per_trial=3), tmp_path / "run", progress=False
    )
    killer.join()
    table = pd.read_parquet(tmp_path / "run")
    assert killed, "no scoring worker was found to kill"
    assert outcome.finished and len(table) == 12 and table["key"].is_unique
    assert (table["status"] == "ok").all()


def test_search_cli_summary_and_errors(ray_local, tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(
        [
            "search",
            "--searcher",
            "tpe",
            "--budget",
            "4",
            *FAST_ARGS,
            "--out",
            str(out),
            "--top-k",
            "2",
            "--searcher-option",
            "startup=2",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert load_run(out)[1].searcher_options == {"startup": 2}
    ranks = [line.split()[0] for line in captured.out.splitlines() if line[:5].strip() in ("1", "2", "3")]
    assert ranks == ["1", "2"] and "best cell:" in captured.out and f"store: {out.resolve()}" in captured.out
    assert "search: 4/4 cells" in captured.err
    assert main(["search", "--budget", "4", "--dataset", "synthetic", "--out", str(out)]) == 2
    assert "already holds a search" in capsys.readouterr().err
    assert main(["search", "--resume", str(out)]) == 0
    assert "(0 scored now)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "--searcher", "grid"], "unknown searcher 'grid'"),
        (["search", "--space", "nope"], "unknown space 'nope'"),
        (["search", "--budget", "0", "--dataset", "synthetic"], "budget must be an integer in 1.."),
        (["search", "--dataset", "imagenet"], "unknown data set"),
        (["search", "--preset", "huge", "--dataset", "synthetic"], "unknown preset"),
        (["search", "--resume", "/nonexistent/run"], "holds no search to resume"),
        (["search", "--resume"], "--resume needs the run directory"),
        (["search", "--searcher-option", "popsize=3", "--dataset", "synthetic"], "has no option 'popsize'"),
        (["search", "--searcher-option", "population", "--dataset", "synthetic"], "takes KEY=VALUE"),
    ],
)
def test_search_user_errors_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_missing_data_fails_before_anything_runs(capsys, tmp_path):
    out = tmp_path / "run"
    assert main(["search", "--dataset", "cifar10", "--data-dir", str(tmp_path), "--out", str(out)]) == 2
    assert "--download" in capsys.readouterr().err
    assert not Path(out).exists()


def test_relative_data_paths_reach_the_workers(ray_local, tmp_path, capsys, monkeypatch):
    subset = tmp_path / "data" / "cifar10_subset.npz"  # the shipped sample holds the subset's arrays
    subset.parent.mkdir()
    shutil.copy(SAMPLE_PATH, subset)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    relative = os.path.relpath(subset, tmp_path / "work")  # ../data/cifar10_subset.npz
    argv = [
        "search",
        "--budget",
        "2",
        "--dataset",
        "cifar10-subset",
        "--data-dir",
        relative,
        "--preset",
        "tiny",
        "--batch-size",
        "16",
        "--repeat",
        "1",
        "--workers",
        "2",
        "--cells-per-trial",
        "1",
        "--out",
        "run",
    ]
    assert main(argv) == 0
    table = pd.read_parquet(tmp_path / "work" / "run")
    assert len(table) == 2 and (table["status"] == "ok").all()


def test_a_search_whose_cells_all_fail_still_ends_with_a_summary(ray_local, tmp_path, capsys):
    table = tmp_path / "one.parquet"
    pd.DataFrame({"key": ["0003 0000 0000 0000"], "score": [1.0]}).to_parquet(table)
    argv = [
        "search",
        "--space",
        "snasnet-forward",
        "--budget",
        "3",
        "--table",
        str(table),
        "--workers",
        "1",
        "--cells-per-trial",
        "3",
        "--out",
        str(tmp_path / "run"),
        "--seed",
        "5",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = pd.read_parquet(tmp_path / "run")
    assert len(rows) == 3 and rows["key"].is_unique
    failed = rows[rows["status"] == "error"]
    assert len(failed) >= 2 and failed["error"].str.contains("not in the score table").all()
    assert "failed to score" in out


def test_a_worker_left_without_cells_ends_cleanly(ray_local, tmp_path):
    outcome = run_search(config(budget=1, workers=2, cells_per_trial=1), tmp_path / "run", progress=False)
    assert outcome.finished and len(pd.read_parquet(tmp_path / "run")) == 1
