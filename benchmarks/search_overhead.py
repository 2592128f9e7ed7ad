"""Orchestration overhead of `snasray search` and its scaling from 1 to 2 workers.

    python benchmarks/search_overhead.py --budget 48 --preset tiny

Overhead: cells/s through `run_search` (Ray Tune trials carrying batches of cells) divided by
cells/s of a plain loop over the same cells on the same number of Ray actors, each calling the same
scorer. Both are timed from a running Ray instance, starting their workers and loading the data
included ("cold"); the plain loop is also timed once its actors hold their data ("warm"), which charges
every start-up cost to the search. Each is run `--trials` times and the fastest run counts (the least
disturbed by other load on the machine).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import ray
import torch

from snasray.cells import Cell
from snasray.score import ScoreConfig, Scorer
from snasray.search import SearchConfig, run_search


@ray.remote(num_cpus=1)
class PlainWorker:
    def __init__(self, config: ScoreConfig) -> None:
        torch.set_num_threads(1)
        self.scorer = Scorer(config)

    def ready(self, seed: int) -> bool:
        self.scorer.batches(seed)
        return True

    def score(self, keys: list[str], seed: int) -> int:
        for key in keys:
            self.scorer.score(Cell.parse(key), seed)
        return len(keys)


def plain_loop(keys: list[str], workers: int, config: ScoreConfig, seed: int) -> tuple[float, float]:
    """Seconds (cold, warm) to score `keys` on `workers` fresh actors."""
    cold = time.perf_counter()
    actors = [PlainWorker.remote(config) for _ in range(workers)]
    ray.get([a.ready.remote(seed) for a in actors])
    warm = time.perf_counter()
    done = ray.get([a.score.remote(keys[i::workers], seed) for i, a in enumerate(actors)])
    end = time.perf_counter()
    for actor in actors:
        ray.kill(actor)
    assert sum(done) == len(keys)
    return end - cold, end - warm


def searched(budget: int, workers: int, cells_per_trial: int, config: ScoreConfig, seed: int):
    search = SearchConfig(
        space="snasnet-backward",
        searcher="random",
        budget=budget,
        seed=seed,
        score=config,
        workers=workers,
        cells_per_trial=cells_per_trial,
    )
    with tempfile.TemporaryDirectory() as run_dir:
        start = time.perf_counter()
        outcome = run_search(search, run_dir, progress=False)
        elapsed = time.perf_counter() - start
    return elapsed, list(outcome.table.sort_values("order")["key"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=48)
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--dataset", default="cifar10-subset")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--cells-per-trial", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=2)
    args = parser.parse_args()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    config = ScoreConfig(dataset=args.dataset, preset=args.preset, batch_size=args.batch_size, repeat=2)
    rates = {}
    print(
        f"{args.budget} cells, preset {args.preset}, {args.dataset}, batch {args.batch_size} x 2,"
        f" {args.cells_per_trial} cells per trial"
    )
    print(
        "| workers | search s | search cells/s | plain cold s | plain warm s"
        " | search / plain cold | search / plain warm |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for workers in (1, 2):
        runs = [searched(args.budget, workers, args.cells_per_trial, config, args.seed) for _ in range(args.trials)]
        search_s, keys = min(runs)
        plain = [plain_loop(keys, workers, config, args.seed) for _ in range(args.trials)]
        cold_s, warm_s = min(c for c, _ in plain), min(w for _, w in plain)
        rates[workers] = len(keys) / search_s
        print(
            f"| {workers} | {search_s:.1f} | {rates[workers]:.2f} | {cold_s:.1f} | {warm_s:.1f} |"
            f" {cold_s / search_s:.2f} | {warm_s / search_s:.2f} |",
            flush=True,
        )
    print(f"\nscaling 1 -> 2 workers through snasray search: {rates[2] / rates[1]:.2f}x")
    ray.shutdown()


if __name__ == "__main__":
    main()
