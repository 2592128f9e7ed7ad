"""What a model needs to know about each data set, how to ask for one, and the error for missing data."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
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
    events: bool = False  # an event-camera set: items are frames T x C x H x W of event counts, C = polarity


BINNINGS = ("count", "time")  # frames of equal event counts (LightSNN's split by number) or of equal durations


@dataclass(frozen=True)
class DataConfig:
    """Which data set, where, and for event sets how recordings become frames.

    timesteps: frames per recording (event sets only; the network runs one timestep per frame).
    binning: "count" or "time" (see BINNINGS); downsample: integer factor that divides the sensor's side.
    """

    name: str = "cifar10-sample"  # shipped in the package, so the default needs nothing beside it
    data_dir: str | None = None  # torchvision/ImageFolder root; for cifar10-subset the .npz or its folder
    download: bool = False  # cifar10/cifar100 and the event sets download, and only when True
    timesteps: int = 5
    binning: str = "count"
    downsample: int = 1

    @classmethod
    def for_run(cls, run) -> DataConfig:
        """The data of a scoring or training config (`ScoreConfig`, `TrainConfig`): its data set, location,
        download switch, binning and downsampling, with the timesteps of its `model_config()`."""
        return cls(
            name=run.dataset,
            data_dir=run.data_dir,
            download=run.download,
            timesteps=run.model_config().timesteps,
            binning=run.binning,
            downsample=run.downsample,
        )


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
        # event cameras through tonic: 2 polarity channels, the sensor's side, event counts fed unscaled
        DataSpec("nmnist", 34, 2, 10, (0.0, 0.0), (1.0, 1.0), events=True),
        DataSpec("dvs-gesture", 128, 2, 11, (0.0, 0.0), (1.0, 1.0), events=True),
        DataSpec("cifar10-dvs", 128, 2, 10, (0.0, 0.0), (1.0, 1.0), events=True),
    )
}
DATASET_NAMES: tuple[str, ...] = tuple(_SPECS)
EVENT_DATASETS: tuple[str, ...] = tuple(name for name, spec in _SPECS.items() if spec.events)


def dataset_spec(name: str) -> DataSpec:
    try:
        return _SPECS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASET_NAMES)}") from None


def input_spec(config: DataConfig) -> DataSpec:
    """The spec of the inputs a network sees: the data set's, with the side divided by `downsample`.

    Raises ValueError for an unknown name, binning, or a downsampling that a static set cannot take or
    that does not divide the sensor's side."""
    spec = dataset_spec(config.name)
    if config.binning not in BINNINGS:
        raise ValueError(f"unknown binning {config.binning!r}; choose {' or '.join(BINNINGS)}")
    if not isinstance(config.downsample, int) or config.downsample < 1:
        raise ValueError(f"downsample must be a positive integer, got {config.downsample!r}")
    if config.downsample == 1:
        return spec
    if not spec.events:
        raise ValueError(f"downsample applies to event data sets only, not {config.name}")
    if spec.image_size % config.downsample:
        raise ValueError(f"downsample {config.downsample} does not divide the {spec.image_size} px side of {spec.name}")
    return replace(spec, image_size=spec.image_size // config.downsample)


def data_root(config: DataConfig) -> Path:
    """The folder that holds torchvision/ImageFolder sets: --data-dir, else $SNASRAY_DATA, else ./data."""
    return Path(config.data_dir or os.environ.get("SNASRAY_DATA", "data"))
