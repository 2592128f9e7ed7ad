"""Compaction of the score store: every row kept, one file after it, crash safety, what concurrent readers see."""

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from snasray import analysis
from snasray.cli import main
from snasray.generations import GENERATIONS_DIR, SCORES_LINK, score_part_files
from snasray.search import SCORE_SCHEMA, ScoreStore
from snasray.search.store import SCHEMA_VERSION, compact_run

STEPS = ["cleaned", "written", "linked", "switched", "absorbed", "retired"]
SETTINGS = ("budget", "workers", "cells_per_trial", "cpus_per_worker", "gpus_per_worker")
RUN_JSON = json.dumps(
    {"run_id": "r", "config": {**dict.fromkeys(SETTINGS, 1), "score": {"batch_size": 8, "repeat": 1, "timesteps": 4}}}
)


def row(i, attempt=1, status="ok"):
    return {"key": f"k{i}", "seed": 0, "config_hash": "h", "score": float(i), "status": status, "attempt": attempt}


def make_run(path: Path, parts: int = 4, legacy: bool = False) -> Path:
    """A run with `parts` parts of two rows each (the cell k0 failed once and was scored again); with `legacy`,
    the first part is a version 1 part in the run directory itself, as earlier versions wrote them."""
    path.mkdir(parents=True)
    (path / "_run.json").write_text(RUN_JSON)
    if legacy:
        v1 = pa.schema([f for f in SCORE_SCHEMA if f.name not in ("attempt", "spikes_per_image", "layer_neurons")])
        first = {**row(0, status="error"), "schema_version": 1}
        pq.write_table(
            pa.Table.from_pylist([first, {**row(100), "schema_version": 1}], schema=v1), path / "scores-1.parquet"
        )
    store = ScoreStore(path)
    for p in range(parts):
        store.append([row(2 * p + 1), row(0, attempt=p + 2) if p == 0 else row(2 * p + 2)])
    return path


def snapshot(run: Path):
    store = ScoreStore(run)
    return store.read().drop(columns="timestamp"), store.current()["key"].tolist(), store.index("h", 0)


def assert_same(before, after):
    pd.testing.assert_frame_equal(before[0], after[0])
    assert before[1] == after[1]
    assert before[2].keys() == after[2].keys()
    assert all(before[2][k]["attempt"] == after[2][k]["attempt"] for k in before[2])


@pytest.mark.parametrize("legacy", [False, True])
def test_compaction_keeps_every_row_attempt_and_order(tmp_path, legacy):
    run = make_run(tmp_path / "run", legacy=legacy)
    before = snapshot(run)
    result = compact_run(run)
    assert result.parts == 4 + legacy and result.rows == len(before[0])
    assert_same(before, snapshot(run))
    assert len(score_part_files(run)) == 1 and not list(run.glob("scores-*.parquet"))
    assert before[2]["k0"]["attempt"] == 2 and before[2]["k0"]["status"] == "ok"
    plain = pd.read_parquet(run)
    assert len(plain) == len(before[0]) and sorted(plain.columns) == sorted(SCORE_SCHEMA.names)
    assert len(analysis.load_runs(run)) == len(before[1])
    ScoreStore(run).append([row(50)])  # a resume writes into the merged generation
    assert len(ScoreStore(run).read()) == len(before[0]) + 1 and len(pd.read_parquet(run)) == len(before[0]) + 1


def test_merged_file_carries_the_columns_of_every_version(tmp_path):
    run = make_run(tmp_path / "run", legacy=True)
    compact_run(run)
    plain = pd.read_parquet(run)
    assert {"attempt", "spikes_per_image", "layer_neurons", "proxy", "proxies"} <= set(plain.columns)
    assert sorted(plain["schema_version"].unique()) == [1, SCHEMA_VERSION]
    assert plain.loc[plain["schema_version"] == 1, "attempt"].isna().all()  # as written; readers count it attempt 1


def test_layout_after_compactions(tmp_path):
    run = make_run(tmp_path / "run")
    compact_run(run)
    ScoreStore(run).append([row(50)])
    compact_run(run)
    assert os.readlink(run / SCORES_LINK) == f"{GENERATIONS_DIR}/gen-000003"
    assert sorted(p.name for p in (run / GENERATIONS_DIR).iterdir()) == ["gen-000002", "gen-000003"]  # one retired
    assert compact_run(run).generation is None  # one part: nothing to do


