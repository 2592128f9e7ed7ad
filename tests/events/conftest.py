"""Session-wide synthetic recordings: N-MNIST and DVS Gesture in their on-disk layouts (read through tonic's
own classes), and CIFAR10-DVS as a frame cache written by the same binning and caching code."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from recordings import cifar10_dvs_events, write_cifar10_dvs_layout, write_dvs_gesture, write_nmnist  # noqa: E402

from snasray.data import DataConfig, input_spec  # noqa: E402
from snasray.data.events import bin_recording, cache_dir, write_cache  # noqa: E402


@pytest.fixture(scope="session")
def nmnist_root(tmp_path_factory):
    return write_nmnist(tmp_path_factory.mktemp("nmnist"))


@pytest.fixture(scope="session")
def gesture_root(tmp_path_factory):
    return write_dvs_gesture(tmp_path_factory.mktemp("gesture"))


def cifar10_dvs_cache(root: Path, timesteps: int = 5, downsample: int = 4, per_class: int = 20) -> Path:
    """Frame caches of both CIFAR10-DVS parts, from synthetic recordings in tonic's reader format."""
    rng = np.random.default_rng(2)
    for split in ("train", "test"):
        config = DataConfig(name="cifar10-dvs", data_dir=str(root), timesteps=timesteps, downsample=downsample)
        spec = input_spec(config)
        labels = [i % 10 for i in range(10 * per_class)]
        frames = (bin_recording(cifar10_dvs_events(label, rng), spec, config) for label in labels)
        shape = (timesteps, 2, spec.image_size, spec.image_size)
        write_cache(cache_dir(config, split), frames, labels, shape)
    return root


@pytest.fixture(scope="session")
def cifar10_dvs_root(tmp_path_factory):
    root = write_cifar10_dvs_layout(tmp_path_factory.mktemp("cifar10dvs"))
    return cifar10_dvs_cache(root)
