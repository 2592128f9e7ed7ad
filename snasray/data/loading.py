"""Load a split of any data set by name, and draw the fixed image batches that score candidate cells."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import torch
from torch.utils.data import Dataset

from snasray.data.cifar import load_cifar
from snasray.data.events import load_events
from snasray.data.offline import load_cifar10_sample, load_cifar10_subset, load_digits, load_synthetic, subset_path
from snasray.data.specs import EVENT_DATASETS, SPLITS, DataConfig, DataSpec, data_root, input_spec
from snasray.data.tinyimagenet import load_tinyimagenet

Loader = Callable[[DataConfig, DataSpec, str, bool], Dataset]
_LOADERS: dict[str, Loader] = {
    "cifar10": load_cifar,
    "cifar100": load_cifar,
    "tinyimagenet": load_tinyimagenet,
    "cifar10-subset": load_cifar10_subset,
    "cifar10-sample": load_cifar10_sample,
    "digits": load_digits,
    "synthetic": load_synthetic,
    **dict.fromkeys(EVENT_DATASETS, load_events),
}


def load_split(config: DataConfig, split: str, augment: bool = False) -> Dataset:
    """Items are (float C x H x W normalised with the data set's mean and std, int label), or for an event
    set (float frames T x C x H x W of event counts, int label) with T = config.timesteps."""
    spec = input_spec(config)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    return _LOADERS[spec.name](config, spec, split, augment)


def score_batches(
    config: DataConfig, batch_size: int, repeat: int, seed: int, labels: bool = False
) -> list[torch.Tensor] | list[tuple[torch.Tensor, torch.Tensor]]:
    """`repeat` batches of B x C x H x W training images (B x T x C x H x W frames for event sets), unaugmented,
    chosen by a permutation seeded with `seed`; with ``labels=True`` each batch is (images, int64 labels (B)),
    for the proxies that take a loss.

    Batches are disjoint while the train split holds batch_size * repeat images; beyond that each batch is
    its own draw, so images recur across batches but never within one (a repeated image would make the
    score's kernel singular).
    """
    if batch_size < 1 or repeat < 1:
        raise ValueError(f"batch_size and repeat must be >= 1, got {batch_size} and {repeat}")
    train = load_split(config, "train")
    size = len(train)
    if batch_size > size:
        raise ValueError(f"batch_size {batch_size} exceeds the {size:,} images of the {config.name} train split")
    generator = torch.Generator().manual_seed(seed)
    if batch_size * repeat <= size:
        rows = torch.randperm(size, generator=generator)[: batch_size * repeat].view(repeat, batch_size)
    else:
        rows = torch.stack([torch.randperm(size, generator=generator)[:batch_size] for _ in range(repeat)])
    images = [torch.stack([train[int(i)][0] for i in row]) for row in rows]
    if not labels:
        return images
    targets = [torch.tensor([int(train[int(i)][1]) for i in row], dtype=torch.int64) for row in rows]
    return list(zip(images, targets, strict=True))


def with_absolute_location(config: DataConfig) -> DataConfig:
    """The same config with its data location made absolute, so that workers whose working directory
    differs (Ray Tune trials, Ray Train workers) read the same files."""
    if config.name == "cifar10-subset":
        return replace(config, data_dir=str(subset_path(config).resolve()))
    if config.name in ("cifar10", "cifar100", "tinyimagenet", *EVENT_DATASETS):
        return replace(config, data_dir=str(data_root(config).resolve()))
    return config
