"""Connecting to Ray: an embedded local instance by default, a cluster with an address or RAY_ADDRESS."""

from __future__ import annotations

import os

from snasray.errors import UserError


def connect(address: str | None) -> None:
    import ray

    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    target = address or os.environ.get("RAY_ADDRESS")
    try:
        if target:
            ray.init(address=target, log_to_driver=False)
        else:
            ray.init(include_dashboard=False, log_to_driver=False, object_store_memory=512 * 2**20)
    except ConnectionError as err:
        raise UserError(f"cannot reach the Ray cluster at {target}: {err}".splitlines()[0]) from None


def worker_slots(config) -> int:
    """How many scoring workers the cluster holds at the config's resources per worker."""
    import ray

    resources = ray.cluster_resources()
    slots = int(resources.get("CPU", 1) // config.cpus_per_worker) if config.cpus_per_worker else 1
    if config.gpus_per_worker:
        slots = min(slots, int(resources.get("GPU", 0) // config.gpus_per_worker))
        if slots < 1:
            raise UserError(f"the cluster has no GPU for --gpus-per-worker {config.gpus_per_worker}")
    return max(slots, 1)
