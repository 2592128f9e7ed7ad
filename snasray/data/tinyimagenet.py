"""Tiny ImageNet through torchvision's ImageFolder, on DIR/tiny-imagenet-200/{train,val}.

Labels index the sorted wnid list (wnids.txt, else the class folders of train/), which is ImageFolder's own
order on the full set; a copy with fewer classes keeps the full set's ids, and a missing class folder is
allowed. val/ may be the official layout (val/images + val/val_annotations.txt) or sorted into val/<wnid>/.
The official test split has no labels, so "test" and "val" are both val/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import Dataset
from torchvision import datasets
from torchvision.datasets.folder import make_dataset
from torchvision.transforms import v2

from snasray.data.specs import DataConfig, DataSpec, MissingDataError, data_root
from snasray.data.tensors import augmentation, normalisation
from snasray.errors import UserError

FOLDER = "tiny-imagenet-200"
_ANNOTATIONS = "val_annotations.txt"


class _WnidFolder(datasets.ImageFolder):
    def __init__(self, root: Path, wnids: list[str], transform: v2.Transform) -> None:
        self._wnids = wnids
        super().__init__(str(root), transform=transform, allow_empty=True)

    def find_classes(self, directory: str) -> tuple[list[str], dict[str, int]]:
        return self._wnids, {wnid: i for i, wnid in enumerate(self._wnids)}

    @staticmethod
    def make_dataset(
        directory: str,
        class_to_idx: dict[str, int],
        extensions: tuple[str, ...] | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> list[tuple[str, int]]:
        folder = Path(directory)
        annotations = folder / _ANNOTATIONS
        if not ((folder / "images").is_dir() and annotations.is_file()):
            return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)
        # official val layout: one "file<TAB>wnid<TAB>box..." line per image in val/images
        samples = []
        for line in annotations.read_text().splitlines():
            name, wnid = line.split("\t")[:2]
            if wnid not in class_to_idx:
                raise UserError(f"{annotations} names class {wnid}, which is neither in wnids.txt nor in train/")
            samples.append((str(folder / "images" / name), class_to_idx[wnid]))
        return samples


def _wnids(root: Path) -> list[str]:
    listed = root / "wnids.txt"
    if listed.is_file():
        return sorted(line.strip() for line in listed.read_text().splitlines() if line.strip())
    return sorted(entry.name for entry in (root / "train").iterdir() if entry.is_dir())


def load_tinyimagenet(config: DataConfig, spec: DataSpec, split: str, augment: bool) -> Dataset:
    root = data_root(config) / FOLDER
    folder = root / ("train" if split == "train" else "val")
    if not (folder.is_dir() and (root / "train").is_dir()):
        raise MissingDataError(
            f"TinyImageNet not found in {root} (needs train/ and val/); unzip "
            "http://cs231n.stanford.edu/tiny-imagenet-200.zip into the data folder (--download fetches only CIFAR), "
            "or pass --data-dir to point at an existing copy"
        )
    wnids = _wnids(root)
    if len(wnids) > spec.num_classes:
        raise UserError(f"{root} lists {len(wnids)} classes; TinyImageNet has {spec.num_classes}")
    steps = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]
    if augment:
        steps.append(augmentation(spec))
    return _WnidFolder(folder, wnids, v2.Compose([*steps, normalisation(spec)]))
