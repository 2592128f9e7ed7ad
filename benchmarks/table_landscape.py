"""Where a score table's top 1% lies: the pair states its cells share, and what a linear model sees.

    python benchmarks/table_landscape.py --table snasnet-forward_digits_tiny --space snasnet-forward

Prints, per pair, the op (or kind of op) held by most top cells, the set of cells that hold all of them, the share of
that set in the top 1%, and the rank of the first top cell under a least-squares fit of the
surrogate's features to the whole table, and how often the paper's sampler draws a top cell.
"""

from __future__ import annotations

import argparse

import numpy as np

from snasray.cells import OPS, Cell, load_space, sample_matrices
from snasray.cells.cell import canonical_keys
from snasray.score.table import TableScorer
from snasray.search.searchers.surrogate import SPIKING, batch_features

COMMON = 0.9  # a pair state held by this share of the top cells counts as shared
SAMPLER_DRAWS = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="snasnet-forward_digits_tiny")
    parser.add_argument("--space", default="snasnet-forward")
    args = parser.parse_args()
    space = load_space(args.space)
    frame = TableScorer(args.table).frame
    threshold = frame["score"].quantile(0.99)  # as searcher_efficiency.py computes it
    frame = frame[np.isfinite(frame["score"])]
    matrices = np.stack([Cell.parse(key).array() for key in frame.index])
    top = frame["score"].to_numpy() >= threshold
    print(f"{len(frame)} finite cells, {top.sum()} at or above the top-1% threshold {threshold:.4f}")

    spiking = SPIKING[matrices]
    shared = np.ones(len(frame), dtype=bool)
    for i, j in space.pairs():
        for name, holds in [(OPS[op].name, matrices[:, i, j] == op) for op in space.ops if op] + [
            ("a spiking conv", spiking[:, i, j])
        ]:
            if holds[top].mean() >= COMMON:
                print(f"{i} -> {j} holds {name} in {holds[top].mean():.0%} of top cells")
                shared &= holds
                break
    share = top[shared].mean()
    print(f"{shared.sum()} cells hold all of these; {top[shared].sum()} of them are top-1% ({share:.0%})")

    features = np.column_stack([batch_features(matrices, space), np.ones(len(frame))])
    weights, *_ = np.linalg.lstsq(features, frame["score"].to_numpy(), rcond=None)
    order = np.argsort(-(features @ weights))
    print(f"least-squares fit on every cell: first top cell at rank {int(np.argmax(top[order])) + 1}")

    draws = sample_matrices(space, np.random.default_rng(0), SAMPLER_DRAWS)
    top_keys = set(frame.index[top])
    hits = sum(key in top_keys for key in canonical_keys(draws))
    print(
        f"the paper's sampler drew a top cell {hits} times in {SAMPLER_DRAWS:,} draws"
        f" (once in {SAMPLER_DRAWS / hits:.0f})"
    )


if __name__ == "__main__":
    main()
