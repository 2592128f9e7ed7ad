"""Score every distinct canonical cell of a space once into a table for the `table` scorer.

    python benchmarks/make_score_table.py --space snasnet-forward --dataset digits --preset tiny \
        --out snasray/tables/snasnet-forward_digits_tiny.parquet
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
import torch

from snasray.cells import canonical_cells, load_space
from snasray.score import ScoreConfig, Scorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="snasnet-forward")
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = ScoreConfig(dataset=args.dataset, preset=args.preset, batch_size=args.batch_size, repeat=args.repeat)
    scorer = Scorer(config)
    cells = canonical_cells(load_space(args.space))
    rows, start = [], time.perf_counter()
    for i, cell in enumerate(cells):
        result = scorer.score(cell, args.seed)
        rows.append(
            {
                "key": result.key,
                "score": result.score,
                "firing_rate": result.firing_rate,
                "synops": result.synops,
                "params": result.params,
            }
        )
        if i % 500 == 0:
            print(f"{i}/{len(cells)} cells, {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    frame.attrs = {}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(args.out, index=False)
    print(
        f"{len(frame)} cells scored in {time.perf_counter() - start:.0f} s -> {args.out}"
        f" (config {config.config_hash()}, space {args.space}, seed {args.seed})"
    )


if __name__ == "__main__":
    main()
