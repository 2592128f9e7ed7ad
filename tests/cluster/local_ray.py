"""Local Ray clusters for tests: `ray start` nodes on their own ports, in their own temp dir, with their own token.

`ray stop` would stop every Ray on the machine, so a cluster is stopped by process: every process of the
`ray start` process groups or naming the temp dir, with their children.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

import psutil

RAY = str(Path(sys.executable).with_name("ray"))
IP = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((IP, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def cluster_env(temp_dir: str, address: str | None = None, auth_mode: str | None = "token", **extra: str) -> dict:
    """The cluster's own token (TEMP_DIR/auth_token, not ~/.ray's); token authentication on by RAY_AUTH_MODE, or with
    `auth_mode=None` as Ray turns it on by itself when a token is there. `extra`: more environment variables."""
    env = {k: v for k, v in os.environ.items() if k not in {"RAY_ADDRESS", "RAY_AUTH_TOKEN", "RAY_AUTH_MODE"}}
    env.update(RAY_AUTH_TOKEN_PATH=str(Path(temp_dir) / "auth_token"), RAY_USAGE_STATS_ENABLED="0", **extra)
    if auth_mode:
        env["RAY_AUTH_MODE"] = auth_mode
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
