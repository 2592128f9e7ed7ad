"""Faults of the run directory: a second writer, refused folders, failed starts, resume flags, damaged files,
retries of failed cells, a full disk."""

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from snasray import analysis
from snasray.cli import build_parser, main
from snasray.cli.search_cmd import RESUME_OTHER, RESUME_REFUSES, RESUME_TAKES, given_options, resumed_config
from snasray.errors import UserError
from snasray.generations import score_part_files
from snasray.rundir import LOCK_FILE, RunDirInUse, run_lock
from snasray.score import ScoreConfig
from snasray.score.table import table_path
from snasray.search import SCORE_SCHEMA, ScoreStore, SearchConfig, load_run
from snasray.search import store as store_module

TABLE = "snasnet-forward_digits_tiny"
HOLD_LOCK = """import sys, time
from snasray.rundir import run_lock
with run_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(300)
"""


def table_search(out, budget=8, *extra, table=TABLE, seed=1):
    return [
        "search",
        "--space",
        "snasnet-forward",
        "--dataset",
        "digits",
        "--table",
        str(table),
        "--searcher",
        "random",
        "--budget",
        str(budget),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--cells-per-trial",
        "2",
        "--out",
        str(out),
        *extra,
    ]


def one_line(capsys, fragment):
    """The error's one line; before it, stderr may hold only the search's progress lines."""
    lines = capsys.readouterr().err.splitlines()
    assert all(line.startswith("search: ") for line in lines[:-1]), lines
    assert lines[-1].startswith("snasray: error: ") and fragment in lines[-1], lines
    return lines[-1]


def hold_lock(run_dir):
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(run_dir)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def write_run_file(run_dir, config, round_size=2, run_id="r1"):
    run_dir.mkdir(parents=True, exist_ok=True)
    payload = {"run_id": run_id, "round_size": round_size, "config": config.to_json()}
    (run_dir / "_run.json").write_text(json.dumps(payload))


# --- the lock


def test_a_second_writer_is_refused_at_once_and_a_killed_holder_does_not_block(ray_local, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(table_search(run, 4)) == 0
    capsys.readouterr()
    holder = hold_lock(run)
    try:
        assert main(["search", "--resume", str(run), "--budget", "8"]) == 2
        one_line(capsys, f"{run.resolve()} is in use by another snasray process (pid {holder.pid})")
        assert main(["train", "--run", str(run), "--top-k", "1", "--recipe", "short", "--epochs", "1"]) == 2
        one_line(capsys, "in use by another snasray process")
        assert len(pd.read_parquet(run)) == 4
    finally:
        holder.send_signal(signal.SIGKILL)  # the kernel drops its lock; the lock file stays
        holder.wait()
    assert (run / LOCK_FILE).exists()
    # a larger budget, and flags that change only where and how fast the run goes, are taken
    argv = ["search", "--resume", str(run), "--budget", "8", "--workers", "2", "--cells-per-trial", "1"]
    assert main([*argv, "--address", "auto", "--seed", "1"]) == 0
    assert "(4 scored now)" in capsys.readouterr().out
    table = pd.read_parquet(run)
    assert len(table) == 8 and table["key"].is_unique and sorted(table["order"]) == list(range(8))
    saved = json.loads((run / "_run.json").read_text())
    assert saved["config"]["budget"] == 8 and saved["config"]["workers"] == 2 and saved["round_size"] == 2


def test_the_lock_is_reentrant_released_on_errors_and_not_held_by_the_dead(tmp_path):
    run = tmp_path / "run"
    holder = hold_lock(run)
    with pytest.raises(RunDirInUse, match=f"pid {holder.pid}"), run_lock(run):
        pass
    holder.kill()
    holder.wait()
    # a search that trains its best cells takes the lock again
    with pytest.raises(RuntimeError), run_lock(run), run_lock(run):
        assert (run / LOCK_FILE).read_text().strip() == str(os.getpid())
        raise RuntimeError("boom")
    taker = subprocess.run([sys.executable, "-c", HOLD_LOCK.replace("300", "0"), str(run)], capture_output=True)
    assert taker.returncode == 0, taker.stderr


# --- refused folders, failed starts


def test_out_that_cannot_be_a_run_is_refused_with_one_line(tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    assert main(table_search(a_file)) == 2
    one_line(capsys, "is a file, not a folder")
    foreign = tmp_path / "photos"
    foreign.mkdir()
    for name in "abcdefg":
        (foreign / f"{name}.jpg").write_text(name)
    assert main(table_search(foreign)) == 2
    one_line(capsys, "holds other files (a.jpg, b.jpg, c.jpg, d.jpg, e.jpg, ... (7 in all))")
    assert sorted(p.name for p in foreign.iterdir()) == [f"{n}.jpg" for n in "abcdefg"]
    assert main(table_search("/proc/snasray-run")) == 2
    one_line(capsys, "kernel file system")
    run = tmp_path / "run"
    write_run_file(run, STORED)
    ScoreStore(run).append([{"key": "0001 0000 0000 0000", "score": 1.0, "status": "ok", "seed": 3, "params": 9}])
    assert main(["report", str(run), "--out", str(a_file)]) == 2
    one_line(capsys, "is a file, not a folder")
    assert main(["report", str(run), "--out", "/proc/snasray-report"]) == 2
    one_line(capsys, "kernel file system")


def test_a_read_only_out_is_refused_with_one_line(tmp_path, capsys):
    mount = tmp_path / "ro"
    mount.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(mount)], capture_output=True
    ).returncode:
        pytest.skip("mounting a read-only tmpfs is not permitted here")
    try:
        assert main(table_search(mount / "run")) == 2
        one_line(capsys, "Read-only file system")
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)  # Tune's workers may still sit in it


