"""`run_spikenas_bench`: score every cell of SpikeNAS-Bench's space with a sweep search, then report on a table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from snasray.bench.correlation import join_proxies
from snasray.bench.report import BenchReport, write_bench_report
from snasray.bench.spikenas import SPIKENAS_SPACE, read_spikenas
from snasray.cells import count_space, load_space
from snasray.proxies import PROXIES
from snasray.score import ScoreConfig
from snasray.search.runner import SearchConfig, run_search

DEFAULT_SCORE = ScoreConfig(preset="spikenas-tiny")
REPORT_PREFIX = "_bench-"


@dataclass(frozen=True)
class BenchOutcome:
    run_dir: Path
    scored: int  # canonical keys with a row
    space_keys: int  # canonical keys of the space
    report: BenchReport


def run_spikenas_bench(
    checkout: str | Path,
    run_dir: str | Path,
    dataset: str = "cifar10",
    score: ScoreConfig = DEFAULT_SCORE,
    *,
    budget: int | None = None,
    seed: int = 0,
    resume: bool = False,
    workers: int | None = None,
    address: str | None = None,
    bootstrap: int = 200,
    search_seeds: int = 10,
    search_proxies: list[str] | None = None,
    progress: bool = True,
    on_step=None,
) -> BenchOutcome:
    """Score the `spikenas-bench` space's canonical cells (a ``sweep`` search: resumable, Ray-parallel, locked as any
    search; ``resume=True`` continues one) and write a report on `dataset`'s trained ids into
    ``RUN_DIR/_bench-<dataset>/`` (`write_bench_report`).

    checkout: a SpikeNAS-Bench checkout (its ``data/`` folder); budget: keys to score (default: all 8,765, in a
    seeded random order, so a partial sweep is a uniform sample); search_proxies: the proxies that drive searchers
    on the table (default: the score's proxy and ``params``), run only once every key is scored.
    Raises UserError for a checkout that cannot be read and whatever `run_search` raises.
    """
    table = read_spikenas(checkout, dataset)  # before anything is scored: a bad checkout fails at once
    space = load_space(SPIKENAS_SPACE)
    total = count_space(space).canonical
    config = SearchConfig(
        space=SPIKENAS_SPACE, searcher="sweep", budget=budget or total, seed=seed, score=score, workers=workers
    )
    outcome = run_search(config, run_dir, resume=resume, address=address, progress=progress)
    scores = outcome.table
    frame = join_proxies(table, scores, space)
    proxies = [c for c in frame.columns if c in PROXIES and frame[c].notna().any()]
    complete = scores["key"].nunique() >= total
    chosen = search_proxies if search_proxies is not None else list(dict.fromkeys([score.proxy, "params"]))
    run_dir = Path(run_dir)
    notes = [
        f"Scores: run `{run_dir}` ({scores['key'].nunique():,} of the space's {total:,} canonical keys), preset"
        f" {score.preset}, data {score.dataset}, batch {score.batch_size} x {score.repeat}, seed {seed}.",
    ]
    if not complete and chosen:
        notes.append("Search on the table: skipped until every key is scored (resume the run with a full budget).")
    report = write_bench_report(
        frame,
        proxies,
        run_dir / f"{REPORT_PREFIX}{dataset}",
        f"SpikeNAS-Bench {dataset}: training-free proxies against trained accuracy",
        notes,
        bootstrap=bootstrap,
        search_proxies=chosen if complete else None,
        seeds=search_seeds,
        space=space,
        on_step=on_step,
    )
    return BenchOutcome(run_dir, int(scores["key"].nunique()), total, report)
