"""How snasray finds Ray, refuses an address that does not answer, and leaves the process as it found it.

The `ray start` cluster here is discoverable the way Ray discovers one: its address file lies in Ray's default temp
dir, which RAY_TMPDIR moves to a temporary folder for the cluster and for the search, so the machine-wide
/tmp/ray/ray_current_cluster is never read or written.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from local_ray import IP, RAY, check, cluster_env, free_ports, node_flags, run_in_group, stop_cluster

from snasray.errors import UserError
from snasray.search.cluster import QUIET_ENVIRONMENT, QUIET_LOGGERS, check_address, ray_session, ray_settings

SEARCH = [sys.executable, "-m", "snasray", "search", "--budget", "2", "--seed", "1"]
FAST = ["--dataset", "synthetic", "--batch-size", "16", "--repeat", "1", "--workers", "1", "--cells-per-trial", "2"]
RAY_START_LINES = ("Started a local Ray instance", "Connecting to existing Ray cluster", "Token authentication")
MACHINE_ADDRESS_FILE = Path("/tmp/ray/ray_current_cluster")

# A user's own Tune run after run_search in one process (a notebook): run_search starts and stops its own Ray.
USER_TUNE_AFTER_SEARCH = """
import json, logging, os, sys
from pathlib import Path
import ray
from ray import tune
from snasray.score import ScoreConfig
from snasray.search import SearchConfig, run_search

out = Path(sys.argv[1])
environment = dict(os.environ)
levels = {name: logging.getLogger(name).level for name in ("ray", "ray.tune", "ray.train")}
score = ScoreConfig(dataset="synthetic", batch_size=16, repeat=1)
outcome = run_search(SearchConfig(budget=2, seed=1, score=score, workers=1, cells_per_trial=2), out / "search",
                     progress=False)
report = {"rows": len(outcome.table), "ray_left_running": ray.is_initialized(),
          "environment_changed": sorted(set(os.environ.items()) ^ set(environment.items())),
          "levels_same": levels == {name: logging.getLogger(name).level for name in levels}}

def objective(config):
    tune.report({"loss": config["x"] ** 2})

grid = tune.Tuner(objective, param_space={"x": tune.grid_search([1, 2])},
                  run_config=tune.RunConfig(storage_path=str(out / "mine"), name="mine", verbose=0)).fit()
frame = grid.get_dataframe()
report["losses"] = sorted(frame["loss"]) if "loss" in frame else []
report["trial_files"] = [sorted(p.name for p in Path(result.path).iterdir()) for result in grid]
print("REPORT " + json.dumps(report))
"""


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1, f"rc {result.returncode}\n{result.stderr}"
    assert lines[0].startswith("snasray: error: ")
    return lines[0]


def test_unreachable_address_is_one_line_before_anything_is_written(tmp_path):
    out = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    argv = [*SEARCH, *FAST, "--address", "127.0.0.1:1", "--out", str(out)]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert "no Ray cluster answers at 127.0.0.1:1" in _one_error_line(result)
    assert result.stdout == "" and not out.exists()


@pytest.fixture
def ray_tmpdir(tmp_path, monkeypatch):
    """Ray's default temp dir moved to tmp_path/ray (RAY_TMPDIR), with no RAY_ADDRESS."""
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    (tmp_path / "ray").mkdir()
    return tmp_path / "ray"


def test_no_address_and_no_cluster_means_a_private_instance(ray_tmpdir):
    assert check_address(None) is None


def test_a_stale_address_file_of_ray_start_is_one_line_naming_it(ray_tmpdir):
    (port,) = free_ports(1)
    (ray_tmpdir / "ray_current_cluster").write_text(f"{IP}:{port}")
    with pytest.raises(UserError, match=f"`ray start` left in {ray_tmpdir / 'ray_current_cluster'}"):
        check_address(None)