def test_a_failed_start_leaves_nothing_and_the_corrected_command_runs(ray_local, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(table_search(run, table="no-such-table")) == 2
    one_line(capsys, "unknown score table 'no-such-table'")
    assert not run.exists()
    assert main(table_search(run, 4, "--gpus-per-worker", "1")) == 2  # Ray is up, the folder locked: then refused
    one_line(capsys, "no node of the Ray cluster has 1 GPU")
    assert not run.exists()
    write_run_file(run, SearchConfig(space="snasnet-forward", budget=3))  # what an older failed start left
    assert main(table_search(run, 4)) == 0
    assert len(pd.read_parquet(run)) == 4 and load_run(run)[1].budget == 4


# --- resume flags

STORED = SearchConfig(
    space="snasnet-forward",
    searcher="evolution",
    seed=3,
    budget=8,
    score=ScoreConfig(dataset="digits", preset="tiny", table=TABLE),
    searcher_options={"population": 8},
)


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--seed", "4"], "--seed"),
        (["--space", "snasnet-backward"], "--space"),
        (["--searcher", "random"], "--searcher"),
        (["--searcher-option", "population=9"], "--searcher-option"),
        (["--dataset", "synthetic"], "--dataset"),
        (["--preset", "small"], "--preset"),
        (["--batch-size", "32"], "--batch-size"),
        (["--repeat", "3"], "--repeat"),
        (["--timesteps", "3"], "--timesteps"),
        (["--table", "other.parquet"], "--table"),
        (["--layout", "channels_last"], "--layout"),
        (["--gram", "float32"], "--gram"),
        (["--seed", "4", "--dataset", "synthetic", "--budget", "9"], "cannot take --seed, --dataset:"),
    ],
)
def test_resume_refuses_flags_that_change_what_is_scored(tmp_path, capsys, flags, named):
    run = tmp_path / "run"
    write_run_file(run, STORED)
    before = (run / "_run.json").read_text()
    assert main(["search", "--resume", str(run), *flags]) == 2
    one_line(capsys, named)
    assert (run / "_run.json").read_text() == before


