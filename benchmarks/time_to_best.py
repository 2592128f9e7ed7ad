r"""Time to the released code's best cell: the paper's released search procedure against each snasray searcher.

    python benchmarks/time_to_best.py --table snasnet-forward_digits_tiny --space snasnet-forward --seeds 20
    python benchmarks/time_to_best.py --space snasnet-backward --dataset digits --preset tiny --seeds 5

The released procedure, per seed: 5,000 draws of the paper's sampler (`snasray.cells.sample_cell`, from a
generator of its own, `default_rng((seed, DRAW_STREAM))`, so that snasray's random searcher does not replay the
same draws), every draw scored (duplicates included), the best kept. Which cell it finds is computed with
snasray's scorer on the search's fixed batches (or looked up in the table), so both sides are judged by one
scorer; its wall time is draws x `--released-seconds`, the released code's per-candidate time measured side by
side at the same preset (`benchmarks/released_compare.py`). With real scoring each distinct cell is scored once
per seed and kept in `OUT/cache/seed-S.csv`, shared by the released pass and the searchers' dry runs, so an
interrupted run resumes where it stopped.

snasray's side, per searcher, number of workers and seed: first a dry run of the searcher through the
search's own round loop (`SearchLoop`, rounds of workers x cells per trial, scores from the table or the cache)
gives the evaluations it needs (at most `--dry-cap`) to score a cell at least as high as the released best;
then `run_search` runs with that budget, rounded up to a whole round, through a real Ray instance started
once for the whole benchmark (so Ray's own start-up, 4-10 s, is left out and printed apart). Its time to the
best is the timestamp of the first stored row at or above the released best minus the moment `run_search` was
called. A searcher that cannot run the dry run (one that scores supernets rather than cells) gets
`--max-evaluations` as its budget; with a table such searchers are skipped, with the reason in the output. A
searcher whose dry run needs more than `--max-evaluations` runs that many, and its time to the best is
estimated as the run's seconds per evaluation times the dry run's count (column `estimated`); one that
reaches the target in no dry run within the cap is reported as not reached, its time a lower bound.

Writes, under `--out`: released.csv (per seed), runs.csv (one row per run, appended as each run ends, so a
rerun skips what is done), summary.md (medians and ranges; `--summary` prints it from what is there).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from snasray.cells import load_space, sample_cell
from snasray.cli.search_cmd import parse_searcher_options
from snasray.search import SearchConfig, SearchLoop, run_search
from snasray.search.searchers import SEARCHERS, make_searcher

DRAW_STREAM = 5000  # second word of the released procedure's generator seed
# The released code's per candidate (build + 2 batches of 64, one thread), digits, tiny preset, measured side by side:
# `released_compare.py --released ../released --dataset digits --preset tiny --pairs 20 --warmup 2` (2026-11-30).
RELEASED_SECONDS = 0.133
RUN_FIELDS = [
    "searcher", "workers", "seed", "target", "dry_evaluations", "budget", "evaluations", "hit_order", "reached",
    "seconds_to_best", "run_seconds", "estimated", "released_seconds", "speedup",
]  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--table", help="score table (name or path); without it, cells are scored for real")
    p.add_argument("--space", default="snasnet-backward")
    p.add_argument("--dataset", default="digits")
    p.add_argument("--preset", default="tiny")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--repeat", type=int, default=2, help="scoring batches per cell (the released code's 2)")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    p.add_argument("--cells-per-trial", type=int, default=4)
    p.add_argument(
        "--searchers",
        default=";".join(sorted(SEARCHERS)),
        help="';'-separated NAME[:OPTION=VALUE,...]; default every registered searcher",
    )
    p.add_argument("--draws", type=int, default=5000, help="the released procedure's draws")
    p.add_argument("--released-seconds", type=float, default=RELEASED_SECONDS, help="released code, per candidate")
    p.add_argument("--max-evaluations", type=int, default=200, help="budget cap of one search")
    p.add_argument("--dry-cap", type=int, default=3000, help="evaluations a dry run may take (scored once, cached)")
    p.add_argument("--dry-only", action="store_true", help="only the dry runs (no Ray): evaluations, into dry.csv")
    p.add_argument("--summary", action="store_true", help="only summarise what --out already holds")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/time_to_best"))
    args = p.parse_args(argv)
    if args.seeds < 1 or args.draws < 1 or args.max_evaluations < 1 or args.released_seconds <= 0:
        p.error("--seeds, --draws, --max-evaluations and --released-seconds must be positive")
    return args


def score_config(args):
    from snasray.score import ScoreConfig

    return ScoreConfig(
        dataset=args.dataset, preset=args.preset, batch_size=args.batch_size, repeat=args.repeat, table=args.table
    )


class CachedScores:
    """Score of each distinct cell (canonical key) for one seed: table lookups, or real scores kept on disk."""

    def __init__(self, args, seed: int) -> None:
        from snasray.score import make_scorer

        self.seed, self.scorer = seed, make_scorer(score_config(args))
        self.path = None if args.table else args.out / "cache" / f"seed-{seed}.csv"
        self.known: dict[str, float] = {}
        if self.path and self.path.is_file():
            for row in csv.DictReader(self.path.open()):
                self.known[row["key"]] = float(row["score"])

    def __call__(self, cell) -> float:
        key = cell.canonical_key()
        if key not in self.known:
            self.known[key] = self.scorer.score(cell, self.seed).score
            if self.path:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                new = not self.path.is_file()
                with self.path.open("a") as f:
                    f.write(("key,score\n" if new else "") + f"{key},{self.known[key]!r}\n")
        return self.known[key]


def released_best(args, space, scores: CachedScores) -> dict:
    """The released procedure for one seed: its draws, distinct cells and best score."""
    rng = np.random.default_rng((scores.seed, DRAW_STREAM))
    draws = [sample_cell(space, rng) for _ in range(args.draws)]
    best = max(draws, key=scores)
    keys = {c.canonical_key() for c in draws}
    return {
        "seed": scores.seed,
        "draws": args.draws,
        "distinct": len(keys),
        "best_key": best.canonical_key(),
        "best_score": scores(best),
        "released_seconds": args.draws * args.released_seconds,
    }


def dry_evaluations(name: str, options: dict, space, seed: int, scores, target: float, round_size: int, cap: int):
    """Evaluations the searcher needs to reach `target` through the search's round loop (None: not in `cap`)."""
    loop = SearchLoop(make_searcher(name, space, seed, **options), budget=cap, round_size=round_size)
    while not loop.finished:
        loop.next_round()
        rows = []
        for proposal in loop.to_score():
            value = scores(proposal.cell)
            key = proposal.cell.canonical_key()
            rows.append({"key": key, "cell": str(proposal.cell), "score": value, "order": proposal.order})
            rows[-1].update(firing_rate=math.nan, synops=math.nan)
        loop.record(rows)
        loop.complete()
        hits = [r["order"] for r in loop.told.values() if r["score"] >= target]
        if hits:
            return min(hits) + 1
    return None


