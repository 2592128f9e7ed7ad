"""A real two-node Ray cluster on this machine: `ray start --head` plus a second `ray start --address`, each
node with one CPU and its own custom resource, then `snasray search` submitted to it with RAY_ADDRESS.

The cluster lives in its own temp dir, on its own ports, with token authentication on (RAY_AUTH_MODE=token
and its own token file): the session's `ray_local` instance and ~/.ray are left alone. `ray stop` would stop
every Ray on the machine, so the cluster is stopped by process: every process of the `ray start` process
groups or naming the temp dir, with their children.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pandas as pd
import psutil

RAY = str(Path(sys.executable).with_name("ray"))
IP = "127.0.0.1"
BUDGET = 6
# One round of two trials of three cells. Tune reuses actors (reuse_actors=True): a trial whose actor is still
# starting takes the actor of a trial that just finished, on the other node, so trials of a few tenths of a
# second all run on whichever node started its worker first (the driver's node has prestarted workers). Trials
# of a few seconds outlast the other node's cold start, so each node runs one.
SLOW_ENOUGH = ("--preset", "small", "--batch-size", "64", "--repeat", "4")
# One line of JSON once both nodes are alive: node id -> its custom resource ("head" or "worker").
NODES_SCRIPT = """
import json, sys, time, ray
ray.init(address=sys.argv[1], log_to_driver=False)
deadline = time.time() + 60
while len(alive := [n for n in ray.nodes() if n["Alive"]]) < 2 and time.time() < deadline:
    time.sleep(0.5)
print(json.dumps({n["NodeID"]: sorted({"head", "worker"} & set(n["Resources"])) for n in alive}))
"""


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((IP, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def cluster_env(temp_dir: str, address: str | None = None) -> dict[str, str]:
    """Token authentication on, with the cluster's own token (made by `two_node_cluster`, not ~/.ray's)."""
    env = {k: v for k, v in os.environ.items() if k not in {"RAY_ADDRESS", "RAY_AUTH_TOKEN"}}
    env.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(Path(temp_dir) / "auth_token"))
    env.update(RAY_USAGE_STATS_ENABLED="0")
    if address:
        env["RAY_ADDRESS"] = address
    return env


def node_flags(resource: str, temp_dir: str) -> list[str]:
    """Flags every node gets: one CPU, its own resource and ports, the cluster's temp dir."""
    manager, objects, agent, agent_grpc, runtime_env, metrics = free_ports(6)
    return [
        f"--node-ip-address={IP}",
        "--num-cpus=1",
        f"--resources={json.dumps({resource: 1})}",
        f"--temp-dir={temp_dir}",
        f"--node-manager-port={manager}",
        f"--object-manager-port={objects}",
        f"--dashboard-agent-listen-port={agent}",
        f"--dashboard-agent-grpc-port={agent_grpc}",
        f"--runtime-env-agent-port={runtime_env}",
        f"--metrics-export-port={metrics}",
        "--min-worker-port=0",  # random worker ports, as ray.cluster_utils does
        "--max-worker-port=0",
        f"--object-store-memory={200 * 2**20}",
        "--disable-usage-stats",
    ]


def run_in_group(argv: list[str], groups: list[int], timeout: float, env: dict[str, str]):
    """Run a command in a new process group (recorded in `groups` for the clean-up) and wait for it."""
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    proc = subprocess.Popen(argv, env=env, start_new_session=True, **pipes)
    groups.append(proc.pid)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def cluster_processes(groups: list[int], temp_dir: str) -> set[psutil.Process]:
    found = set()
    for proc in psutil.process_iter(["cmdline"]):
        with suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(proc.pid) in groups or temp_dir in " ".join(proc.info["cmdline"] or []):
                found |= {proc, *proc.children(recursive=True)}
    found.discard(psutil.Process())
    return found


def stop_cluster(groups: list[int], temp_dir: str) -> set[psutil.Process]:
    """Terminate, then kill, every process of the cluster; return those still alive (none, normally)."""
    processes = cluster_processes(groups, temp_dir)
    for proc in processes:
        with suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(processes, timeout=3)
    for proc in alive:
        with suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=10)
    return {p for p in cluster_processes(groups, temp_dir) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE}


def check(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{' '.join(result.args)}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


@contextmanager
def two_node_cluster() -> Iterator[tuple[str, str, dict[str, list[str]], list[int]]]:
    """Yield the head's address, the temp dir, the alive nodes (id -> custom resources), the process groups."""
    temp_dir = tempfile.mkdtemp(prefix="snas2n-", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    groups: list[int] = []
    try:
        (Path(temp_dir) / "auth_token").write_text(secrets.token_hex(32))
        (port,) = free_ports(1)
        address = f"{IP}:{port}"
        head = [RAY, "start", "--head", f"--port={port}", "--include-dashboard=false"]
        check(run_in_group([*head, *node_flags("head", temp_dir)], groups, 60, cluster_env(temp_dir)))
        worker = [RAY, "start", f"--address={address}"]
        check(run_in_group([*worker, *node_flags("worker", temp_dir)], groups, 60, cluster_env(temp_dir)))
        query = [sys.executable, "-c", NODES_SCRIPT, address]
        nodes = check(run_in_group(query, groups, 90, cluster_env(temp_dir)))
        yield address, temp_dir, json.loads(nodes.stdout.strip().splitlines()[-1]), groups
    finally:
        left = stop_cluster(groups, temp_dir)
        shutil.rmtree(temp_dir, ignore_errors=True)
        assert not left, f"cluster processes still running: {sorted(p.pid for p in left)}"


def test_search_on_a_two_node_cluster_uses_both_nodes(tmp_path):
    out = tmp_path / "run"
    with two_node_cluster() as (address, temp_dir, nodes, groups):
        assert sorted(nodes.values()) == [["head"], ["worker"]]
        argv = [
            *(sys.executable, "-m", "snasray", "search", "--address", address),
            *("--searcher", "random", "--budget", str(BUDGET), "--seed", "5"),
            *("--dataset", "synthetic", *SLOW_ENOUGH),
            *("--workers", "2", "--cells-per-trial", str(BUDGET // 2), "--out", str(out)),
        ]
        search = check(run_in_group(argv, groups, 300, cluster_env(temp_dir, address)))
    assert f"{BUDGET}/{BUDGET} cells" in search.stdout
    table = pd.read_parquet(out)
    assert len(table) == BUDGET and table["key"].is_unique
    assert sorted(table["order"]) == list(range(BUDGET))
    assert (table["status"] == "ok").all() and table["score"].notna().all()
    assert set(table["node_id"]) == set(nodes), "trials did not run on both nodes"
