import pytest
import torch

from snasray.data import DataConfig, load_split, score_batches

SYNTHETIC = DataConfig("synthetic")


@pytest.mark.parametrize("name", ["cifar10-subset", "cifar10-sample"])
def test_batches_have_the_right_shape_and_are_unaugmented(subset_path, name):
    config = DataConfig(name, data_dir=str(subset_path) if name == "cifar10-subset" else None)
    batches = score_batches(config, batch_size=64, repeat=2, seed=0)
    assert len(batches) == 2
    assert all(b.shape == (64, 3, 32, 32) and b.dtype == torch.float32 for b in batches)
    mean = torch.cat(batches).mean(dim=(0, 2, 3))
    assert torch.allclose(mean, torch.zeros(3), atol=0.25)


def test_reproducible_for_a_seed_and_different_for_another():
    first = score_batches(SYNTHETIC, 32, 3, seed=5)
    again = score_batches(SYNTHETIC, 32, 3, seed=5)
    other = score_batches(SYNTHETIC, 32, 3, seed=6)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not any(torch.equal(a, b) for a, b in zip(first, other, strict=True))


def _rows(images):
    return {tuple(row.tolist()) for row in images.flatten(1)}


def test_batches_are_disjoint_train_images():
    train = load_split(SYNTHETIC, "train")
    known = _rows(torch.stack([train[i][0] for i in range(len(train))]))
    batches = score_batches(SYNTHETIC, 100, 10, seed=0)  # exactly the 1,000 train images
    drawn = [_rows(b) for b in batches]
    assert all(len(rows) == 100 for rows in drawn)
    assert set().union(*drawn) == known


def test_small_split_reuses_images_but_never_within_a_batch():
    batches = score_batches(DataConfig("digits"), 1000, 3, seed=0)  # 3,000 > 1,257 train images
    assert [len(_rows(b)) for b in batches] == [1000, 1000, 1000]


def test_batch_larger_than_the_split():
    with pytest.raises(ValueError, match="batch_size 1258 exceeds the 1,257 images of the digits train split"):
        score_batches(DataConfig("digits"), 1258, 1, seed=0)


@pytest.mark.parametrize(("batch_size", "repeat"), [(0, 1), (8, 0)])
def test_empty_requests(batch_size, repeat):
    with pytest.raises(ValueError, match="must be >= 1"):
        score_batches(SYNTHETIC, batch_size, repeat, seed=0)
