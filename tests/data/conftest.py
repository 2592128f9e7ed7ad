"""Offline fixtures: the shared CIFAR-10 subset, CIFAR-style folders re-pickled from it, tiny Tiny ImageNets."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from snasray.data import DataSpec

# the loader's own default (../shared/data/ beside the project), unless SNASRAY_CIFAR10_SUBSET points elsewhere
_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "cifar10_subset.npz"
SUBSET = Path(os.environ.get("SNASRAY_CIFAR10_SUBSET", _SHARED))
CIFAR_TRAIN = 6000  # official train stand-in: 1,000 train + 5,000 val after the hold-out
TINY_WNIDS = ["n03", "n01", "n02"]  # wnids.txt order, deliberately unsorted
TINY_TRAIN, TINY_VAL = 4, 2  # images per class


@pytest.fixture(scope="session")
def subset_path() -> Path:
    if not SUBSET.is_file():  # CI lays ../shared beside the clone; a user's clone may have no copy of it
        message = f"the CIFAR-10 subset is not at {SUBSET} (set SNASRAY_CIFAR10_SUBSET)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return SUBSET


@pytest.fixture(scope="session")
def subset(subset_path) -> dict[str, np.ndarray]:
    with np.load(subset_path) as arrays:
        return {key: arrays[key] for key in arrays.files}


def _rows(images: np.ndarray) -> np.ndarray:
    """HWC uint8 images as CIFAR's rows of 3,072 bytes (all red, then green, then blue)."""
    return images.transpose(0, 3, 1, 2).reshape(len(images), -1)


def _dump(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(payload))


def _write_cifar10(root: Path, images: np.ndarray, labels: np.ndarray, test_images, test_labels, names) -> Path:
    folder = root / "cifar-10-batches-py"
    parts = np.array_split(np.arange(len(images)), 5)
    for k, part in enumerate(parts, start=1):
        batch = {"batch_label": f"batch {k}", "labels": labels[part].tolist(), "data": _rows(images[part])}
        _dump(folder / f"data_batch_{k}", batch)
    _dump(folder / "test_batch", {"batch_label": "test", "labels": test_labels.tolist(), "data": _rows(test_images)})
    _dump(folder / "batches.meta", {"label_names": list(names), "num_cases_per_batch": len(images) // 5})
    return root


def _cifar100_fine(labels: np.ndarray) -> np.ndarray:
    """Fine labels over 0..99 made from CIFAR-10 labels, so every image keeps a known label."""
    return labels.astype(np.int64) * 10 + np.arange(len(labels)) % 10


def _write_cifar100(root: Path, images, labels, test_images, test_labels) -> Path:
    folder = root / "cifar-100-python"
    for name, part, part_labels in (("train", images, labels), ("test", test_images, test_labels)):
        fine = _cifar100_fine(part_labels)
        entry = {"data": _rows(part), "fine_labels": fine.tolist(), "coarse_labels": (fine // 5).tolist()}
        _dump(folder / name, entry)
    meta = {"fine_label_names": [f"fine{i}" for i in range(100)], "coarse_label_names": [f"c{i}" for i in range(20)]}
    _dump(folder / "meta", meta)
    return root


@pytest.fixture(scope="session")
def cifar10_root(tmp_path_factory, subset) -> Path:
    train = slice(None, CIFAR_TRAIN)
    root = tmp_path_factory.mktemp("cifar10")
    return _write_cifar10(
        root, subset["x_train"][train], subset["y_train"][train], subset["x_val"], subset["y_val"], subset["classes"]
    )


@pytest.fixture(scope="session")
def cifar100_root(tmp_path_factory, subset) -> Path:
    train = slice(None, CIFAR_TRAIN)
    root = tmp_path_factory.mktemp("cifar100")
    return _write_cifar100(root, subset["x_train"][train], subset["y_train"][train], subset["x_val"], subset["y_val"])


def _tiny_colour(wnid: str) -> tuple[int, int, int]:
    """Each class gets its own flat colour, so a test can read the class back from the pixels."""
    k = int(wnid[1:])
    return (40 * k, 200 - 40 * k, 100)


def _png(path: Path, wnid: str, grey: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (64, 64), _tiny_colour(wnid))
    (image.convert("L") if grey else image).save(path)


def _write_tiny(root: Path, wnids: list[str], sorted_val: bool, listed: bool = True) -> Path:
    """A Tiny ImageNet folder in the official layout (val/images + annotations) or with val sorted by class."""
    base = root / "tiny-imagenet-200"
    base.mkdir(parents=True)
    if listed:
        (base / "wnids.txt").write_text("\n".join(wnids) + "\n")
    annotations = []
    for wnid in wnids:
        for k in range(TINY_TRAIN):
            _png(base / "train" / wnid / "images" / f"{wnid}_{k}.png", wnid, grey=k == 0)
        (base / "train" / wnid / f"{wnid}_boxes.txt").write_text(f"{wnid}_0.png\t0\t0\t63\t63\n")
        for k in range(TINY_VAL):
            name = f"val_{wnid}_{k}.png"
            if sorted_val:
                _png(base / "val" / wnid / name, wnid)
            else:
                _png(base / "val" / "images" / name, wnid)
                annotations.append(f"{name}\t{wnid}\t0\t0\t63\t63")
    if not sorted_val:
        (base / "val" / "val_annotations.txt").write_text("\n".join(annotations) + "\n")
    return root


@pytest.fixture
def make_cifar10(tmp_path, subset):
    """CIFAR-10 folder whose official train set holds the first `count` subset images."""

    def make(count: int) -> Path:
        x, y = subset["x_train"][:count], subset["y_train"][:count]
        return _write_cifar10(tmp_path, x, y, subset["x_val"][:10], subset["y_val"][:10], subset["classes"])

    return make


@pytest.fixture
def make_tiny(tmp_path):
    def make(wnids: list[str] = TINY_WNIDS, sorted_val: bool = False, listed: bool = True) -> Path:
        return _write_tiny(tmp_path / f"tiny{len(list(tmp_path.iterdir()))}", wnids, sorted_val, listed)

    return make


@pytest.fixture
def tiny_colour():
    return _tiny_colour


@pytest.fixture
def cifar100_fine():
    return _cifar100_fine


@pytest.fixture
def to_pixels():
    """Undo a spec's normalisation: float C x H x W back to integer pixels 0..max_value (HWC numpy)."""

    def undo(image: torch.Tensor, spec: DataSpec, max_value: float = 255.0) -> np.ndarray:
        mean, std = torch.tensor(spec.mean).view(-1, 1, 1), torch.tensor(spec.std).view(-1, 1, 1)
        pixels = ((image * std + mean) * max_value).round().to(torch.int64)
        return pixels.permute(1, 2, 0).numpy()

    return undo
