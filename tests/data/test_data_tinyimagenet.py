import pytest
import torch

from snasray.data import DataConfig, MissingDataError, dataset_spec, load_split
from snasray.errors import UserError

WNIDS = ["n01", "n02", "n03"]


def _pixel(image):
    spec = dataset_spec("tinyimagenet")
    return [round((image[c, 10, 10].item() * spec.std[c] + spec.mean[c]) * 255) for c in range(3)]


def _is_grey(image):
    return len(set(_pixel(image))) == 1


@pytest.mark.parametrize("sorted_val", [False, True], ids=["official-val", "sorted-val"])
def test_both_val_layouts(make_tiny, tiny_colour, sorted_val):
    config = DataConfig("tinyimagenet", data_dir=str(make_tiny(sorted_val=sorted_val)))
    lengths = {"train": 12, "val": 6, "test": 6}
    for split, length in lengths.items():
        data = load_split(config, split)
        assert len(data) == length
        for image, label in data:
            assert image.shape == (3, 64, 64) and image.dtype == torch.float32
            assert isinstance(label, int)
            if not _is_grey(image):  # each class has its own flat colour
                assert _pixel(image) == list(tiny_colour(WNIDS[label]))
    assert dataset_spec("tinyimagenet").num_classes == 200


def test_test_split_is_val(make_tiny):
    config = DataConfig("tinyimagenet", data_dir=str(make_tiny()))
    val, test = load_split(config, "val"), load_split(config, "test")
    assert all(torch.equal(v[0], t[0]) and v[1] == t[1] for v, t in zip(val, test, strict=True))


def test_labels_follow_the_sorted_wnid_list_even_without_a_class_folder(make_tiny, tmp_path):
    root = make_tiny(wnids=["n02", "n01"])
    (root / "tiny-imagenet-200" / "wnids.txt").write_text("n02\nn00\nn01\n")  # n00 has no images
    config = DataConfig("tinyimagenet", data_dir=str(root))
    assert sorted({label for _, label in load_split(config, "train")}) == [1, 2]
    assert sorted({label for _, label in load_split(config, "val")}) == [1, 2]


def test_classes_from_train_folders_without_wnids_txt(make_tiny):
    config = DataConfig("tinyimagenet", data_dir=str(make_tiny(listed=False)))
    assert sorted({label for _, label in load_split(config, "val")}) == [0, 1, 2]


def test_grey_images_become_rgb(make_tiny):
    train = load_split(DataConfig("tinyimagenet", data_dir=str(make_tiny())), "train")
    grey = [image for image, _ in train if _is_grey(image)]
    assert len(grey) == 3  # one per class, saved as 1-channel PNGs
    assert all(image.shape == (3, 64, 64) for image in grey)


def test_augmentation_keeps_shapes_and_labels(make_tiny):
    config = DataConfig("tinyimagenet", data_dir=str(make_tiny()))
    plain, augmented = load_split(config, "train"), load_split(config, "train", augment=True)
    torch.manual_seed(0)
    changed = 0
    for (image, label), (aug, aug_label) in zip(plain, augmented, strict=True):
        assert aug.shape == image.shape and aug_label == label
        changed += not torch.equal(image, aug)
    assert changed > 0  # a shifted flat image shows its black padding


def test_missing_folder(tmp_path):
    with pytest.raises(MissingDataError, match="TinyImageNet not found in .*tiny-imagenet-200.*--data-dir"):
        load_split(DataConfig("tinyimagenet", data_dir=str(tmp_path)), "train")


def test_too_many_classes(make_tiny):
    root = make_tiny()
    (root / "tiny-imagenet-200" / "wnids.txt").write_text("\n".join(f"n{i:03}" for i in range(201)))
    with pytest.raises(UserError, match="lists 201 classes; TinyImageNet has 200"):
        load_split(DataConfig("tinyimagenet", data_dir=str(root)), "train")
