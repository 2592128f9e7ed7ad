"""The CIFAR-10 sample shipped in the package: contents, splits, provenance, and its place as the default."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from snasray.cli import build_parser
from snasray.data import DataConfig, MissingDataError, dataset_spec, load_split, offline
from snasray.score import ScoreConfig
from snasray.train import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = DataConfig("cifar10-sample")
PER_CLASS = {"train": 100, "val": 20}


@pytest.fixture(scope="module")
def shipped() -> dict[str, np.ndarray]:
    with np.load(offline.SAMPLE_PATH) as arrays:
        return {key: arrays[key] for key in arrays.files}


def test_the_file_is_small_and_lies_inside_the_package():
    assert offline.SAMPLE_PATH.is_relative_to(ROOT / "snasray")
    assert offline.SAMPLE_PATH.stat().st_size <= 4 * 2**20


def test_arrays_have_cifar_shapes_and_dtypes(shipped):
    for split, per_class in PER_CLASS.items():
        images, labels = shipped[f"x_{split}"], shipped[f"y_{split}"]
        assert images.shape == (10 * per_class, 32, 32, 3) and images.dtype == np.uint8
        assert labels.shape == (10 * per_class,) and labels.dtype == np.uint8
    assert shipped["classes"].tolist()[:2] == ["airplane", "automobile"] and len(shipped["classes"]) == 10


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_splits_are_class_balanced_and_normalised(split):
    data = load_split(SAMPLE, split)
    per_class = PER_CLASS["train" if split == "train" else "val"]
    assert data.images.shape == (10 * per_class, 3, 32, 32) and data.images.dtype == torch.uint8
    assert np.bincount(data.labels.numpy()).tolist() == [per_class] * 10
    image, label = data[0]
    assert image.shape == (3, 32, 32) and image.dtype == torch.float32 and isinstance(label, int)
    images = torch.stack([data[i][0] for i in range(len(data))])
    assert torch.allclose(images.mean(dim=(0, 2, 3)), torch.zeros(3), atol=0.2)


def test_classes_are_interleaved_not_sorted():
    labels = load_split(SAMPLE, "train").labels
    assert len(set(labels[:64].tolist())) == 10


def test_train_and_val_are_disjoint_and_test_is_val():
    train, val, test = (load_split(SAMPLE, split) for split in ("train", "val", "test"))
    seen = {bytes(image.numpy()) for image in train.images}
    assert not any(bytes(image.numpy()) in seen for image in val.images)
    assert torch.equal(val.images, test.images) and torch.equal(val.labels, test.labels)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="unknown split 'holdout'"):
        load_split(SAMPLE, "holdout")


def test_data_dir_is_ignored(tmp_path):
    elsewhere = load_split(DataConfig("cifar10-sample", data_dir=str(tmp_path / "nothing")), "val")
    assert torch.equal(elsewhere.images, load_split(SAMPLE, "val").images)


def test_a_missing_file_is_a_user_error(monkeypatch, tmp_path):
    monkeypatch.setattr(offline, "SAMPLE_PATH", tmp_path / "cifar10_sample.npz")
    with pytest.raises(MissingDataError, match="cifar10-sample not found at .*lacks its data files"):
        load_split(SAMPLE, "train")


def test_images_are_the_subset_rows_they_name(shipped, subset):
    for split in ("train", "val"):
        rows = shipped[f"{split}_source_row"]
        np.testing.assert_array_equal(shipped[f"x_{split}"], subset[f"x_{split}"][rows])
        np.testing.assert_array_equal(shipped[f"y_{split}"], subset[f"y_{split}"][rows])


def test_the_script_draws_the_shipped_sample_again(shipped, subset_path, tmp_path):
    out = tmp_path / "again.npz"
    script = ROOT / "benchmarks" / "make_cifar10_sample.py"
    subprocess.run([sys.executable, str(script), "--source", str(subset_path), "--out", str(out)], check=True)
    with np.load(out) as again:
        assert sorted(again.files) == sorted(shipped)
        for key in again.files:
            np.testing.assert_array_equal(again[key], shipped[key])


def test_it_is_the_default_everywhere_with_its_own_score_hash():
    parser = build_parser()
    defaults = {
        DataConfig().name,
        ScoreConfig().dataset,
        TrainConfig().dataset,
        parser.parse_args(["search"]).dataset,
        parser.parse_args(["score", "--cell", "0303 0030 2002 0200"]).dataset,
    }
    assert defaults == {"cifar10-sample"}
    assert ScoreConfig().config_hash() != ScoreConfig(dataset="cifar10-subset").config_hash()
    assert dataset_spec("cifar10-sample").num_classes == 10