@pytest.mark.parametrize("address", ["not an address", "127.0.0.1:notaport"])
def test_malformed_addresses_are_refused(address, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(UserError, match="Ray address"):
        check_address(address)


def test_ray_address_variable_is_probed_like_the_flag(ray_tmpdir, monkeypatch):
    (port,) = free_ports(1)
    monkeypatch.setenv("RAY_ADDRESS", f"{IP}:{port}")
    with pytest.raises(UserError, match=f"no Ray cluster answers at {IP}:{port} .*RAY_ADDRESS"):
        check_address(None)


def test_search_attaches_to_the_cluster_ray_start_made_and_leaves_it_running(tmp_path):
    """`ray start --head` (token authentication on by its token file, as Ray does on its own), then
    `snasray search` with no address: it joins that cluster, as `ray.init()` would, and only disconnects."""
    machine_file = MACHINE_ADDRESS_FILE.read_bytes() if MACHINE_ADDRESS_FILE.exists() else None
    base = tempfile.mkdtemp(prefix="ray-connect-", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    temp_dir = str(Path(base) / "ray")
    # no OOM killing of a scoring worker on a busy test machine: this test is about which Ray the search joins
    env = cluster_env(base, auth_mode=None, RAY_TMPDIR=base, RAY_memory_monitor_refresh_ms="0")
    groups: list[int] = []
    out = tmp_path / "run"
    try:
        (Path(base) / "auth_token").write_text(secrets.token_hex(32))
        (port,) = free_ports(1)
        head = [RAY, "start", "--head", f"--port={port}", "--include-dashboard=false", *node_flags("head", temp_dir)]
        check(run_in_group(head, groups, 180, env))
        assert (Path(temp_dir) / "ray_current_cluster").read_text().endswith(f":{port}")
        search = run_in_group([*SEARCH, *FAST, "--out", str(out)], groups, 300, env)
        check(search)
        with socket.create_connection((IP, port), timeout=5):  # the cluster still runs
            pass
        sessions = sorted(p.name for p in Path(temp_dir).glob("session_2*"))
    finally:
        left = stop_cluster(groups, temp_dir)
        shutil.rmtree(base, ignore_errors=True)
        assert not left, f"cluster processes still running: {sorted(p.pid for p in left)}"
    assert len(sessions) == 1, f"the search started its own Ray instead of joining: {sessions}"
    table = pd.read_parquet(out)
    assert len(table) == 2 and (table["status"] == "ok").all() and table["node_id"].nunique() == 1
    assert "2/2 cells" in search.stdout
    assert not any(line in search.stdout + search.stderr for line in RAY_START_LINES), search.stderr
    assert (MACHINE_ADDRESS_FILE.read_bytes() if MACHINE_ADDRESS_FILE.exists() else None) == machine_file


def test_a_users_tune_run_after_run_search_has_results_and_trial_files(tmp_path):
    quiet = set(QUIET_ENVIRONMENT) | {"RAY_ADDRESS"}
    env = {k: v for k, v in os.environ.items() if k not in quiet}
    argv = [sys.executable, "-c", USER_TUNE_AFTER_SEARCH, str(tmp_path)]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.split("REPORT ", 1)[1])
    assert report["rows"] == 2 and not report["ray_left_running"]
    assert report["environment_changed"] == [] and report["levels_same"]
    assert report["losses"] == [1, 4]
    assert all({"params.json", "result.json", "progress.csv"} <= set(files) for files in report["trial_files"])


def test_ray_settings_restore_the_environment_and_loggers(monkeypatch):
    monkeypatch.setenv("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "0")  # the user's own choice is kept
    monkeypatch.delenv("RAY_AIR_NEW_OUTPUT", raising=False)
    tune_logger = logging.getLogger("ray.tune")
    monkeypatch.setattr(tune_logger, "level", logging.DEBUG)  # restored after the test
    environment = dict(os.environ)
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    with ray_settings():
        assert os.environ["TUNE_DISABLE_AUTO_CALLBACK_LOGGERS"] == "0" and os.environ["RAY_AIR_NEW_OUTPUT"] == "0"
        assert logging.getLogger("ray.tune").level == logging.ERROR
        os.environ["RAY_AUTH_MODE"] = "token"  # as ray.init does
        os.environ.pop("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS")
        with ray_settings():
            logging.getLogger("ray").setLevel(logging.CRITICAL)
    assert dict(os.environ) == environment
    assert {name: logging.getLogger(name).level for name in QUIET_LOGGERS} == levels


def test_a_ray_the_caller_started_is_used_and_left_running(ray_local):
    with ray_session("127.0.0.1:1") as connected:  # an initialised Ray wins over any address, as ray.init's callers do
        assert not connected
    assert ray_local.is_initialized()
