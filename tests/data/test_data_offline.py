from pathlib import Path

import numpy as np
import pytest
import torch

from snasray.data import DataConfig, MissingDataError, dataset_spec, load_split

LENGTHS = {
    "cifar10-subset": {"train": 10_000, "val": 2000, "test": 2000},
    "cifar10-sample": {"train": 1000, "val": 200, "test": 200},
    "digits": {"train": 1257, "val": 180, "test": 360},
    "synthetic": {"train": 1000, "val": 200, "test": 200},
}


@pytest.fixture
def config(request, subset_path):
    name = request.param
    return DataConfig(name, data_dir=str(subset_path) if name == "cifar10-subset" else None)


@pytest.mark.parametrize("config", list(LENGTHS), indirect=True)
@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_shapes_dtypes_labels_and_lengths(config, split):
    spec = dataset_spec(config.name)
    data = load_split(config, split)
    assert len(data) == LENGTHS[config.name][split]
    side = spec.image_size
    labels = set()
    for index in range(0, len(data), 7):
        image, label = data[index]
        assert image.shape == (spec.in_channels, side, side)
        assert image.dtype == torch.float32
        assert isinstance(label, int)
        labels.add(label)
    assert labels == set(range(spec.num_classes))


def test_subset_is_normalised_and_keeps_the_pixels(subset_path, subset, to_pixels):
    config = DataConfig("cifar10-subset", data_dir=str(subset_path))
    spec = dataset_spec("cifar10-subset")
    train = load_split(config, "train")
    images = torch.stack([train[i][0] for i in range(len(train))])
    mean, std = images.mean(dim=(0, 2, 3)), images.std(dim=(0, 2, 3))
    assert torch.allclose(mean, torch.zeros(3), atol=0.1), mean
    assert torch.allclose(std, torch.ones(3), atol=0.1), std
    for index in (0, 4321, 9999):
        image, label = train[index]
        np.testing.assert_array_equal(to_pixels(image, spec), subset["x_train"][index])
        assert label == subset["y_train"][index]
    assert np.bincount([train[i][1] for i in range(len(train))]).tolist() == [1000] * 10


def test_subset_test_split_is_its_val_split(subset_path):
    config = DataConfig("cifar10-subset", data_dir=str(subset_path))
    val, test = load_split(config, "val"), load_split(config, "test")
    for index in (0, 1999):
        assert torch.equal(val[index][0], test[index][0])
        assert val[index][1] == test[index][1]


def _tiny_npz(path, count=20):
    rng = np.random.default_rng(0)
    arrays = {part: rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8) for part in ("x_train", "x_val")} | {
        part: np.arange(count, dtype=np.uint8) % 10 for part in ("y_train", "y_val")
    }
    np.savez(path, **arrays)
    return path


def test_subset_path_from_folder_file_env_and_default(tmp_path, monkeypatch, subset_path):
    _tiny_npz(tmp_path / "cifar10_subset.npz")
    assert len(load_split(DataConfig("cifar10-subset", data_dir=str(tmp_path)), "train")) == 20
    other = _tiny_npz(tmp_path / "other.npz", count=30)
    assert len(load_split(DataConfig("cifar10-subset", data_dir=str(other)), "val")) == 30
    monkeypatch.setenv("SNASRAY_CIFAR10_SUBSET", str(other))
    assert len(load_split(DataConfig("cifar10-subset"), "train")) == 30
    monkeypatch.delenv("SNASRAY_CIFAR10_SUBSET")
    monkeypatch.chdir(Path(__file__).resolve().parents[2])  # the default is ../shared/data/ from the project root
    assert len(load_split(DataConfig("cifar10-subset"), "val")) == 2000


@pytest.mark.parametrize("where", ["missing.npz", "."])
def test_missing_subset(tmp_path, where):
    with pytest.raises(MissingDataError, match="cifar10-subset not found at .*SNASRAY_CIFAR10_SUBSET.*--data-dir"):
        load_split(DataConfig("cifar10-subset", data_dir=str(tmp_path / where)), "train")


def test_digits_split_is_fixed_stratified_and_scaled(to_pixels):
    spec = dataset_spec("digits")
    config = DataConfig("digits")
    splits = {split: load_split(config, split) for split in ("train", "val", "test")}
    assert sum(len(data) for data in splits.values()) == 1797
    test_labels = np.bincount([label for _, label in splits["test"]])
    assert test_labels.min() >= 35 and test_labels.max() <= 37  # 360 of ~180 per class
    again = load_split(config, "test")
    assert all(torch.equal(splits["test"][i][0], again[i][0]) for i in range(len(again)))
    pixels = np.stack([to_pixels(image, spec, max_value=16) for image, _ in splits["train"]])
    assert pixels.min() == 0 and pixels.max() == 16


def test_synthetic_is_deterministic_and_splits_differ():
    config = DataConfig("synthetic")
    first, again, val = load_split(config, "train"), load_split(config, "train"), load_split(config, "val")
    assert torch.equal(first[0][0], again[0][0])
    assert not torch.equal(first[0][0], val[0][0])
    image = first[0][0]
    assert image.min() >= -1 and image.max() <= 1
