"""In-memory image sets: an integer tensor N x C x H x W, scaled and normalised item by item (no PIL)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils.data import Dataset
from torchvision.transforms import v2

from snasray.data.specs import DataSpec

Augment = Callable[[torch.Tensor], torch.Tensor]


def augmentation(spec: DataSpec, padding: int = 4, flip: bool = True) -> Augment:
    """The paper's training augmentation: random crop of the full size after zero padding, then a mirror."""
    steps: list[v2.Transform] = [v2.RandomCrop(spec.image_size, padding=padding)]
    if flip:
        steps.append(v2.RandomHorizontalFlip())
    return v2.Compose(steps)


def normalisation(spec: DataSpec) -> v2.Transform:
    return v2.Normalize(spec.mean, spec.std)


class TensorImages(Dataset[tuple[torch.Tensor, int]]):
    """(float C x H x W normalised with the spec's mean/std, int label) from raw pixels held in memory.

    Augmentation runs on the raw pixels, so its zero padding is black as with torchvision's PIL pipeline.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        spec: DataSpec,
        max_value: float = 255.0,
        augment: Augment | None = None,
    ) -> None:
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        # a compact copy: item reads stay fast and pickling (DataLoader workers, Ray) ships only these images
        self.images = images.contiguous()
        self.labels = labels.long()
        self.augment = augment
        mean = torch.tensor(spec.mean).view(-1, 1, 1)
        std = torch.tensor(spec.std).view(-1, 1, 1)
        # (x / max_value - mean) / std as one multiply-add
        self._scale = 1.0 / (max_value * std)
        self._shift = -mean / std

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = self.images[index]
        if self.augment is not None:
            image = self.augment(image)
        return image.float() * self._scale + self._shift, int(self.labels[index])
