"""`run_spikenas_bench`: score every cell of SpikeNAS-Bench's space with a sweep search, then report on a table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from snasray.bench.correlation import join_proxies
from snasray.bench.report import BenchReport, write_bench_report
from snasray.bench.spikenas import SPIKENAS_SPACE, read_spikenas
from snasray.cells import count_space, load_space
from snasray.limits import check_count
from snasray.proxies import PROXIES, get_proxy
from snasray.rundir import check_output_folder
from snasray.score import ScoreConfig
from snasray.search.runner import SearchConfig, load_run, run_search

DEFAULT_SCORE = ScoreConfig(preset="spikenas-tiny")
REPORT_PREFIX = "_bench-"
MIN_BOOTSTRAP = 20  # fewer draws give no 95% interval worth the name


@dataclass(frozen=True)
class BenchOutcome:
    run_dir: Path
    scored: int  # canonical keys with a row
    space_keys: int  # canonical keys of the space
    finished: bool  # False: the sweep stopped early (Ctrl-C); no report was written, resume it
    report: BenchReport | None


def run_spikenas_bench(
    checkout: str | Path,
    run_dir: str | Path,
    dataset: str = "cifar10",
    score: ScoreConfig | None = None,
    *,
    budget: int | None = None,
    seed: int | None = None,
    resume: bool = False,
    score_overrides: dict | None = None,
    workers: int | None = None,
    address: str | None = None,
    bootstrap: int = 200,
    search_seeds: int = 10,
    search_proxies: list[str] | None = None,
    progress: bool = True,
    on_step=None,
) -> BenchOutcome:
    """Score the `spikenas-bench` space's canonical cells (a ``sweep`` search: resumable, Ray-parallel, locked as any
    search) and write a report on `dataset`'s trained ids into ``RUN_DIR/_bench-<dataset>/`` (`write_bench_report`).

    checkout: a SpikeNAS-Bench checkout (its ``data/`` folder); score: the scoring settings of a new run (default
    `DEFAULT_SCORE`); ``resume=True`` continues the run in `run_dir` with its own settings, the budget, workers and
    `score_overrides` (score fields; a change of what is scored is refused, as `run_search` refuses it) taken from
    the call; budget: keys to score (default: all 8,765, in a seeded random order, so a partial sweep is a uniform
    sample); search_proxies: the proxies that drive searchers on the table (default: the score's proxy and
    ``params``; a gradient proxy must be the score's or a recorded one), run once every key is scored.
    A sweep stopped early (Ctrl-C) returns ``finished=False`` and writes no report.
    Raises UserError for a checkout that cannot be read or a report folder that is a file, ValueError for settings
    out of range, and whatever `run_search` raises.
    """
    check_count("bootstrap", bootstrap, 0, 100_000)
    if 0 < bootstrap < MIN_BOOTSTRAP:
        raise ValueError(f"bootstrap must be 0 (no intervals) or at least {MIN_BOOTSTRAP} draws, got {bootstrap}")
    check_count("search_seeds", search_seeds, 1, 10_000)
    run_dir = Path(run_dir)
    check_output_folder(run_dir / f"{REPORT_PREFIX}{dataset}", "the report folder")
    if resume:
        _, stored = load_run(run_dir)
        score = replace(stored.score, **(score_overrides or {}))
        seed = stored.seed if seed is None else seed
        budget = budget or stored.budget
    score = score or DEFAULT_SCORE
    seed = 0 if seed is None else seed
    chosen = search_proxies if search_proxies is not None else list(dict.fromkeys([score.proxy, "params"]))
    recorded = {score.proxy, *score.proxies}
    for name in chosen:
        if get_proxy(name).stage == "gradient" and name not in recorded:
            raise ValueError(
                f"search proxy {name} is a gradient proxy the sweep does not record: add it as the"
                " proxy or a recorded proxy of the sweep"
            )
    table = read_spikenas(checkout, dataset)  # before anything is scored: a bad checkout fails at once
    space = load_space(SPIKENAS_SPACE)
    total = count_space(space).canonical
    config = SearchConfig(
        space=SPIKENAS_SPACE, searcher="sweep", budget=budget or total, seed=seed, score=score, workers=workers
    )
    outcome = run_search(config, run_dir, resume=resume, address=address, progress=progress)
    scores = outcome.table
    if not outcome.finished:
        return BenchOutcome(run_dir, int(scores["key"].nunique()) if len(scores) else 0, total, False, None)
    frame = join_proxies(table, scores, space)
    proxies = [c for c in frame.columns if c in PROXIES and frame[c].notna().any()]
    complete = scores["key"].nunique() >= total and set(scores["key"]) <= set(frame["key"])
    notes = [
        f"Scores: run `{run_dir}` ({scores['key'].nunique():,} of the space's {total:,} canonical keys), preset"
        f" {score.preset}, data {score.dataset}, batch {score.batch_size} x {score.repeat}, seed {seed}.",
    ]
    if frame.empty:
        notes.append(f"None of the scored keys is a trained id of the {dataset} table: nothing to correlate yet.")
    if not complete and chosen:
        notes.append(
            "Search on the table: skipped; it needs every key scored (resume the run with a full budget) and a table"
            " that trained every key (CIFAR-10's; the CIFAR-100 and TinyImageNet tables trained a few hundred ids)."
        )
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
    return BenchOutcome(run_dir, int(scores["key"].nunique()), total, True, report)
