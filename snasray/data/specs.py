"""What a model needs to know about each data set, how to ask for one, and the error for missing data."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from snasray.errors import UserError

SPLITS = ("train", "val", "test")
_CIFAR10_MEAN, _CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


class MissingDataError(UserError):
    """A data set is not where it was looked for; the message says how to get it."""


@dataclass(frozen=True)
class DataSpec:
    name: str
    image_size: int  # square images, side in pixels
    in_channels: int
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]


@dataclass(frozen=True)
class DataConfig:
    name: str = "cifar10-sample"  # shipped in the package, so the default needs nothing beside it
    data_dir: str | None = None  # torchvision/ImageFolder root; for cifar10-subset the .npz or its folder
    download: bool = False  # only cifar10/cifar100 download, and only when True


_SPECS = {
    spec.name: spec
    for spec in (
        DataSpec("cifar10", 32, 3, 10, _CIFAR10_MEAN, _CIFAR10_STD),
        DataSpec("cifar100", 32, 3, 100, (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
        DataSpec("tinyimagenet", 64, 3, 200, (0.4802, 0.4481, 0.3975), (0.2302, 0.2265, 0.2262)),
        DataSpec("cifar10-subset", 32, 3, 10, _CIFAR10_MEAN, _CIFAR10_STD),
        DataSpec("cifar10-sample", 32, 3, 10, _CIFAR10_MEAN, _CIFAR10_STD),
        # load_digits().images / 16 over all 1,797 images: .mean() and .std(), rounded to 4 places
        DataSpec("digits", 8, 1, 10, (0.3053,), (0.3760,)),
        DataSpec("synthetic", 32, 3, 10, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    )
}
DATASET_NAMES: tuple[str, ...] = tuple(_SPECS)


def dataset_spec(name: str) -> DataSpec:
    try:
        return _SPECS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASET_NAMES)}") from None


def data_root(config: DataConfig) -> Path:
    """The folder that holds torchvision/ImageFolder sets: --data-dir, else $SNASRAY_DATA, else ./data."""
    return Path(config.data_dir or os.environ.get("SNASRAY_DATA", "data"))