def test_resume_refuses_a_lower_budget_and_a_second_folder(tmp_path, capsys):
    run = tmp_path / "run"
    write_run_file(run, STORED)
    before = (run / "_run.json").read_text()
    assert main(["search", "--resume", str(run), "--budget", "4"]) == 2
    one_line(capsys, "the run's budget is 8; a resume can raise it, not lower it")
    assert main(["search", "--resume", str(run), "--out", str(tmp_path / "other")]) == 2
    one_line(capsys, "name two folders")
    assert (run / "_run.json").read_text() == before and not (tmp_path / "other").exists()


def test_every_search_option_is_taken_refused_or_no_setting_on_resume():
    dests = set(given_options([])) | set(vars(build_parser().parse_args(["search"]))) - {"command", "run"}
    assert dests == {*RESUME_TAKES, *RESUME_REFUSES, *RESUME_OTHER}


def test_resume_takes_flags_of_where_and_how_fast_and_the_run_own_settings():
    given = {
        "budget": 20,
        "workers": 3,
        "cells_per_trial": 1,
        "cpus_per_worker": 0.5,
        "gpus_per_worker": 0.25,
        "device": "cuda",
        "data_dir": "/data/digits",
        "address": "10.0.0.1:6379",
        # equal to the run's own settings
        "seed": 3,
        "searcher": "evolution",
        "searcher_option": ["population=8"],
        "timesteps": 5,
        "table": str(table_path(TABLE)),
        "objective": "synops",  # evolution has no objective: it changes nothing
    }
    assert set(given) <= {*RESUME_TAKES, *RESUME_REFUSES}
    config = resumed_config(STORED, given, Path("run"))
    assert (config.budget, config.workers, config.cells_per_trial) == (20, 3, 1)
    assert (config.cpus_per_worker, config.gpus_per_worker) == (0.5, 0.25)
    assert (config.score.device, config.score.data_dir) == ("cuda", "/data/digits")
    assert config.score.config_hash() == STORED.score.config_hash() and config.searcher_options == {"population": 8}
    with pytest.raises(UserError, match="--objective"):
        resumed_config(SearchConfig(searcher="nsga2", searcher_options={"objective": "firing_rate"}), given, Path("r"))
    with pytest.raises(UserError, match="budget must be an integer in 1..1,000,000,000, got 0"):
        resumed_config(STORED, {"budget": 0}, Path("run"))


# --- damaged files

DAMAGED_RUN_FILES = [
    b"",
    b'{"run_id": "a", "con',
    bytes(range(256)),
    b"[]",
    b'{"run_id": 1, "config": {}}',
    b'{"run_id": "a", "config": {"score": {}, "budgett": 3}}',
    b'{"run_id": "a", "config": {"score": {"batch_size": "x"}}}',
    b" " * (2**20 + 1),
]


@pytest.mark.parametrize("content", DAMAGED_RUN_FILES, ids=range(len(DAMAGED_RUN_FILES)))
@pytest.mark.parametrize("command", ["search", "train", "report"])
def test_a_damaged_run_file_gives_one_line(tmp_path, capsys, content, command):
    run = tmp_path / "run"
    run.mkdir()
    (run / "_run.json").write_bytes(content)
    ScoreStore(run).append([{"key": "0001 0000 0000 0000", "score": 1.0, "status": "ok", "seed": 0}])
    argv = {
        "search": ["search", "--resume", str(run)],
        "train": ["train", "--run", str(run), "--top-k", "1"],
        "report": ["report", str(run)],
    }[command]
    assert main(argv) == 2
    err = one_line(capsys, "damaged")
    assert "Traceback" not in err and len(err) < 400


@pytest.mark.parametrize("content", [b"", b"PAR1 not really parquet"])
def test_a_damaged_part_gives_one_line(tmp_path, capsys, content):
    run = tmp_path / "run"
    write_run_file(run, STORED)
    ScoreStore(run).append([{"key": "0001 0000 0000 0000", "score": 1.0, "status": "ok", "seed": 3}])
    (run / "scores-0-damaged.parquet").write_bytes(content)
    assert main(["train", "--run", str(run), "--top-k", "1"]) == 2
    one_line(capsys, "cannot read the store's part")
    assert main(["report", str(run)]) == 2
    one_line(capsys, "scores-0-damaged.parquet")


# --- attempts


