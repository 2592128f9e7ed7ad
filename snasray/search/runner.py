"""`run_search`: Ray Tune drives the searcher, trials score batches of cells, the store keeps every row."""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd
import ray

from snasray.cells import load_space
from snasray.data import with_absolute_location
from snasray.errors import UserError
from snasray.score import ScoreConfig, Scorer
from snasray.search.cluster import connect, worker_slots
from snasray.search.dispatch import Dispatcher
from snasray.search.loop import SearchLoop
from snasray.search.progress import ProgressLine
from snasray.search.searchers import check_options, make_searcher
from snasray.search.store import ScoreStore
from snasray.search.trial import score_cells
from snasray.search.tune_adapter import RoundSearcher

RUN_FILE = "_run.json"


def quiet_tune() -> None:
    """Our progress line replaces Tune's tables; Tune's per-trial loggers are not needed either."""
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    logging.getLogger("ray.tune").setLevel(logging.ERROR)


@dataclass(frozen=True)
class SearchConfig:
    space: str = "snasnet-backward"
    searcher: str = "random"
    budget: int = 100
    seed: int = 0
    score: ScoreConfig = field(default_factory=ScoreConfig)
    workers: int | None = None  # concurrent trials; default: one per CPU (or GPU) slot
    cells_per_trial: int = 4
    cpus_per_worker: float = 1.0
    gpus_per_worker: float = 0.0
    searcher_options: dict = field(default_factory=dict)
    max_failures: int = 3

    def __post_init__(self) -> None:
        """Every setting checked before anything is written or Ray starts: raises ValueError for a count,
        seed or resource out of range (NaN, infinite, negative), an unknown searcher, option or objective,
        and a score table that cannot be read or lacks its columns."""
        from snasray.limits import MAX_COUNT, MAX_WORKERS, check_count, check_number, check_seed, shown
        from snasray.score.table import TableScorer
        from snasray.search.searchers import OBJECTIVES

        check_count("budget", self.budget, 1, MAX_COUNT)
        check_count("cells_per_trial", self.cells_per_trial, 1, MAX_WORKERS)
        if self.workers is not None:
            check_count("workers", self.workers, 1, MAX_WORKERS)
        check_seed(self.seed)
        check_number("cpus_per_worker", self.cpus_per_worker, high=MAX_WORKERS)
        check_number("gpus_per_worker", self.gpus_per_worker, high=MAX_WORKERS)
        check_count("max_failures", self.max_failures, 0, MAX_COUNT)
        check_options(self.searcher, self.searcher_options)
        for name, value in self.searcher_options.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                check_number(f"searcher option {name}", value, high=MAX_COUNT)
        objective = self.searcher_options.get("objective", OBJECTIVES[0])
        if objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {shown(objective)}; objectives are {', '.join(OBJECTIVES)}")
        if self.score.table:
            TableScorer(self.score.table)  # read in the driver: workers never meet a bad table

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SearchConfig:
        return cls(**{**data, "score": ScoreConfig(**data["score"])})


@dataclass(frozen=True)
class SearchOutcome:
    run_dir: Path
    run_id: str
    evaluations: int
    scored_now: int
    finished: bool
    exhausted: bool
    table: pd.DataFrame


def start_run(config: SearchConfig, run_dir: Path) -> str:
    """Create a run directory; refuse one that already holds a search."""
    if (run_dir / RUN_FILE).exists():
        raise UserError(f"{run_dir} already holds a search; pass --resume to continue it or choose another --out")
    run_dir.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:12]
    (run_dir / RUN_FILE).write_text(json.dumps({"run_id": run_id, "config": config.to_json()}, indent=2))
    return run_id


def load_run(run_dir: Path) -> tuple[str, SearchConfig]:
    path = run_dir / RUN_FILE
    if not path.is_file():
        raise UserError(f"{run_dir} holds no search to resume (no {RUN_FILE})")
    data = json.loads(path.read_text())
    return data["run_id"], SearchConfig.from_json(data["config"])


def run_search(
    config: SearchConfig,
    run_dir: str | Path,
    run_id: str | None = None,
    address: str | None = None,
    progress: bool = True,
) -> SearchOutcome:
    """Run (or, with the run's id, resume) a search into `run_dir`."""
    from ray import tune

    run_dir = Path(run_dir).resolve()
    space = load_space(config.space)
    if not (address or os.environ.get("RAY_ADDRESS") or config.score.table):
        Scorer(config.score).batches(config.seed)  # fail fast on missing data, before Ray starts
    run_id = run_id or start_run(config, run_dir)
    store = ScoreStore(run_dir)
    connect(address)
    workers = config.workers or worker_slots(config)
    score = config.score if config.gpus_per_worker == 0 else replace(config.score, device="cuda")
    score = replace(score, data_dir=with_absolute_location(score.data_config()).data_dir)
    searcher = make_searcher(config.searcher, space, config.seed, **config.searcher_options)
    loop = SearchLoop(
        searcher, config.budget, workers * config.cells_per_trial, known=store.index(score.config_hash(), config.seed)
    )
    already = len(loop.known)
    run_fields = {
        "run_id": run_id,
        "space": space.name,
        "searcher": config.searcher,
        "config_hash": score.config_hash(),
        "dataset": score.dataset,
        "preset": score.preset,
    }
    trial_config = {"score_config": asdict(score), "seed": config.seed, "run_fields": run_fields}
    line = ProgressLine(config.budget) if progress else None
    dispatcher = Dispatcher.remote()
    adapter = RoundSearcher(loop, store, trial_config, dispatcher, line)
    resources = {"cpu": config.cpus_per_worker, "gpu": config.gpus_per_worker}
    attempt = len(list((run_dir / "_tune").glob("attempt-*"))) if (run_dir / "_tune").exists() else 0
    quiet_tune()
    tuner = tune.Tuner(
        tune.with_resources(tune.with_parameters(score_cells, dispatcher=dispatcher), resources),
        tune_config=tune.TuneConfig(
            search_alg=adapter,
            num_samples=-1,
            max_concurrent_trials=workers,
            reuse_actors=True,
            trial_dirname_creator=lambda t: t.trial_id,
        ),
        run_config=tune.RunConfig(
            name=f"attempt-{attempt}",
            storage_path=str(run_dir / "_tune"),
            verbose=0,
            failure_config=tune.FailureConfig(max_failures=config.max_failures),
        ),
    )
    try:
        tuner.fit()
    finally:
        ray.kill(dispatcher)
    if line:
        line.close()
    if loop.current and loop.round_answered():
        loop.complete()
    table = store.read()
    return SearchOutcome(
        run_dir,
        run_id,
        loop.evaluations,
        len(table) - already,
        loop.finished,
        loop.exhausted,
        table[table["run_id"] == run_id],
    )
