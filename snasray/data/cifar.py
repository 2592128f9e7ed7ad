"""CIFAR-10 and CIFAR-100 through torchvision: train = official train minus its last 5,000, val = those 5,000."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torchvision import datasets

from snasray.data.specs import DataConfig, DataSpec, MissingDataError, data_root
from snasray.data.tensors import TensorImages, augmentation

VAL_SIZE = 5000


def _existence_only(base: type[datasets.CIFAR10]) -> type[datasets.CIFAR10]:
    """`base` with every batch file's md5 set to None, so torchvision's check only asks that the file exists.

    torchvision compares each pickled batch with the md5 of the official release, which rejects any
    re-pickled copy (the tests build one from the shared subset). A real download still verifies the
    archive's md5 (tgz_md5) before unpacking it; only an already unpacked folder goes unchecked.
    """
    body = {
        "train_list": [[name, None] for name, _ in base.train_list],
        "test_list": [[name, None] for name, _ in base.test_list],
        "meta": {**base.meta, "md5": None},
    }
    return type(base.__name__, (base,), body)


_SETS = {
    "cifar10": ("CIFAR-10", _existence_only(datasets.CIFAR10)),
    "cifar100": ("CIFAR-100", _existence_only(datasets.CIFAR100)),  # fine labels
}


def _files(cls: type[datasets.CIFAR10], root: Path) -> list[Path]:
    names = [name for name, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]
    return [root / cls.base_folder / name for name in names]


def _official(config: DataConfig, spec: DataSpec, train: bool) -> datasets.CIFAR10:
    title, cls = _SETS[spec.name]
    root = data_root(config)
    if not config.download and not all(path.is_file() for path in _files(cls, root)):
        raise MissingDataError(
            f"{title} not found in {root} (no {root / cls.base_folder}); "
            "pass --download to fetch it, or --data-dir to point at an existing copy"
        )
    try:
        return cls(str(root), train=train, download=config.download)
    except OSError as err:  # no network, refused, disk full: URLError is an OSError
        raise MissingDataError(
            f"could not download {title} into {root} ({err}); pass --data-dir to point at an existing copy"
        ) from err


def load_cifar(config: DataConfig, spec: DataSpec, split: str, augment: bool) -> TensorImages:
    official = _official(config, spec, train=split != "test")
    # torchvision parsed the pickles into HWC uint8; keep them as tensors and skip its per-item PIL round trip
    images, labels = official.data, np.asarray(official.targets)
    if split != "test":
        if len(images) <= VAL_SIZE:
            raise MissingDataError(
                f"the {spec.name} train set in {official.root} holds {len(images)} images, too few to hold out "
                f"{VAL_SIZE:,} for validation; point --data-dir at the full set"
            )
        part = slice(None, -VAL_SIZE) if split == "train" else slice(-VAL_SIZE, None)
        images, labels = images[part], labels[part]
    augment_fn = augmentation(spec) if augment else None
    return TensorImages(
        torch.from_numpy(images).permute(0, 3, 1, 2), torch.from_numpy(labels), spec, augment=augment_fn
    )
