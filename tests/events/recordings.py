"""Small synthetic event recordings in each data set's on-disk format, laid out as tonic expects a download.

Each recording is a short burst of events in a square whose corner depends on the label and that drifts
over time, so frames differ between classes and between timesteps. Files are tiny, but there are as many
as tonic's completeness checks ask for (10,000 N-MNIST .bin per split, 100 DVS Gesture .npy per split).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NMNIST_FILES = 10_000  # per split: tonic's NMNIST downloads unless its folder holds this many .bin files
GESTURE_USERS = 10  # 10 users x 11 gestures = 110 .npy per split (tonic's check: 100)


def events_xytp(label: int, side: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """x, y, t (microseconds, increasing), p of `count` events of one recording of class `label`."""
    t = np.sort(rng.integers(0, 100_000, count))
    corner = (label * 7) % max(side - 8, 1)
    drift = (t * 4 // 100_000).astype(np.int64)
    x = np.clip(corner + drift + rng.integers(0, 5, count), 0, side - 1)
    y = np.clip(corner + rng.integers(0, 5, count), 0, side - 1)
    p = (rng.random(count) < 0.5 + 0.04 * label).astype(np.int64)
    return x, y, t, p


def nmnist_bytes(x, y, t, p) -> bytes:
    """N-MNIST's 40-bit event: x (8 bits), y (8 bits), polarity (1 bit), timestamp in microseconds (23 bits)."""
    raw = np.zeros((len(x), 5), dtype=np.uint8)
    raw[:, 0], raw[:, 1] = x, y
    raw[:, 2] = (p << 7) | ((t >> 16) & 0x7F)
    raw[:, 3], raw[:, 4] = (t >> 8) & 0xFF, t & 0xFF
    return raw.tobytes()


def write_nmnist(root: Path, files: int = NMNIST_FILES, events: int = 12) -> Path:
    """root/NMNIST/{train,test}.zip (placeholders: tonic checks they exist) and {Train,Test}/<digit>/<n>.bin."""
    rng = np.random.default_rng(0)
    base = root / "NMNIST"
    for archive, folder in (("train.zip", "Train"), ("test.zip", "Test")):
        base.mkdir(parents=True, exist_ok=True)
        (base / archive).touch()
        for digit in range(10):
            (base / folder / str(digit)).mkdir(parents=True, exist_ok=True)
        for i in range(files):
            label = i % 10
            (base / folder / str(label) / f"{i:05d}.bin").write_bytes(
                nmnist_bytes(*events_xytp(label, 34, events, rng))
            )
    return root


def write_dvs_gesture(root: Path, users: int = GESTURE_USERS, events: int = 200) -> Path:
    """root/DVSGesture/ibmGesture{Train,Test}.tar.gz (placeholders) and ibmGesture*/user<NN>_led/<label>.npy,
    each an N x 4 array of x, y, polarity, t in milliseconds (tonic's preprocessed release)."""
    rng = np.random.default_rng(1)
    base = root / "DVSGesture"
    for part in ("Train", "Test"):
        base.mkdir(parents=True, exist_ok=True)
        (base / f"ibmGesture{part}.tar.gz").touch()
        for user in range(users):
            folder = base / f"ibmGesture{part}" / f"user{user + 1:02d}_led"
            folder.mkdir(parents=True, exist_ok=True)
            for label in range(11):
                x, y, t, p = events_xytp(label, 128, events, rng)
                x, y = x * 3 % 128, y * 3 % 128  # spread over the whole sensor
                np.save(folder / f"{label}.npy", np.stack([x, y, p, t // 1000], axis=1))
    return root


def write_cifar10_dvs_layout(root: Path, files: int = 1000) -> Path:
    """root/CIFAR10DVS/CIFAR10DVS.zip and <class>/<n>.aedat4 placeholders: the layout tonic checks, not
    readable recordings (AEDAT4 needs an encoder that no installed package provides)."""
    base = root / "CIFAR10DVS"
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    base.mkdir(parents=True, exist_ok=True)
    (base / "CIFAR10DVS.zip").touch()
    for i in range(files):
        folder = base / classes[i % 10]
        folder.mkdir(exist_ok=True)
        (folder / f"cifar10_{classes[i % 10]}_{i}.aedat4").touch()
    return root


def cifar10_dvs_events(label: int, rng: np.random.Generator, count: int = 200) -> np.ndarray:
    """One recording as tonic's CIFAR10DVS reader returns it: a structured array (t, x, y, p)."""
    dtype = np.dtype([("t", np.uint64), ("x", np.uint16), ("y", np.uint16), ("p", bool)])
    x, y, t, p = events_xytp(label, 128, count, rng)
    out = np.zeros(count, dtype=dtype)
    out["t"], out["x"], out["y"], out["p"] = t, x * 3 % 128, y * 3 % 128, p.astype(bool)
    return out
