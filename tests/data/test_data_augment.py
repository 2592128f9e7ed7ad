import pytest
import torch
import torch.nn.functional as F

from snasray.data import DataConfig, dataset_spec, load_split

COUNT = 24


def _padded_zero(image, spec, padding):
    """The normalised image padded with black (raw pixel 0), as the augmentation pads before normalising."""
    black = torch.tensor([-m / s for m, s in zip(spec.mean, spec.std, strict=True)]).view(-1, 1, 1)
    return F.pad(image - black, [padding] * 4) + black


def _is_crop(augmented, plain, spec, padding, flips):
    side = spec.image_size
    candidates = [plain, plain.flip(-1)] if flips else [plain]
    for source in candidates:
        padded = _padded_zero(source, spec, padding)
        for dy in range(2 * padding + 1):
            for dx in range(2 * padding + 1):
                if torch.allclose(padded[:, dy : dy + side, dx : dx + side], augmented, atol=1e-5):
                    return True
    return False


@pytest.mark.parametrize(("name", "padding", "flips"), [("cifar10-subset", 4, True), ("digits", 1, False)])
def test_augmentation_crops_and_flips_as_the_paper(subset_path, name, padding, flips):
    config = DataConfig(name, data_dir=str(subset_path) if name == "cifar10-subset" else None)
    spec = dataset_spec(name)
    plain, augmented = load_split(config, "train"), load_split(config, "train", augment=True)
    torch.manual_seed(0)
    changed = 0
    for index in range(COUNT):
        (image, label), (aug, aug_label) = plain[index], augmented[index]
        assert aug.shape == image.shape and aug.dtype == torch.float32
        assert aug_label == label
        assert _is_crop(aug, image, spec, padding, flips), index
        changed += not torch.equal(aug, image)
    assert changed > COUNT // 2


def test_digits_are_never_mirrored():
    spec = dataset_spec("digits")
    plain, augmented = (
        load_split(DataConfig("digits"), "train"),
        load_split(DataConfig("digits"), "train", augment=True),
    )
    torch.manual_seed(1)
    # a digit whose mirror is no one-pixel shift of itself: any mirrored draw would fail the crop check
    index = next(i for i in range(50) if not _is_crop(plain[i][0].flip(-1), plain[i][0], spec, 1, False))
    assert all(_is_crop(augmented[index][0], plain[index][0], spec, 1, False) for _ in range(30))


def test_augmentation_draws_anew_each_time():
    data = load_split(DataConfig("synthetic"), "train", augment=True)
    torch.manual_seed(2)
    draws = [data[0][0] for _ in range(10)]
    assert any(not torch.equal(draws[0], other) for other in draws[1:])
