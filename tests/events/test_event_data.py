"""Event data sets on synthetic recordings.

Layers covered: N-MNIST and DVS Gesture go the whole way a user's download goes (tonic's NMNIST and
DVSGesture classes find the folder complete, list and read the files with tonic's readers, then
`bin_recording` with tonic's ToFrame, the atomic frame cache and `EventFrames`). CIFAR10-DVS cannot be read
here (tonic's AEDAT4 reader needs the `aedat` package): its test recordings are tonic-format event arrays
put through the same binning and cache writer; the layout check and the missing-reader message are tested
on placeholder files.
"""

import os

import numpy as np
import pytest
import torch

from snasray.data import DataConfig, MissingDataError, input_spec, load_split, score_batches
from snasray.data.events import EventFrames, bin_recording, cache_dir, split_indices, write_cache
from snasray.errors import UserError

T = 5


def gesture(root, **kw):
    return DataConfig(name="dvs-gesture", data_dir=str(root), timesteps=T, downsample=4, **kw)


def test_nmnist_read_through_tonic_into_cached_frames(nmnist_root):
    config = DataConfig(name="nmnist", data_dir=str(nmnist_root), timesteps=T, downsample=2)
    train = load_split(config, "train")
    assert len(train) == 10_000 and sorted(set(train.labels.tolist())) == list(range(10))
    frames, label = train[0]
    assert frames.shape == (T, 2, 17, 17) and frames.dtype == torch.float32 and label == 0
    assert frames.sum() > 0 and (frames >= 0).all()
    assert cache_dir(config, "train").name == "nmnist-train-T5-count-d2"
    assert len(load_split(config, "test")) == 10_000 and cache_dir(config, "val") == cache_dir(config, "test")


def test_gesture_frames_count_the_events_of_each_bin(gesture_root):
    config = gesture(gesture_root)
    train = load_split(config, "train")
    assert len(train) == 110 and sorted(set(train.labels.tolist())) == list(range(11))
    raw = np.load(next((gesture_root / "DVSGesture" / "ibmGestureTrain").glob("user01*")) / "0.npy")
    frames, _ = train[0]
    assert frames.shape == (T, 2, 32, 32) and int(frames.sum()) == len(raw)  # 200 events in 5 bins of 40
    assert torch.equal(frames.sum((0, 2, 3)), torch.tensor([(raw[:, 2] == 0).sum(), raw[:, 2].sum()]).float())
    by_time = load_split(gesture(gesture_root, binning="time"), "train")
    assert cache_dir(gesture(gesture_root, binning="time"), "train") != cache_dir(config, "train")
    # ToFrame's time bins are half-open: the last event of a recording falls outside them
    assert not torch.equal(by_time[0][0], frames) and by_time[0][0].sum() == frames.sum() - 1


def test_score_batches_of_frames_are_stacked_per_timestep(gesture_root):
    batches = score_batches(gesture(gesture_root), batch_size=8, repeat=2, seed=0)
    assert [tuple(b.shape) for b in batches] == [(8, T, 2, 32, 32)] * 2


def test_cache_is_read_without_tonic_once_built(gesture_root, tmp_path):
    config = gesture(gesture_root)
    load_split(config, "train")
    moved = DataConfig(name="dvs-gesture", data_dir=str(tmp_path), timesteps=T, downsample=4)
    (tmp_path / "frames").mkdir()
    cache_dir(config, "train").rename(cache_dir(moved, "train"))  # recordings absent, only the frames
    assert len(load_split(moved, "train")) == 110


def test_missing_recordings_give_one_line_naming_the_flag_and_layout(tmp_path):
    with pytest.raises(MissingDataError, match=r"pass --download .* DVSGesture/ibmGestureTrain/user<NN>"):
        load_split(gesture(tmp_path), "train")
    assert not (tmp_path / "frames" / "dvs-gesture-train-T5-count-d4").exists()


def test_cifar10_dvs_needs_its_reader_package(tmp_path):
    from recordings import write_cifar10_dvs_layout

    write_cifar10_dvs_layout(tmp_path)
    try:
        import aedat  # noqa: F401
    except ImportError:
        with pytest.raises(UserError, match="pip install aedat"):
            load_split(DataConfig(name="cifar10-dvs", data_dir=str(tmp_path), timesteps=T, downsample=4), "train")
    else:
        pytest.skip("aedat is installed: the placeholder .aedat4 files would be read")


