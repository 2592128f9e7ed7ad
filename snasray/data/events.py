"""Event-camera data sets (N-MNIST, DVS128 Gesture, CIFAR10-DVS) read with tonic, binned to frames once.

A recording becomes T frames of event counts, T x 2 x H x W (polarity as channels), with
`tonic.transforms.ToFrame`, after an optional integer spatial downsampling. The frames of a split are
binned once and kept in a cache folder beside the data, `<data root>/frames/<key>/` (frames.npy and
labels.npy), keyed by data set, split, T, binning and downsampling; it is written into a temporary folder
and renamed into place, so a crash never leaves a half-written cache, and read memory-mapped, so a
scoring batch touches only its own recordings. tonic is imported only here, when a cache is built.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from snasray.data.specs import DataConfig, DataSpec, MissingDataError, data_root, input_spec
from snasray.errors import UserError

CACHE_FOLDER = "frames"
_TEST_EVERY = 10  # CIFAR10-DVS has no split: every 10th recording of each class folder is held out


@dataclass(frozen=True)
class EventSource:
    """How tonic holds one data set: its class, the folder it expects under the data root, how to get it."""

    tonic_class: str
    folder: str  # tonic's own folder under save_to (the class name)
    layout: str  # what a complete download looks like, for the missing-data message
    reader: str | None = None  # a package tonic's reader needs beyond tonic itself


SOURCES = {
    "nmnist": EventSource(
        "NMNIST", "NMNIST", "NMNIST/train.zip and NMNIST/Train/<digit folder>/*.bin (likewise test.zip, Test/)"
    ),
    "dvs-gesture": EventSource(
        "DVSGesture",
        "DVSGesture",
        "DVSGesture/ibmGestureTrain.tar.gz and DVSGesture/ibmGestureTrain/user<NN>_<lighting>/<label>.npy"
        " (likewise ibmGestureTest)",
    ),
    "cifar10-dvs": EventSource(
        "CIFAR10DVS", "CIFAR10DVS", "CIFAR10DVS/CIFAR10DVS.zip and CIFAR10DVS/<class>/*.aedat4", reader="aedat"
    ),
}


def _tonic():
    try:
        import tonic
    except ImportError:
        raise UserError("event data sets need tonic: pip install 'snasray[events]'") from None
    return tonic


def split_group(split: str) -> str:
    """Event sets have a train and a test part; "val" and "test" both read the test part."""
    return "train" if split == "train" else "test"


def cache_dir(config: DataConfig, split: str) -> Path:
    """The cache folder of one binning of one split: <root>/frames/<name>-<train|test>-T<T>-<binning>-d<factor>."""
    key = f"{config.name}-{split_group(split)}-T{config.timesteps}-{config.binning}-d{config.downsample}"
    return data_root(config) / CACHE_FOLDER / key


def bin_recording(events: np.ndarray, spec: DataSpec, config: DataConfig) -> np.ndarray:
    """One recording (tonic's structured array with x, y, t, p) as frames T x 2 x H x W of event counts (int16).

    Coordinates are divided by `config.downsample` (so H and W are the sensor's side over that factor);
    `config.binning` "count" gives frames of equal event counts, "time" frames of equal durations. A recording
    with fewer events than frames gives empty frames."""
    tonic = _tonic()
    side = spec.image_size
    if config.downsample > 1:
        events = events.copy()
        events["x"] = events["x"] // config.downsample
        events["y"] = events["y"] // config.downsample
    frames = np.zeros((config.timesteps, 2, side, side), dtype=np.int16)
    if len(events) == 0:
        return frames
    bins = {"n_event_bins": config.timesteps} if config.binning == "count" else {"n_time_bins": config.timesteps}
    binned = tonic.transforms.ToFrame(sensor_size=(side, side, 2), **bins)(events)
    frames[: len(binned)] = binned[: config.timesteps]
    return frames


def _binned(dataset, chosen: list[int], spec: DataSpec, config: DataConfig) -> Iterator[np.ndarray]:
    """The frames of recordings `chosen` of `dataset`; raises UserError, one line naming the recording, for one
    that tonic cannot read or that holds events outside the sensor."""
    for i in chosen:
        try:
            yield bin_recording(dataset[i][0], spec, config)
        except (IndexError, ValueError, KeyError, OSError, EOFError) as err:
            files = getattr(dataset, "data", None)
            name = files[i] if isinstance(files, list | tuple) and i < len(files) else f"number {i}"
            raise UserError(
                f"{config.name}: recording {name} is not a readable recording of {spec.image_size * config.downsample}"
                f" x {spec.image_size * config.downsample} events ({type(err).__name__}: {err}); remove or replace it"
            ) from None


def _remove_stale_builds(folder: Path) -> None:
    """Remove temporary cache folders of `folder` left by builds whose process is gone (killed mid-build)."""
    for temp in folder.parent.glob(f".{folder.name}-*-*"):
        pid = temp.name.removeprefix(f".{folder.name}-").split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(temp, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_cache(folder: Path, frames: Iterable[np.ndarray], labels: list[int], shape: tuple[int, ...]) -> Path:
    """Write frames (one T x C x H x W array per recording, in `labels` order) and labels into `folder`, atomically.

    The arrays are written into a temporary sibling folder that is then renamed to `folder`; frames are kept as
    uint8 when every count fits, else int16. If another process finished the same cache first, its copy stays.
    Returns `folder`."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(folder)
    temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-{os.getpid()}-", dir=folder.parent))
    try:
        wide = np.lib.format.open_memmap(temp / "wide.npy", mode="w+", dtype=np.int16, shape=(len(labels), *shape))
        for i, recording in enumerate(frames):
            wide[i] = recording
        narrow = np.uint8 if len(labels) == 0 or int(wide.max()) <= np.iinfo(np.uint8).max else np.int16
        stored = np.lib.format.open_memmap(temp / "frames.npy", mode="w+", dtype=narrow, shape=wide.shape)
        stored[:] = wide
        stored.flush()
        del wide, stored
        (temp / "wide.npy").unlink()
        np.save(temp / "labels.npy", np.asarray(labels, dtype=np.int64))
        try:
            temp.rename(folder)
        except OSError:
            if not (folder / "labels.npy").is_file():
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return folder


class EventFrames(Dataset[tuple[torch.Tensor, int]]):
    """(float frames T x 2 x H x W of event counts, int label) from a frame cache, read memory-mapped.

    Only the folder travels when the set is pickled (DataLoader workers, Ray); each process maps it itself."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.labels = np.load(self.folder / "labels.npy")
        self._frames: np.ndarray | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_frames": None}

    @property
    def frames(self) -> np.ndarray:
        if self._frames is None:
            self._frames = np.load(self.folder / "frames.npy", mmap_mode="r")
        return self._frames

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return torch.from_numpy(self.frames[index].astype(np.float32)), int(self.labels[index])


def _tonic_set(config: DataConfig, split: str):
    """tonic's data set object of one split; without `download`, a missing set raises MissingDataError."""
    tonic = _tonic()
    source = SOURCES[config.name]
    root = data_root(config)
    if config.download:  # before a long download; otherwise after the folder was found complete
        _check_reader(config)
    cls = getattr(tonic.datasets, source.tonic_class)
    if not config.download:

        def refuse(_self) -> None:
            raise MissingDataError(
                f"{config.name} not found under {root}: pass --download to fetch it there, or place {source.layout}"
                f" under {root}"
            )

        # same class name, so tonic looks in the same folder
        cls = type(cls.__name__, (cls,), {"download": refuse})
    kwargs = {} if config.name == "cifar10-dvs" else {"train": split_group(split) == "train"}
    try:
        dataset = cls(str(root), **kwargs)
    except MissingDataError:
        raise
    except OSError as err:
        raise MissingDataError(f"{config.name}: cannot read or fetch the data under {root} ({err})") from None
    _check_reader(config)
    return dataset


def _check_reader(config: DataConfig) -> None:
    """Raises UserError, one line, when the package tonic's reader of `config`'s recordings needs is missing."""
    reader = SOURCES[config.name].reader
    if reader is None:
        return
    try:
        __import__(reader)
    except ImportError:
        raise UserError(f"{config.name} recordings need the {reader} package: pip install {reader}") from None


def split_indices(config: DataConfig, dataset, split: str) -> list[int]:
    """The recordings of `dataset` (a tonic set: `targets` per recording) that form `split`: all of a set
    with its own split; for CIFAR10-DVS every 10th recording of each class for test, the others for train."""
    if config.name != "cifar10-dvs":
        return list(range(len(dataset)))
    held_out = split_group(split) == "test"
    seen: dict[int, int] = {}
    chosen = []
    for i, label in enumerate(dataset.targets):
        rank = seen[label] = seen.get(label, -1) + 1
        if (rank % _TEST_EVERY == _TEST_EVERY - 1) == held_out:
            chosen.append(i)
    return chosen


def load_events(config: DataConfig, spec: DataSpec, split: str, augment: bool) -> EventFrames:
    """A split of an event data set as frames from its cache, building the cache first if absent.

    No augmentation is applied to event frames (`augment` is accepted for a uniform loader signature).
    Raises MissingDataError when the recordings are absent and `config.download` is off, UserError when tonic
    (or a reader it needs) is not installed."""
    folder = cache_dir(config, split)
    if not (folder / "labels.npy").is_file():
        spec = input_spec(config)
        dataset = _tonic_set(config, split)
        chosen = split_indices(config, dataset, split)
        labels = [int(dataset.targets[i]) for i in chosen]
        frames = _binned(dataset, chosen, spec, config)
        write_cache(folder, frames, labels, (config.timesteps, spec.in_channels, spec.image_size, spec.image_size))
    return EventFrames(folder)