def _compact_and_die(run: Path, step: str) -> subprocess.CompletedProcess:
    code = (
        "import os, signal, sys\n"
        "from snasray.search.store import compact_run\n"
        "def on_step(name):\n"
        "    if name == sys.argv[2]:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "compact_run(sys.argv[1], on_step)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    return subprocess.run([sys.executable, "-c", code, str(run), step], env=env, capture_output=True, timeout=120)


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("step", STEPS)
def test_a_compaction_killed_at_any_step_leaves_a_complete_store(tmp_path, step, legacy):
    run = make_run(tmp_path / "run", legacy=legacy)
    before = snapshot(run)
    rows = len(before[0])
    assert _compact_and_die(run, step).returncode == -9
    assert_same(before, snapshot(run))
    # plain pandas: complete, except in the stated window of a migration (root parts not yet removed: doubled)
    doubled = legacy and step in ("switched",)
    assert len(pd.read_parquet(run)) == (rows + 2 if doubled else rows)
    ScoreStore(run).append([row(60)])  # a search resumed on the killed compaction's store
    assert len(ScoreStore(run).read()) == rows + 1
    assert main(["compact", str(run)]) == 0  # repairs
    assert len(pd.read_parquet(run)) == rows + 1 and len(score_part_files(run)) == 1
    assert not (run / ".scores.new").exists() and not list(run.glob("scores-*.parquet"))
    assert len(list((run / GENERATIONS_DIR).iterdir())) == 2


def test_a_damaged_part_stops_compaction_and_changes_nothing(tmp_path, capsys):
    run = make_run(tmp_path / "run")
    (run / "scores" / "scores-0-damaged.parquet").write_bytes(b"PAR1 not parquet")
    link = os.readlink(run / SCORES_LINK)
    assert main(["compact", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scores-0-damaged.parquet" in err
    assert os.readlink(run / SCORES_LINK) == link and len(score_part_files(run)) == 5


def test_compact_is_refused_while_another_process_holds_the_run(tmp_path, capsys):
    run = make_run(tmp_path / "run")
    code = (
        "import sys\nfrom snasray.rundir import run_lock\n"
        "with run_lock(sys.argv[1]):\n    print('held', flush=True)\n    sys.stdin.read()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(run)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["compact", str(run)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "in use by another snasray process" in err
    finally:
        holder.communicate("", timeout=30)
    assert len(score_part_files(run)) == 4
    assert main(["compact", str(run)]) == 0 and len(score_part_files(run)) == 1


def test_compact_refuses_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["compact", str(tmp_path / "missing")]) == 2
    assert "is not a run directory" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()


def test_readers_during_compactions_see_one_generation_whole(tmp_path):
    """Readers run while parts are appended and compacted: every read that succeeds holds each written row once
        (never both generations, never neither); the package's reader never fails (it lists again when a part
    vanished); plain pandas may fail with FileNotFoundError in the stated window."""
    run = make_run(tmp_path / "run", parts=1)
    written = [2]  # rows written so far; only grows
    done = threading.Event()
    seen: dict[str, list] = {"pandas": [], "store": [], "errors": []}

    def read_loop():
        while not done.is_set():
            floor = written[0]
            for name, read in (("pandas", lambda: pd.read_parquet(run)), ("store", lambda: ScoreStore(run).read())):
                try:
                    frame = read()
                except (OSError, ValueError) as err:
                    seen["errors"].append((name, err))
                    continue
                seen[name].append((floor, len(frame), frame[["key", "attempt"]].duplicated().any()))

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        for i in range(12):
            for j in range(3):
                ScoreStore(run).append([row(1000 + 3 * i + j)])
                written[0] += 1
            ScoreStore(run).compact()
    finally:
        done.set()
        reader.join()
    for name in ("pandas", "store"):
        assert seen[name], f"no {name} read succeeded"
        for floor, rows, doubled in seen[name]:
            assert not doubled and floor <= rows <= written[0]
    for name, err in seen["errors"]:  # plain pandas: a part of the old generation opened after the switch
        assert name == "pandas" and (isinstance(err, FileNotFoundError) or "No such file" in str(err)), err


def test_a_run_copied_with_its_link_followed_reads_and_compacts(tmp_path):
    run = make_run(tmp_path / "run")
    compact_run(run)
    ScoreStore(run).append([row(70)])
    copy = Path(shutil.copytree(run, tmp_path / "copy"))  # follows the link: "scores" becomes a folder
    assert not (copy / SCORES_LINK).is_symlink()
    before = snapshot(copy)
    assert len(before[0]) == len(pd.read_parquet(copy)) == 9
    compact_run(copy)
    assert (copy / SCORES_LINK).is_symlink() and len(score_part_files(copy)) == 1
    assert_same(before, snapshot(copy))
    assert len(pd.read_parquet(copy)) == 9


def test_a_copied_run_killed_while_its_folder_is_moved_keeps_every_row(tmp_path):
    run = make_run(tmp_path / "run")
    copy = Path(shutil.copytree(run, tmp_path / "copy"))
    before = snapshot(copy)
    assert _compact_and_die(copy, "adopted").returncode == -9
    assert not (copy / SCORES_LINK).exists()  # the stated window: plain pandas sees no parts here
    assert_same(before, snapshot(copy))
    ScoreStore(copy).append([row(80)])
    assert main(["compact", str(copy)]) == 0
    assert len(pd.read_parquet(copy)) == len(before[0]) + 1 and len(score_part_files(copy)) == 1