def test_version_1_parts_read_as_first_attempts(tmp_path):
    run = tmp_path / "run"
    write_run_file(run, STORED)
    v1 = pa.schema([f for f in SCORE_SCHEMA if f.name != "attempt"])
    row = {"schema_version": 1, "key": "0001 0000 0000 0000", "seed": 3, "config_hash": "h", "status": "error"}
    pq.write_table(pa.Table.from_pylist([row], schema=v1), run / "scores-1.parquet")
    store = ScoreStore(run)
    store.append([{**row, "status": "ok", "score": 2.0, "attempt": 2}])
    assert store.read()["attempt"].tolist() == [1, 2]
    current = store.current()
    assert len(current) == 1 and current["score"][0] == 2.0 and store.index("h", 3)[row["key"]]["attempt"] == 2
    loaded = analysis.load_runs(run)
    assert len(loaded) == 1 and loaded["attempt"].tolist() == [2] and loaded["status"].tolist() == ["ok"]


def test_failed_cells_are_retried_by_resumes_up_to_the_attempt_limit(ray_local, tmp_path, capsys):
    full = pd.read_parquet(table_path(TABLE))
    table = tmp_path / "table.parquet"
    full.iloc[::3].to_parquet(table)  # two thirds of the cells fail to score
    run = tmp_path / "run"
    assert main(table_search(run, 8, table=table, seed=2)) == 0
    first = pd.read_parquet(run)
    failed = set(first.loc[first["status"] == "error", "key"])
    assert len(first) == 8 and failed and (first["attempt"] == 1).all()
    assert main(["search", "--resume", str(run)]) == 0
    assert f"{len(failed)} cell(s) failed to score" in capsys.readouterr().out
    full.to_parquet(table)  # the table is mended
    assert main(["search", "--resume", str(run)]) == 0
    assert "failed to score" not in capsys.readouterr().out
    assert main(["search", "--resume", str(run)]) == 0
    assert "(0 scored now)" in capsys.readouterr().out
    rows = pd.read_parquet(run)
    assert len(rows) == 8 + 2 * len(failed)
    assert rows.groupby("key")["attempt"].max().to_dict() == {k: 3 if k in failed else 1 for k in first["key"]}
    current = ScoreStore(run).current()
    assert len(current) == 8 and current["key"].is_unique and (current["status"] == "ok").all()
    assert sorted(current["order"]) == list(range(8))
    assert len(analysis.load_runs(run)) == 8


# --- a full disk


def test_a_failed_store_write_is_one_line_and_the_run_resumes(ray_local, tmp_path, capsys, monkeypatch):
    calls = []
    write_part = store_module.write_part

    def full_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_part(*args, **kwargs)

    monkeypatch.setattr(store_module, "write_part", full_once)
    run = tmp_path / "run"
    assert main(table_search(run, 8)) == 2
    err = one_line(capsys, "No space left on device")
    assert f"snasray search --resume {run.resolve()}" in err
    stored = pd.read_parquet(run)
    assert 0 < len(stored) < 8
    monkeypatch.setattr(store_module, "write_part", write_part)
    assert main(["search", "--resume", str(run)]) == 0
    assert f"({8 - len(stored)} scored now)" in capsys.readouterr().out
    table = pd.read_parquet(run)
    assert len(table) == 8 and table["key"].is_unique


def test_a_real_full_disk_is_one_line_and_the_run_resumes_once_space_is_freed(ray_local, tmp_path, capsys):
    mount = Path("/tmp/run-dir-tmpfs")
    mount.mkdir(exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        run = mount / "run"
        assert main(table_search(run, 60, "--cells-per-trial", "1")) == 2
        one_line(capsys, "No space left on device")
        stored = len(pd.read_parquet(run)) if score_part_files(run) else 0
        subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)
        assert main(["search", "--resume", str(run)]) == 0
        assert f"({60 - stored} scored now)" in capsys.readouterr().out
        table = pd.read_parquet(run)
        assert len(table) == 60 and table["key"].is_unique
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)  # Tune's workers may still sit in it
