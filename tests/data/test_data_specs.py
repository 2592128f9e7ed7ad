import dataclasses

import pytest

from snasray.data import DATASET_NAMES, DataConfig, DataSpec, MissingDataError, dataset_spec, load_split
from snasray.errors import UserError


def test_every_name_has_a_consistent_spec():
    assert DATASET_NAMES == (
        "cifar10",
        "cifar100",
        "tinyimagenet",
        "cifar10-subset",
        "cifar10-sample",
        "digits",
        "synthetic",
        "nmnist",
        "dvs-gesture",
        "cifar10-dvs",
    )
    for name in DATASET_NAMES:
        spec = dataset_spec(name)
        assert spec.name == name
        assert len(spec.mean) == len(spec.std) == spec.in_channels
        assert all(s > 0 for s in spec.std)


def test_paper_values():
    assert dataset_spec("cifar10") == DataSpec("cifar10", 32, 3, 10, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
    assert dataset_spec("cifar10-subset").mean == dataset_spec("cifar10").mean
    assert dataset_spec("cifar10-sample") == dataclasses.replace(dataset_spec("cifar10"), name="cifar10-sample")
    assert dataset_spec("cifar100").num_classes == 100
    tiny = dataset_spec("tinyimagenet")
    assert (tiny.image_size, tiny.num_classes, tiny.mean[0]) == (64, 200, 0.4802)
    assert dataset_spec("digits").in_channels == 1


def test_digits_statistics_match_the_data():
    from sklearn.datasets import load_digits

    images = load_digits().images / 16
    spec = dataset_spec("digits")
    assert spec.mean[0] == pytest.approx(images.mean(), abs=1e-4)
    assert spec.std[0] == pytest.approx(images.std(), abs=1e-4)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown data set 'mnist'.*cifar10, cifar100, tinyimagenet"):
        dataset_spec("mnist")
    with pytest.raises(ValueError, match="known: .*synthetic"):
        load_split(DataConfig("mnist"), "train")


def test_unknown_split():
    with pytest.raises(ValueError, match="unknown split 'dev'; known: train, val, test"):
        load_split(DataConfig("synthetic"), "dev")


def test_config_is_frozen_with_offline_defaults():
    config = DataConfig()
    assert (config.name, config.data_dir, config.download) == ("cifar10-sample", None, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.name = "cifar10"  # type: ignore[misc]


def test_missing_data_is_a_user_error():
    assert issubclass(MissingDataError, UserError)


def test_every_name_loads(subset_path, cifar10_root, cifar100_root, make_tiny):
    folders = {
        "cifar10": cifar10_root,
        "cifar100": cifar100_root,
        "tinyimagenet": make_tiny(),
        "cifar10-subset": subset_path,
    }
    for name in (n for n in DATASET_NAMES if not dataset_spec(n).events):  # event sets: tests/events
        spec = dataset_spec(name)
        data_dir = str(folders[name]) if name in folders else None
        image, label = load_split(DataConfig(name, data_dir=data_dir), "val")[0]
        assert image.shape == (spec.in_channels, spec.image_size, spec.image_size)
        assert 0 <= label < spec.num_classes
