"""Driver time per proposal: how long each searcher's `ask` takes late in a search, in a large round.

    python benchmarks/ask_time.py --space snasnet-backward --told 500 --round-size 512

Each searcher is told `--told` answers (synthetic scores: the number of spiking convolutions, plus
noise), then asked one round of `--round-size` cells without answers, as `snasray search` asks a
round; the round's asks are timed. The driver asks a round while the workers wait for it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from snasray.cells import load_space
from snasray.search.searchers import make_searcher


def synthetic_score(cell, rng: np.random.Generator) -> dict:
    spiking = sum(1 for *_, op in cell.edges() if op in (2, 3))
    return {"score": spiking + rng.normal(0, 0.5), "firing_rate": 0.1, "synops": 1.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="snasnet-backward")
    parser.add_argument("--told", type=int, default=500)
    parser.add_argument("--round-size", type=int, default=512)
    parser.add_argument("--searchers", default="random;evolution;tpe;nsga2")
    args = parser.parse_args()
    space = load_space(args.space)
    print(f"space {args.space}, {args.told} answers told, then one round of {args.round_size} asks")
    print("| searcher | seconds to tell the answers | ms per ask in the round | seconds for the round |")
    print("| --- | --- | --- | --- |")
    for name in args.searchers.split(";"):
        rng = np.random.default_rng(0)
        searcher = make_searcher(name, space, 0)
        start = time.perf_counter()
        for _ in range(args.told):
            cell = searcher.ask()
            searcher.tell(cell, synthetic_score(cell, rng))
        told = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(args.round_size):
            searcher.ask()
        round_seconds = time.perf_counter() - start
        print(
            f"| {name} | {told:.1f} | {1000 * round_seconds / args.round_size:.1f} | {round_seconds:.1f} |", flush=True
        )


if __name__ == "__main__":
    main()