def timed_search(args, spec: str, workers: int, seed: int, budget: int, target: float) -> dict:
    """One `run_search` into OUT/runs/...: its wall time and the time of its first row at or above `target`."""
    name, options = parse_spec(spec)
    run_dir = args.out / "runs" / f"{spec.replace(':', '_').replace(',', '_')}-w{workers}-s{seed}"
    shutil.rmtree(run_dir, ignore_errors=True)  # an interrupted run of an earlier call
    config = SearchConfig(
        space=args.space,
        searcher=name,
        budget=budget,
        seed=seed,
        score=score_config(args),
        workers=workers,
        cells_per_trial=args.cells_per_trial,
        searcher_options=options,
    )
    started = pd.Timestamp.now(tz="UTC")
    clock = time.perf_counter()
    outcome = run_search(config, run_dir, progress=False)
    run_seconds = time.perf_counter() - clock
    rows = outcome.table[outcome.table["status"] == "ok"]
    hits = rows[rows["score"] >= target]
    reached = len(hits) > 0
    first = hits.sort_values("timestamp").iloc[0] if reached else None
    return {
        "evaluations": outcome.evaluations,
        "hit_order": int(first["order"]) + 1 if reached else "",
        "reached": reached,
        "seconds_to_best": (first["timestamp"] - started).total_seconds() if reached else run_seconds,
        "run_seconds": run_seconds,
    }


def parse_spec(spec: str) -> tuple[str, dict]:
    """ "evolution:screen=0,population=16" -> ("evolution", {"screen": 0, "population": 16})."""
    name, _, rest = spec.partition(":")
    return name, parse_searcher_options(list(filter(None, rest.split(","))))


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open())) if path.is_file() else []


def append_csv(path: Path, fields: list[str], row: dict) -> None:
    new = not path.is_file()
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        if new:
            writer.writeheader()
        writer.writerow(row)


def start_ray(args) -> float:
    """A private Ray instance for the whole benchmark, in a temp dir of its own; returns its start-up seconds."""
    import ray

    clock = time.perf_counter()
    temp = Path(f"/tmp/ttb-ray-{os.getpid()}")
    workers = max(int(w) for w in args.workers.split(","))
    ray.init(num_cpus=workers, _temp_dir=str(temp), include_dashboard=False, log_to_driver=False)
    return time.perf_counter() - clock


