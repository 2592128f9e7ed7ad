"""Connecting to Ray as `ray.init()` does, and the process-wide settings a search or a training needs.

Which Ray: the cluster `--address` (or RAY_ADDRESS) names; else the cluster this machine joined with `ray start`
(Ray's address file, <Ray temp dir>/ray_current_cluster, usually /tmp/ray/ray_current_cluster); else a private
local instance. An address that does not answer is refused in one line within `PROBE_SECONDS`, before Ray starts.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from snasray.errors import UserError

PROBE_SECONDS = 5.0  # TCP connect timeout when checking that a cluster's GCS port answers
LOCAL_OBJECT_STORE_BYTES = 512 * 2**20  # the private local instance's object store
# Set (when unset) while a search or training runs, restored after: no usage report, Tune's per-trial loggers
# and tables off (the progress line replaces them).
QUIET_ENVIRONMENT = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1",
    "RAY_AIR_NEW_OUTPUT": "0",
}
# Logger levels while a search or training runs, restored after. "ray" is also set by `ray.init`.
# The store, not Tune's experiment state, is what a resume reads: a failure to save the latter (a full disk) is
# reported once, by the search, as one line.
QUIET_LOGGERS = {
    "ray": logging.WARNING,
    "ray.tune": logging.ERROR,
    "ray.tune.execution.experiment_state": logging.CRITICAL,
    "ray.train": logging.WARNING,
}


@contextmanager
def quiet_ray_logs(level: int = logging.ERROR) -> Iterator[None]:
    """Raise the "ray" logger to `level` for the block (Ray's start-up lines are INFO and WARNING), then restore it."""
    logger = logging.getLogger("ray")
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def cluster_address(address: str | None = None) -> str | None:
    """The cluster `ray.init(address=address)` would join, or None when it would start a private local instance.

    Ray's own resolution (`ray._private.services.canonicalize_bootstrap_address`): `address`, else RAY_ADDRESS,
    else the address file that `ray start` wrote in Ray's temp dir; "auto" also finds any GCS process of this
    machine. Returns "host:port" (a `ray://host:port` client address as given). Reads no network.

    Raises UserError: a malformed address, or "auto" with no Ray cluster on this machine.
    """
    from ray._private import services

    target = address or os.environ.get("RAY_ADDRESS") or None
    if target and target.startswith("ray://"):
        return target
    try:
        with quiet_ray_logs():
            return services.canonicalize_bootstrap_address(target)
    except (ConnectionError, ValueError) as err:
        raise UserError(f"Ray address {target!r}: {str(err).splitlines()[0]}") from None


def check_address(address: str | None = None, timeout: float = PROBE_SECONDS) -> str | None:
    """Resolve `address` as `ray.init` would (`cluster_address`) and, when it names a cluster, check that its GCS port
    accepts a TCP connection within `timeout` s. Starts nothing, writes nothing; call it before a run writes.

    Returns the cluster's "host:port" (or `ray://` address), or None for a private local instance.
    Raises UserError (one line): malformed address, nothing listening there, or a stale address file of `ray start`.
    """
    from ray._common.utils import get_ray_address_file
    from ray._private.services import parse_address

    target = cluster_address(address)
    if target is None:
        return None
    given = address or os.environ.get("RAY_ADDRESS")
    parsed = parse_address(target.removeprefix("ray://"))
    if parsed is None or not parsed[1].isdigit():
        raise UserError(f"Ray address {given or target!r} is not HOST:PORT")
    try:
        with socket.create_connection((parsed[0], int(parsed[1])), timeout=timeout):
            return target
    except OSError as err:
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
    if given is None:
        raise UserError(
            f"no Ray cluster answers at {target} ({reason}), the address `ray start` left in"
            f" {get_ray_address_file(None)}: start that cluster again, pass --address, or delete that file"
        )
    raise UserError(f"no Ray cluster answers at {given} ({reason}); check --address or RAY_ADDRESS")


def connect(address: str | None = None) -> bool:
    """Connect this process to Ray: the cluster `address` names (or RAY_ADDRESS, or the one this machine joined with
    `ray start`, as `ray.init()` finds it), else a private local instance with a 512 MiB object store.

    Nothing is written and no Ray process starts before the cluster's GCS port has answered (`check_address`).
    Ray's start-up lines (token-authentication notice, "Started a local Ray instance") stay off the terminal; the
    "ray" logger is left at WARNING (`ray_settings` restores it). Returns True when this call connected (the caller
    owns the `ray.shutdown()`), False when Ray was already initialised in this process (left as it is).

    Raises UserError (one line): unreachable or malformed address, failed authentication, a cluster that refuses.
    """
    import ray
    from ray.exceptions import AuthenticationError

    if ray.is_initialized():
        return False
    target = check_address(address)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        if target is None:
            ray.init(
                include_dashboard=False,
                log_to_driver=False,
                object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                logging_level=logging.ERROR,
            )
        elif target.startswith("ray://"):
            with quiet_ray_logs():
                ray.init(address=target, log_to_driver=False)
        else:  # as given, so that Ray applies its own rules (token authentication of a discovered cluster)
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except (ConnectionError, AuthenticationError, RuntimeError, ValueError) as err:
        hint = ""
        if target and os.environ.get("RAY_AUTH_MODE", "").lower() != "token":
            hint = " (a cluster with token authentication needs RAY_AUTH_MODE=token and its token here)"
        where = target or "a new local instance"
        raise UserError(f"cannot connect to Ray at {where}: {_first_line(err)}{hint}") from None
    logging.getLogger("ray").setLevel(logging.WARNING)
    return True


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _logger_state(name: str) -> tuple:
    logger = logging.getLogger(name)
    return logger, logger.level, logger.propagate, list(logger.handlers), [h.formatter for h in logger.handlers]


@contextmanager
def ray_settings() -> Iterator[None]:
    """Snasray's process-wide settings for Ray, Tune and Train during the block; on exit every environment variable
    and the "ray", "ray.tune", "ray.train" loggers are as they were before (whatever Ray changed meanwhile too,
    such as RAY_AUTH_MODE, which `ray.init` sets).

    Sets, only where unset: `QUIET_ENVIRONMENT`. Sets the logger levels `QUIET_LOGGERS`. Nests.
    """
    environment = dict(os.environ)
    loggers = [_logger_state(name) for name in QUIET_LOGGERS]
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield
    finally:
        for key in set(os.environ) - set(environment):
            del os.environ[key]
        for key, value in environment.items():
            if os.environ.get(key) != value:
                os.environ[key] = value
        for logger, level, propagate, handlers, formatters in loggers:
            logger.setLevel(level)
            logger.propagate = propagate
            logger.handlers[:] = handlers
            for handler, formatter in zip(handlers, formatters, strict=True):
                handler.setFormatter(formatter)


@contextmanager
def ray_session(address: str | None = None) -> Iterator[bool]:
    """Ray for one search or training: `ray_settings()` and `connect(address)`; on exit, `ray.shutdown()` when this
    session connected (a Ray the caller had initialised is left running), then the settings are restored.

    Yields whether this session connected. Raises UserError as `connect` does, with the settings restored.
    """
    import ray

    with ray_settings():
        connected = connect(address)
        try:
            yield connected
        finally:
            if connected:
                ray.shutdown()


def worker_slots(config) -> int:
    """How many scoring workers the cluster holds at the config's resources per worker (at least 1)."""
    import ray

    resources = ray.cluster_resources()
    slots = int(resources.get("CPU", 1) // config.cpus_per_worker) if config.cpus_per_worker else 1
    if config.gpus_per_worker:
        slots = min(slots, int(resources.get("GPU", 0) // config.gpus_per_worker))
    return max(slots, 1)
