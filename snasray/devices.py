"""Device and storage checks made before any work starts, each failing in one line (UserError).

A local run needs its device on this machine (`check_device`, `check_gpus`). A run on a Ray cluster needs a node
with the resource, or an autoscaler that can add one, which it then waits for (`require_on_cluster`).
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from snasray.errors import UserError

DEVICE_TYPES = ("cpu", "cuda")
BOOTSTRAP_CONFIG = "~/ray_bootstrap_config.yaml"  # the cluster launcher's config on a head node (read by Tune too)
WAIT_POLL_S = 5.0
WAIT_REPORT_S = 30.0
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def check_local_out(out: str | Path | None, flag: str = "--out") -> None:
    """Refuse an output location with a URI scheme (s3://, gs://, ...): a run directory needs a local lock file
    and atomic renames, which object stores lack; a cluster shares one through a mounted file system (NFS, EFS)."""
    if out is not None and _URI.match(str(out)):
        raise UserError(
            f"{flag} {out}: a run directory needs a local lock file and atomic renames, which object stores lack;"
            " use a shared file system mounted on every node (NFS, EFS) and pass its path"
        )


def check_device(device: str, flag: str = "--device", local: bool = True) -> None:
    """Refuse a torch device string snasray cannot run on: not `cpu`, `cuda` or `cuda:N`; and, when `local`, a CUDA
    device this machine lacks (`check_gpus`). On a cluster (`local=False`) only the name is checked here."""
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.type not in DEVICE_TYPES:
        raise UserError(f"{flag} {device!r}: unknown device; snasray runs on cpu, cuda or cuda:N")
    if local and parsed.type == "cuda":
        check_gpus(1 if parsed.index is None else parsed.index + 1, f"{flag} {device}")


def check_gpus(needed: int, flag: str) -> None:
    """Refuse a local run that needs `needed` CUDA GPUs (>= 1) on this machine when torch sees fewer."""
    import torch

    if not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        raise UserError(f"{flag}: this machine has no CUDA GPU that torch can use (torch {torch.__version__}, {build})")
    found = torch.cuda.device_count()
    if found < needed:
        raise UserError(f"{flag}: needs {needed} GPU(s), this machine has {found}")


def gpus_needed(per_worker: float) -> int:
    """Whole GPUs one worker needs on one node: 0.25 -> 1, 2 -> 2."""
    return math.ceil(per_worker) if per_worker > 0 else 0


def scalable_node_types(resource: str, amount: float) -> list[str] | None:
    """Node types the cluster's autoscaler may add that hold `amount` of `resource` each; None when this driver
    cannot see the autoscaler's node types.

    Sources, as Ray 2.60 exposes them: the cluster config in the GCS (`ray._private.state.state.get_cluster_config`,
    reported by KubeRay and by autoscaler v2 providers; what Ray Train checks), else the cluster launcher's
    `~/ray_bootstrap_config.yaml` on the head node (`available_node_types` with declared resources and
    max_workers > 0; what Tune reads to tell a launcher cluster). Needs `ray.init` first.
    """
    import ray._private.state
    import yaml

    config = ray._private.state.state.get_cluster_config()
    if config is not None and config.node_group_configs:
        return [
            group.name
            for group in config.node_group_configs
            if group.resources.get(resource, 0) >= amount and group.max_count != 0
        ]
    path = Path(BOOTSTRAP_CONFIG).expanduser()
    if not path.is_file():
        return None
    types = (yaml.safe_load(path.read_text()) or {}).get("available_node_types") or {}
    return [
        name
        for name, spec in types.items()
        if float((spec.get("resources") or {}).get(resource, 0)) >= amount and int(spec.get("max_workers", 0)) > 0
    ]


def _slots(resource: str, amount: float) -> int:
    """How many bundles of `amount` `resource` the cluster's alive nodes hold now."""
    import ray

    return sum(int(n["Resources"].get(resource, 0) // amount) for n in ray.nodes() if n["Alive"])


def require_on_cluster(
    resource: str,
    amount: float,
    flag: str,
    count: int = 1,
    progress: Callable[[str], None] = _stderr,
    poll_s: float = WAIT_POLL_S,
) -> None:
    """On the connected Ray cluster, return once its alive nodes hold `count` bundles of `amount` `resource`.

    When they do not: refuse (UserError) if the autoscaler cannot add a node with it (`scalable_node_types`);
    otherwise ask the autoscaler for the bundles (`ray.autoscaler.sdk.request_resources`), report progress every
    30 s through `progress`, and withdraw the request once they are there (or on any exit).
    """
    from ray.autoscaler.sdk import request_resources

    if _slots(resource, amount) >= count:
        return
    types = scalable_node_types(resource, amount)
    if not types:
        source = "reports no node types" if types is None else "has no node type with it"
        raise UserError(
            f"{flag}: no node of the Ray cluster has {amount:g} {resource} and its autoscaler {source}"
            " that could add one"
        )
    request_resources(bundles=[{resource: amount}] * count)
    start = last = time.monotonic()
    progress(f"waiting for the autoscaler to add a node with {resource} ({', '.join(types)}) for {flag}")
    try:
        while _slots(resource, amount) < count:
            time.sleep(poll_s)
            if time.monotonic() - last >= WAIT_REPORT_S:
                last = time.monotonic()
                progress(f"  still waiting for a node with {resource}: {last - start:.0f} s")
    finally:
        request_resources(bundles=[])


def _local_run(address: str | None) -> bool:
    """True when Ray is not initialised and `address` (else RAY_ADDRESS, else `ray start`'s file) names no cluster."""
    import ray

    from snasray.search.cluster import cluster_address

    return not ray.is_initialized() and cluster_address(address) is None


def check_search_devices(device: str, gpus_per_worker: float, address: str | None) -> None:
    """Before a search writes or starts anything: the device name, and on a local run the GPUs it needs here."""
    local = _local_run(address)
    check_device(device, local=local)
    if local and gpus_per_worker > 0:
        check_gpus(gpus_needed(gpus_per_worker), f"--gpus-per-worker {gpus_per_worker:g}")


def require_search_devices(device: str, gpus_per_worker: float) -> None:
    """Once connected: a node with the GPU a search worker needs (`require_on_cluster`); CPU searches pass."""
    if gpus_per_worker > 0:
        require_on_cluster("GPU", gpus_per_worker, f"--gpus-per-worker {gpus_per_worker:g}")
    elif device != "cpu":
        require_on_cluster("GPU", 1, f"--device {device}")


def check_train_devices(use_gpu: bool, workers: int, address: str | None) -> None:
    """Before a training starts anything: on a local run, `--gpu` needs one GPU per worker on this machine."""
    if use_gpu and _local_run(address):
        check_gpus(workers, "--gpu")


def require_train_devices(use_gpu: bool, workers: int) -> None:
    """Once connected: `--gpu` needs a GPU per worker on the cluster's nodes (`require_on_cluster`)."""
    if use_gpu:
        require_on_cluster("GPU", 1, "--gpu", count=workers)