def summarise(args, released: list[dict], runs: list[dict], skipped: dict[str, str]) -> str:
    fmt = lambda v: f"{statistics.median(v):.3g} [{min(v):.3g}, {max(v):.3g}]"  # noqa: E731
    timed = bool(runs) and "run_seconds" in runs[0]
    lines = [
        f"space {args.space}, {'table ' + args.table if args.table else 'real scoring'}, {args.dataset}/{args.preset},"
        f" batch {args.batch_size} x {args.repeat}; seeds {args.first_seed}..{args.first_seed + args.seeds - 1};"
        f" released: {args.draws} draws x {args.released_seconds} s",
        "",
        f"released procedure: distinct cells {fmt([int(r['distinct']) for r in released])},"
        f" best score {fmt([float(r['best_score']) for r in released])},"
        f" {args.draws * args.released_seconds:.0f} s per seed",
        "",
        "median [min, max] over seeds; time to best: run_search call to the first stored row at or above the"
        " released best (Ray already running)",
        "",
        "| searcher | workers | seeds | reached | evaluations (dry run; not reached: the cap) | draws / evaluations |"
        + (" evaluations (search) | run s per evaluation | time to best s | speed-up over released |" if timed else ""),
        "|" + " --- |" * (10 if timed else 6),
    ]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in runs:
        groups.setdefault((r["searcher"], r["workers"]), []).append(r)
    for (spec, workers), rows in groups.items():
        dry = [int(r["dry_evaluations"] or args.dry_cap) for r in rows]  # not reached: the cap, a lower bound
        hit = [int(r["hit_order"]) for r in rows if r.get("hit_order")]
        reached = sum(r.get("reached", str(bool(r["dry_evaluations"]))) == "True" for r in rows)
        estimated = sum(r.get("estimated") == "True" for r in rows)
        cells = [
            spec,
            workers,
            str(len(rows)),
            f"{reached}/{len(rows)}" + (f" ({estimated} estimated)" if estimated else ""),
            fmt(dry) if dry else "-",
            fmt([args.draws / d for d in dry]) if dry else "-",
        ]
        if timed:
            cells += [
                fmt(hit) if hit else "-",
                fmt([float(r["run_seconds"]) / int(r["evaluations"]) for r in rows]),
                fmt([float(r["seconds_to_best"]) for r in rows]),
                fmt([float(r["speedup"]) for r in rows]),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [f"- {name}: skipped ({why})" for name, why in skipped.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import ray
    import torch

    args = parse_args(argv)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    space = load_space(args.space)
    worker_counts = [int(w) for w in args.workers.split(",")]
    specs = [s for s in args.searchers.split(";") if s]
    released_path = args.out / "released.csv"
    runs_path = args.out / ("dry.csv" if args.dry_only else "runs.csv")
    released = {int(r["seed"]): r for r in read_csv(released_path)}
    done = {(r["searcher"], int(r["workers"]), int(r["seed"])) for r in read_csv(runs_path)}
    skipped: dict[str, str] = {}
    if args.summary:
        print(summarise(args, [released[s] for s in sorted(released)], read_csv(runs_path), skipped))
        return 0
    if not args.dry_only:
        print(f"ray started in {start_ray(args):.1f} s (left out of every time below)", flush=True)
    print(f"load average {os.getloadavg()}", flush=True)
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        scores = CachedScores(args, seed)
        if seed not in released:
            clock = time.perf_counter()
            released[seed] = released_best(args, space, scores)
            append_csv(released_path, list(released[seed]), released[seed])
            print(f"seed {seed}: released best {released[seed]} ({time.perf_counter() - clock:.0f} s)", flush=True)
        target = float(released[seed]["best_score"])
        released_seconds = float(released[seed]["released_seconds"])
        for workers in worker_counts:
            for spec in specs:
                if spec in skipped or (spec, workers, seed) in done:
                    continue
                name, options = parse_spec(spec)
                round_size, budget_cap = workers * args.cells_per_trial, args.max_evaluations
                try:
                    dry = dry_evaluations(name, options, space, seed, scores, target, round_size, args.dry_cap)
                except Exception as err:  # a searcher the round loop cannot drive with cell scores
                    if args.table:
                        skipped[spec] = f"cannot run on a table: {str(err).splitlines()[0] if str(err) else err!r}"
                        print(f"{spec}: {skipped[spec]}", flush=True)
                        continue
                    dry = None
                budget = args.max_evaluations if dry is None else min(-(-dry // round_size) * round_size, budget_cap)
                row = {
                    "searcher": spec,
                    "workers": workers,
                    "seed": seed,
                    "target": target,
                    "dry_evaluations": dry or "",
                }
                if args.dry_only:
                    append_csv(runs_path, list(row), row)
                    continue
                row |= {"budget": budget, **timed_search(args, spec, workers, seed, budget, target)}
                row["estimated"] = not row["reached"] and dry is not None
                if row["estimated"]:  # beyond the cap: the run's seconds per evaluation, times the dry run's count
                    row["seconds_to_best"] = row["run_seconds"] * dry / row["evaluations"]
                row |= {"released_seconds": released_seconds, "speedup": released_seconds / row["seconds_to_best"]}
                append_csv(runs_path, RUN_FIELDS, row)
                print(
                    f"seed {seed} {spec} x{workers}: dry {dry}, hit at {row['hit_order']}, reached {row['reached']},"
                    f" {row['seconds_to_best']:.1f} s to best, run {row['run_seconds']:.1f} s, {row['speedup']:.0f}x",
                    flush=True,
                )
    text = summarise(args, [released[s] for s in sorted(released)], read_csv(runs_path), skipped)
    (args.out / ("summary-dry.md" if args.dry_only else "summary.md")).write_text(text)
    print(text)
    if not args.dry_only:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
