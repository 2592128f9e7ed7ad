"""The cost of each proxy per cell: the shared forward passes, and each gradient proxy's own backward pass.

    python benchmarks/proxy_cost.py                      # spikenas-tiny, cifar10-sample, batch 64 x 2, 12 cells
    python benchmarks/proxy_cost.py --preset spikenas-small --cells 8

Every forward proxy (sahd, sahd-spikenas, hd, params, synops, firing_rate, fit-spikenas) comes from the same scoring
forward passes: their cost is one `Scorer.score` with the default proxy. A gradient proxy adds its own forward and
backward pass on one batch: its cost is the time of a score that also records it, less the plain score, each cell
timed both ways back to back (so both see the same machine load). One thread, as a scoring worker of a search.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch

from snasray.cells import load_space, sample_cell
from snasray.proxies import PROXIES
from snasray.score import ScoreConfig, Scorer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="spikenas-tiny")
    parser.add_argument("--dataset", default="cifar10-sample")
    parser.add_argument("--cells", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    space = load_space("spikenas-bench")
    rng = np.random.default_rng(0)
    cells = []
    while len(cells) < args.cells:  # cells with a path: a dead cell costs nothing
        cell = sample_cell(space, rng)
        if cell.prune().edges():
            cells.append(cell)
    base = ScoreConfig(dataset=args.dataset, preset=args.preset, batch_size=args.batch_size, ops=space.op_table)
    plain = Scorer(base)
    gradient = sorted(n for n, p in PROXIES.items() if p.stage == "gradient")
    scorers = {n: Scorer(ScoreConfig(**{**base.__dict__, "proxies": (n,)})) for n in gradient}
    for scorer in (plain, *scorers.values()):
        scorer.score(cells[0], 0)  # warm-up: data, Gram path calibration
    times: dict[str, list[float]] = {"forward (all forward proxies)": [], **{n: [] for n in gradient}}
    for cell in cells:
        for name, scorer in scorers.items():
            start = time.perf_counter()
            plain.score(cell, 0)
            middle = time.perf_counter()
            scorer.score(cell, 0)
            end = time.perf_counter()
            times["forward (all forward proxies)"].append(middle - start)
            times[name].append((end - middle) - (middle - start))
    load = os.getloadavg()[0]
    print(
        f"preset {args.preset}, data {args.dataset}, batch {args.batch_size} x 2, {args.cells} cells, 1 thread,"
        f" load {load:.1f}"
    )
    print("| proxy | seconds per cell (median) | min | max |")
    print("|---|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.3f} | {min(values):.3f} | {max(values):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
