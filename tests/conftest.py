import os

import pytest

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_DEDUP_LOGS", "0")
os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")


def _start_ray():
    import ray

    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=512 * 2**20)
    return ray


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray instance shared by every test that needs Ray."""
    ray = _start_ray()
    yield ray
    ray.shutdown()


@pytest.fixture(autouse=True)
def _ray_local_running(request):
    """Start `ray_local`'s instance again for a test that takes it after a test that stopped Ray (a command's own
    Ray session, the bad-input suite)."""
    if "ray_local" in request.fixturenames:
        _start_ray()
