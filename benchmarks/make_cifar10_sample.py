"""Draw the embedded `cifar10-sample` data set from the offline CIFAR-10 subset.

    python benchmarks/make_cifar10_sample.py --source ../shared/data/cifar10_subset.npz \
        --out snasray/data/embedded/cifar10_sample.npz

The source is cifar10_subset.npz (CIFAR-10, Krizhevsky 2009: 1,000 training images per class in x_train and 200
further training images per class in x_val, decoded from a JPEG export). One numpy Generator seeded with --seed
(default 0) draws, class by class (0..9), --train images (default 100) of the class from x_train without
replacement; then, class by class, --val images (default 20) from x_val; then it shuffles the train split and the
val split, so the classes are interleaved. Train and val therefore stay disjoint and class-balanced, and no image
of CIFAR-10's official test split is in either. The file keeps, for each image, its row in the source
(train_source_row, val_source_row). The arrays are reproducible from the seed; the zip's bytes are not (numpy
stamps the write time).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def draw(source: dict[str, np.ndarray], train: int, val: int, seed: int) -> dict[str, np.ndarray]:
    """The sample's arrays: x_* (N, 32, 32, 3) uint8, y_* (N,) uint8, *_source_row (N,) int32, classes (10,) str."""
    rng = np.random.default_rng(seed)
    classes = range(len(source["classes"]))
    rows = {
        split: np.concatenate(
            [rng.choice(np.flatnonzero(source[f"y_{split}"] == c), per_class, replace=False) for c in classes]
        )
        for split, per_class in (("train", train), ("val", val))
    }
    rows = {split: rng.permutation(chosen).astype(np.int32) for split, chosen in rows.items()}
    sample = {"classes": source["classes"]}
    for split, chosen in rows.items():
        sample.update({f"x_{split}": source[f"x_{split}"][chosen], f"y_{split}": source[f"y_{split}"][chosen]})
        sample[f"{split}_source_row"] = chosen
    return sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="../shared/data/cifar10_subset.npz")
    parser.add_argument("--out", default="snasray/data/embedded/cifar10_sample.npz")
    parser.add_argument("--train", type=int, default=100, help="training images per class")
    parser.add_argument("--val", type=int, default=20, help="validation images per class")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with np.load(args.source) as arrays:
        source = {key: arrays[key] for key in arrays.files}
    sample = draw(source, args.train, args.val, args.seed)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **sample)
    print(
        f"{len(sample['x_train'])} train + {len(sample['x_val'])} val images "
        f"-> {args.out} ({Path(args.out).stat().st_size:,} bytes)"
    )


if __name__ == "__main__":
    main()
