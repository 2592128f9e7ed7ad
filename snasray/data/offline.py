"""Data sets that need no download: the CIFAR-10 sample shipped in the package, the shared CIFAR-10 subset,
scikit-learn's digits, synthetic images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from snasray.data.specs import DataConfig, DataSpec, MissingDataError
from snasray.data.tensors import TensorImages, augmentation

SAMPLE_PATH = Path(__file__).resolve().parent / "embedded" / "cifar10_sample.npz"  # see embedded/README.md
SUBSET_FILE = "cifar10_subset.npz"
_SUBSET_DEFAULT = f"../shared/data/{SUBSET_FILE}"  # from the project's root
_DIGITS_TEST, _DIGITS_VAL = 360, 180
_SYNTHETIC_SIZES = {"train": 1000, "val": 200, "test": 200}


def subset_path(config: DataConfig) -> Path:
    """--data-dir (the .npz or a folder holding it), else $SNASRAY_CIFAR10_SUBSET, else ../shared/data/."""
    if config.data_dir:
        path = Path(config.data_dir)
        return path / SUBSET_FILE if path.is_dir() else path
    return Path(os.environ.get("SNASRAY_CIFAR10_SUBSET", _SUBSET_DEFAULT))


def _npz_images(path: Path, spec: DataSpec, split: str, augment: bool) -> TensorImages:
    """x_train/y_train for "train", x_val/y_val for "val" and "test" (such files hold no CIFAR-10 test image)."""
    part = "train" if split == "train" else "val"
    with np.load(path) as arrays:
        images = torch.from_numpy(arrays[f"x_{part}"]).permute(0, 3, 1, 2)  # HWC -> CHW
        labels = torch.from_numpy(arrays[f"y_{part}"])
    return TensorImages(images, labels, spec, augment=augmentation(spec) if augment else None)


def load_cifar10_sample(config: DataConfig, spec: DataSpec, split: str, augment: bool) -> TensorImages:
    """The CIFAR-10 sample inside the package: train 1,000 images, val 200, class-balanced (100 and 20 per class).

    Drawn from the subset's x_train and x_val (benchmarks/make_cifar10_sample.py), so it holds no image of
    CIFAR-10's test set either: "test" is its val split. It needs no data_dir and ignores one.
    """
    if not SAMPLE_PATH.is_file():
        raise MissingDataError(f"cifar10-sample not found at {SAMPLE_PATH}; this snasray install lacks its data files")
    return _npz_images(SAMPLE_PATH, spec, split, augment)


def load_cifar10_subset(config: DataConfig, spec: DataSpec, split: str, augment: bool) -> TensorImages:
    """The class-balanced CIFAR-10 subset: train = x_train (10,000), val = x_val (2,000).

    The subset has no test split (nothing of CIFAR-10's test set is in it), so "test" is x_val as well.
    """
    path = subset_path(config)
    if not path.is_file():
        raise MissingDataError(
            f"cifar10-subset not found at {path}; "
            f"set SNASRAY_CIFAR10_SUBSET or pass --data-dir to point at {SUBSET_FILE}"
        )
    return _npz_images(path, spec, split, augment)


def load_digits(config: DataConfig, spec: DataSpec, split: str, augment: bool) -> TensorImages:
    """UCI digits (8 x 8, values 0..16), one fixed stratified split: test 360, val 180, train the other 1,257."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    index = np.arange(len(digits.target))
    rest, test = train_test_split(index, test_size=_DIGITS_TEST, stratify=digits.target, random_state=0)
    train, val = train_test_split(rest, test_size=_DIGITS_VAL, stratify=digits.target[rest], random_state=0)
    chosen = {"train": train, "val": val, "test": test}[split]
    images = torch.from_numpy(digits.images[chosen].astype(np.uint8)).unsqueeze(1)
    labels = torch.from_numpy(digits.target[chosen])
    # a one-pixel shift is already large on 8 x 8, and mirrored digits are other symbols: no flip
    augment_fn = augmentation(spec, padding=1, flip=False) if augment else None
    return TensorImages(images, labels, spec, max_value=16.0, augment=augment_fn)


def load_synthetic(config: DataConfig, spec: DataSpec, split: str, augment: bool) -> TensorImages:
    """Uniform random pixels from a generator seeded per split, labels cycling through the classes."""
    size = _SYNTHETIC_SIZES[split]
    generator = torch.Generator().manual_seed(list(_SYNTHETIC_SIZES).index(split))
    shape = (size, spec.in_channels, spec.image_size, spec.image_size)
    images = torch.randint(0, 256, shape, generator=generator, dtype=torch.uint8)
    labels = torch.arange(size) % spec.num_classes
    return TensorImages(images, labels, spec, augment=augmentation(spec) if augment else None)