def test_cifar10_dvs_frames_from_its_cache(cifar10_dvs_root):
    config = DataConfig(name="cifar10-dvs", data_dir=str(cifar10_dvs_root), timesteps=T, downsample=4)
    train = load_split(config, "train")
    assert len(train) == 200 and train[0][0].shape == (T, 2, 32, 32)


def test_an_interrupted_cache_write_leaves_nothing_that_blocks_the_next(tmp_path):
    folder = tmp_path / "frames" / "key"

    def failing():
        yield np.ones((T, 2, 4, 4), dtype=np.int16)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_cache(folder, failing(), [0, 1], (T, 2, 4, 4))
    assert list((tmp_path / "frames").iterdir()) == []
    (tmp_path / "frames" / ".key-crashed").mkdir()  # what a killed process leaves: ignored
    write_cache(folder, (np.full((T, 2, 4, 4), 300, dtype=np.int16) for _ in range(2)), [0, 1], (T, 2, 4, 4))
    frames = EventFrames(folder)
    assert len(frames) == 2 and frames[1][0].max() == 300 and frames.frames.dtype == np.int16
    write_cache(folder, (np.zeros((T, 2, 4, 4), dtype=np.int16) for _ in range(2)), [0, 1], (T, 2, 4, 4))
    assert EventFrames(folder)[1][0].max() == 300  # the cache that was there first stays


def test_small_counts_are_stored_as_bytes(tmp_path):
    folder = write_cache(
        tmp_path / "k", (np.full((T, 2, 4, 4), 7, dtype=np.int16) for _ in range(3)), [1, 2, 3], (T, 2, 4, 4)
    )
    frames = EventFrames(folder)
    assert frames.frames.dtype == np.uint8 and frames[2][0].sum() == 7 * T * 32 and frames[2][1] == 3


def test_binning_downsamples_coordinates_and_keeps_sparse_recordings():
    config = DataConfig(name="dvs-gesture", timesteps=4, downsample=4)
    spec = input_spec(config)
    events = np.zeros(3, dtype=[("x", np.int16), ("y", np.int16), ("p", bool), ("t", np.int64)])
    events["x"], events["y"], events["p"], events["t"] = [127, 0, 64], [127, 0, 3], [True, False, True], [0, 5, 9]
    frames = bin_recording(events, spec, config)
    assert frames.shape == (4, 2, 32, 32) and frames.sum() <= 3
    assert bin_recording(events[:0], spec, config).sum() == 0


def test_cifar10_dvs_holds_out_every_tenth_recording_of_each_class():
    class Listing:  # what split_indices reads of tonic's CIFAR10DVS: one label per recording, class folders in order
        targets = [0] * 20 + [1] * 10

    config = DataConfig(name="cifar10-dvs")
    train, test = split_indices(config, Listing, "train"), split_indices(config, Listing, "test")
    assert test == [9, 19, 29] and sorted(train + test) == list(range(30))
    assert split_indices(config, Listing, "val") == test


def test_a_recording_with_events_outside_the_sensor_is_one_line_naming_it(tmp_path, capsys):
    from recordings import nmnist_bytes, write_nmnist

    from snasray.cli import main

    root = write_nmnist(tmp_path)
    for split in ("Train", "Test"):  # x beyond the 34 x 34 sensor
        bad = root / "NMNIST" / split / "3" / "00003.bin"
        bad.write_bytes(nmnist_bytes(np.full(20, 69), np.full(20, 2), np.arange(20) * 10, np.ones(20, dtype=int)))
    argv = ["score", "--cell", "0303 0030 2002 0200", "--dataset", "nmnist", "--data-dir", str(root)]
    assert main([*argv, "--preset", "events-tiny", "--timesteps", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "00003.bin" in err and "remove or replace it" in err
    assert not list((root / "frames").glob(".*"))  # the failed build left no temporary folder


def test_a_build_killed_earlier_is_cleaned_up_by_the_next(tmp_path):
    folder = tmp_path / "frames" / "nmnist-train-T2-count-d1"
    folder.parent.mkdir(parents=True)
    dead, alive = folder.parent / f".{folder.name}-999999999-abc", folder.parent / f".{folder.name}-{os.getpid()}-x"
    dead.mkdir(), alive.mkdir()
    write_cache(folder, (np.zeros((2, 2, 4, 4), dtype=np.int16) for _ in range(2)), [0, 1], (2, 2, 4, 4))
    assert not dead.exists() and alive.exists()  # a build still running in a live process is left alone
