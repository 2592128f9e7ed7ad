"""`run_search`: Ray Tune drives the searcher, trials score batches of cells, the store keeps every row."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd
import ray

from snasray.cells import load_space
from snasray.data import with_absolute_location
from snasray.devices import check_search_devices, require_search_devices
from snasray.errors import UserError
from snasray.score import ScoreConfig, Scorer
from snasray.search.cluster import ray_session, worker_slots
from snasray.search.dispatch import Dispatcher
from snasray.search.loop import SearchLoop
from snasray.search.progress import ProgressLine
from snasray.search.searchers import check_options, make_searcher
from snasray.search.store import ScoreStore
from snasray.search.trial import score_cells
from snasray.search.tune_adapter import RoundSearcher

RUN_FILE = "_run.json"


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
        if self.budget < 1:
            raise ValueError("budget must be >= 1")
        if self.cells_per_trial < 1:
            raise ValueError("cells_per_trial must be >= 1")
        if self.workers is not None and self.workers < 1:
            raise ValueError("workers must be >= 1")
        check_options(self.searcher, self.searcher_options)

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
    """Run (or, with the run's id, resume) a search into `run_dir`.

    Ray: the one this process already initialised is used and left running; otherwise the search connects as
    `snasray.search.cluster.connect(address)` does (a cluster, or a private local instance) and disconnects on
    return or error (`ray.shutdown()`: a private instance stops, a cluster keeps running). Environment variables
    and Ray's logger levels are restored on return (`ray_settings`). Devices are checked before anything is
    written; on an autoscaling cluster the search waits for a node with the GPU it needs.
    """
    run_dir = Path(run_dir).resolve()
    space = load_space(config.space)
    check_search_devices(config.score.device, config.gpus_per_worker, address)
    if not (address or os.environ.get("RAY_ADDRESS") or config.score.table):
        Scorer(replace(config.score, device="cpu")).batches(config.seed)  # missing data fails here, before Ray
    with ray_session(address):
        require_search_devices(config.score.device, config.gpus_per_worker)
        return _search(config, space, run_dir, run_id, progress)


def _search(config: SearchConfig, space, run_dir: Path, run_id: str | None, progress: bool) -> SearchOutcome:
    from ray import tune

    run_id = run_id or start_run(config, run_dir)
    store = ScoreStore(run_dir)
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
