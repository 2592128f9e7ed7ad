"""A real two-node Ray cluster on this machine: `ray start --head` plus a second `ray start --address`, each
node with one CPU and its own custom resource, then `snasray search` submitted to it with RAY_ADDRESS.

The cluster lives in its own temp dir, on its own ports, with token authentication on (RAY_AUTH_MODE=token
and its own token file): the session's `ray_local` instance and ~/.ray are left alone. `ray stop` would stop
every Ray on the machine, so the cluster is stopped by process: every process of the `ray start` process
groups or naming the temp dir, with their children.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from local_ray import IP, RAY, check, cluster_env, free_ports, node_flags, run_in_group, stop_cluster

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
