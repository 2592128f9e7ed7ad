import urllib.error

import numpy as np
import pytest
import torch
import torchvision.datasets.cifar

from snasray.data import DataConfig, MissingDataError, dataset_spec, load_split, score_batches

HELD_OUT = 5000


def test_cifar10_splits_follow_the_official_files(cifar10_root, subset, to_pixels):
    config = DataConfig("cifar10", data_dir=str(cifar10_root))
    spec = dataset_spec("cifar10")
    train, val, test = (load_split(config, split) for split in ("train", "val", "test"))
    assert (len(train), len(val), len(test)) == (1000, HELD_OUT, 2000)
    # train is the official train set minus its last 5,000 images, val those 5,000, test the test batch
    for data, images, labels, offset in (
        (train, subset["x_train"], subset["y_train"], 0),
        (val, subset["x_train"], subset["y_train"], 1000),
        (test, subset["x_val"], subset["y_val"], 0),
    ):
        for index in (0, len(data) - 1):
            image, label = data[index]
            assert image.shape == (3, 32, 32) and image.dtype == torch.float32
            np.testing.assert_array_equal(to_pixels(image, spec), images[offset + index])
            assert label == labels[offset + index]


def test_cifar100_uses_fine_labels(cifar100_root, subset, cifar100_fine, to_pixels):
    config = DataConfig("cifar100", data_dir=str(cifar100_root))
    spec = dataset_spec("cifar100")
    train, val, test = (load_split(config, split) for split in ("train", "val", "test"))
    assert (len(train), len(val), len(test)) == (1000, HELD_OUT, 2000)
    fine = cifar100_fine(subset["y_train"][:6000])
    assert [val[i][1] for i in range(len(val))] == fine[1000:].tolist()
    assert {label for _, label in test} == set(range(100))
    np.testing.assert_array_equal(to_pixels(train[7][0], spec), subset["x_train"][7])


def test_cifar_augments_and_scores(cifar10_root):
    config = DataConfig("cifar10", data_dir=str(cifar10_root))
    image, label = load_split(config, "train", augment=True)[3]
    assert image.shape == (3, 32, 32) and label == load_split(config, "train")[3][1]
    batches = score_batches(config, 256, 2, seed=0)
    assert [b.shape for b in batches] == [(256, 3, 32, 32)] * 2


def test_data_dir_defaults_to_the_environment(cifar10_root, monkeypatch):
    monkeypatch.setenv("SNASRAY_DATA", str(cifar10_root))
    assert len(load_split(DataConfig("cifar10"), "test")) == 2000


@pytest.mark.parametrize(("name", "title"), [("cifar10", "CIFAR-10"), ("cifar100", "CIFAR-100")])
def test_missing_without_download(tmp_path, name, title):
    with pytest.raises(MissingDataError, match=f"{title} not found in {tmp_path}.*pass --download.*--data-dir") as err:
        load_split(DataConfig(name, data_dir=str(tmp_path)), "train")
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []  # nothing fetched


def test_failed_download_is_a_missing_data_error(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torchvision.datasets.cifar, "download_and_extract_archive", offline)
    with pytest.raises(MissingDataError, match=f"could not download CIFAR-10 into {tmp_path}.*no network"):
        load_split(DataConfig("cifar10", data_dir=str(tmp_path), download=True), "train")


def test_download_skips_a_present_copy(cifar10_root, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("downloaded although the files are there")

    monkeypatch.setattr(torchvision.datasets.cifar, "download_and_extract_archive", fail)
    assert len(load_split(DataConfig("cifar10", data_dir=str(cifar10_root), download=True), "val")) == HELD_OUT


def test_train_set_too_small_to_hold_out_val(make_cifar10):
    config = DataConfig("cifar10", data_dir=str(make_cifar10(500)))
    with pytest.raises(MissingDataError, match="holds 500 images, too few to hold out 5,000"):
        load_split(config, "val")
    assert len(load_split(config, "test")) == 10
