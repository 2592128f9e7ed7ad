"""Evaluations each searcher needs to reach the score table's top 1%, over many seeds.

    python benchmarks/searcher_efficiency.py --table snasnet-forward_digits_tiny --seeds 20

Searchers run through the same round loop as `snasray search` (rounds of 8, deduplicated by
canonical key), scored by table lookup, so only the proposals differ.
"""

from __future__ import annotations

import argparse
import statistics
import time

from snasray.cells import load_space
from snasray.cli.search_cmd import parse_searcher_options
from snasray.score.table import TableScorer
from snasray.search import SearchLoop
from snasray.search.searchers import make_searcher


def evaluations_to_top(
    spec: str, seed: int, scorer: TableScorer, threshold: float, space, budget: int, round_size: int
) -> int | None:
    name, options = parse_spec(spec)
    loop = SearchLoop(make_searcher(name, space, seed, **options), budget=budget, round_size=round_size)
    while not loop.finished:
        loop.next_round()
        rows = []
        for proposal in loop.to_score():
            result = scorer.score(proposal.cell, seed)
            rows.append(
                {
                    "key": result.key,
                    "cell": str(proposal.cell),
                    "score": result.score,
                    "firing_rate": result.firing_rate,
                    "synops": result.synops,
                    "order": proposal.order,
                }
            )
        loop.record(rows)
        loop.complete()
        hits = [r["order"] for r in loop.told.values() if r["score"] >= threshold]
        if hits:
            return min(hits) + 1
    return None


def parse_spec(spec: str) -> tuple[str, dict]:
    """ "evolution:screen=0,population=16" -> ("evolution", {"screen": 0, "population": 16})."""
    name, _, rest = spec.partition(":")
    return name, parse_searcher_options(list(filter(None, rest.split(","))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="snasnet-forward_digits_tiny")
    parser.add_argument("--space", default="snasnet-forward")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--round-size", type=int, default=8)
    parser.add_argument(
        "--searchers",
        default="random;evolution;evolution:screen=0;tpe;nsga2",
        help="';'-separated NAME[:OPTION=VALUE,...], e.g. 'evolution:screen=0,population=16'",
    )
    args = parser.parse_args()
    scorer = TableScorer(args.table)
    threshold = scorer.frame["score"].quantile(0.99)
    space = load_space(args.space)
    print(f"table {args.table}: {len(scorer.frame)} cells, top-1% threshold {threshold:.4f}")
    print("| searcher | median evaluations to top 1% | mean | found in budget | seconds |")
    print("| --- | --- | --- | --- | --- |")
    medians = {}
    for name in args.searchers.split(";"):
        start = time.perf_counter()
        found = [
            evaluations_to_top(name, s, scorer, threshold, space, args.budget, args.round_size)
            for s in range(args.seeds)
        ]
        hits = [f if f is not None else args.budget for f in found]
        medians[name] = statistics.median(hits)
        print(
            f"| {name} | {medians[name]:.0f} | {statistics.mean(hits):.0f} |"
            f" {sum(f is not None for f in found)}/{args.seeds} | {time.perf_counter() - start:.0f} |",
            flush=True,
        )
    base = medians.get("random")
    if base:
        print("\nspeed-up over random (median): " + ", ".join(f"{n} {base / m:.1f}x" for n, m in medians.items()))


if __name__ == "__main__":
    main()
