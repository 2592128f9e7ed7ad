"""`run_search`: Ray Tune drives the searcher, trials score batches of cells, the store keeps every row."""

from __future__ import annotations

import os
import uuid
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd
import ray

from snasray import strict_json
from snasray.cells import load_space
from snasray.data import with_absolute_location
from snasray.devices import check_search_devices, require_search_devices
from snasray.errors import RunExists, RunNotFound, StoreWriteFailed, UserError
from snasray.rundir import RUN_FILE, check_new_run_dir, damaged_run_file, io_error, read_run_json, run_lock
from snasray.score import ScoreConfig, Scorer, make_scorer
from snasray.score.table import table_path
from snasray.search.cluster import ray_session, worker_slots
from snasray.search.dispatch import Dispatcher
from snasray.search.loop import SearchLoop
from snasray.search.progress import SearchProgress
from snasray.search.prune import SupernetPhase
from snasray.search.prune.table import SupernetTable
from snasray.search.resume import check_space_ops, resume_config, space_location
from snasray.search.searchers import CellSearcher, check_options, make_searcher, proposes_supernets
from snasray.search.store import ScoreStore, latest_attempts
from snasray.search.trial import score_cells
from snasray.search.tune_adapter import RoundSearcher


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
    scored_now: int  # rows written by this call (retries of failed cells included)
    finished: bool
    exhausted: bool
    table: pd.DataFrame  # the run's current rows: the latest attempt of each cell


def read_run_file(run_dir: Path) -> dict:
    """The run file's content: run_id, config (a `SearchConfig`) and round_size (None in runs made before it
    was stored). Raises RunNotFound for a folder without a run file, UserError for a damaged or foreign one."""
    try:
        data = read_run_json(run_dir)
    except FileNotFoundError:
        raise RunNotFound(run_dir) from None
    except ValueError as err:
        raise UserError(str(err)) from None
    try:
        round_size = data.get("round_size")
        if round_size is not None and (not isinstance(round_size, int) or round_size < 1):
            raise ValueError(f"round_size {round_size!r}")
        config = SearchConfig.from_json(data["config"])
    except (ValueError, TypeError) as err:  # settings that SearchConfig refuses
        raise UserError(damaged_run_file(Path(run_dir) / RUN_FILE, err)) from None
    return {"run_id": data["run_id"], "config": config, "round_size": round_size}


def load_run(run_dir: Path) -> tuple[str, SearchConfig]:
    """The run's id and settings, read from its run file (see `read_run_file`)."""
    content = read_run_file(Path(run_dir))
    return content["run_id"], content["config"]


def _write_run_file(run_dir: Path, run_id: str, config: SearchConfig, round_size: int) -> None:
    payload = {"run_id": run_id, "round_size": round_size, "config": config.to_json()}
    temporary = run_dir / f".{RUN_FILE}.tmp"
    try:
        temporary.write_text(strict_json.dumps(payload, notes=False, indent=2))
        os.replace(temporary, run_dir / RUN_FILE)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise io_error("write the run file in", run_dir, err) from None


def _worker_score_config(config: SearchConfig) -> ScoreConfig:
    """The score config the workers get: the space's op table, on cuda with GPUs, the data and the table at absolute
    paths (workers run in other folders). Only the op table enters the config hash, and only a space's own."""
    score = replace(config.score, ops=load_space(config.space).op_table)
    score = score if config.gpus_per_worker == 0 else replace(score, device="cuda")
    score = replace(score, data_dir=with_absolute_location(score.data_config()).data_dir)
    if score.table:
        score = replace(score, table=str(table_path(score.table).resolve()))
    return score


def _check_inputs(config: SearchConfig, score: ScoreConfig, address: str | None) -> CellSearcher:
    """Everything that needs neither Ray nor the run directory: the space, the searcher and its options, the
    score table or the data. Returns the searcher. Raises ValueError or UserError."""
    space = load_space(config.space)
    searcher = make_searcher(config.searcher, space, config.seed, **config.searcher_options)
    if score.table and proposes_supernets(searcher):
        raise UserError(f"the {config.searcher} searcher scores supernets, which no score table holds; drop --table")
    if score.table:
        make_scorer(score)  # reads the table: a missing file or column fails here, not in every worker
    elif not (address or os.environ.get("RAY_ADDRESS")):
        # missing data, read on the CPU; on a cluster the workers' nodes hold the data
        Scorer(replace(config.score, device="cpu")).batches(config.seed)
    return searcher


def run_search(
    config: SearchConfig | None,
    run_dir: str | Path,
    resume: bool = False,
    *,
    address: str | None = None,
    progress: bool = True,
) -> SearchOutcome:
    """Run a search into `run_dir`, or with ``resume=True`` continue the search stored there.

    A resume keeps the run's id, round size and the settings that decide what is proposed or scored; it takes
    from `config` the budget (equal or larger) and where and how fast it runs (`snasray.search.resume.TAKEN`:
    workers, resources, device, data location); ``config=None`` continues with the run's own settings. Cells
    already in the store are not scored again, so a seeded search resumed after an interruption proposes and
    stores what the uninterrupted one would have.

    Order: inputs are checked (devices, space, searcher options, table or data; then, for a new run, the
    folder), the run directory is locked (`snasray.rundir.run_lock`, held until the search ends), Ray is
    connected and the workers' resources checked, and only then is the run file written. A start that fails
    before that leaves no folder behind (or the folder as it was); a folder that holds a run file but no rows
    (an older failed start) is taken over by a new search. A search that ends well merges its store's parts
    into one file before it releases the lock (`snasray.generations`).

    Ray: the one this process already initialised is used and left running; otherwise the search connects as
    `snasray.search.cluster.connect(address)` does (a cluster, or a private local instance) and disconnects on
    return or error (`ray.shutdown()`: a private instance stops, a cluster keeps running). Environment variables
    and Ray's logger levels are restored on return (`ray_settings`). On an autoscaling cluster the search waits
    for a node with the GPU it needs.

    progress: show evaluations, rate, best score and ETA on the driver (`SearchProgress`: a widget in a notebook,
    a bar on a terminal, a line every 2 s otherwise).

    Raises (all `snasray.errors.UserError`): RunExists (a new search into a folder holding one), RunNotFound
    (resume of a folder without a run), ResumeMismatch (a resume with other settings of what is scored, or a
    lower budget), RunDirInUse (another process holds the run), StoreWriteFailed (a full disk: the rows already
    written stay, and the run can be resumed), UserError for a damaged run file, a refused folder, an unreachable
    cluster or a missing device; ValueError for bad settings.
    """
    run_id = None
    if resume:
        stored = read_run_file(Path(run_dir))
        run_id = stored["run_id"]
        config = resume_config(stored["config"], config or stored["config"], run_dir)
        check_space_ops(config, run_dir)
    elif config is None:
        raise ValueError("a new search needs its settings (a SearchConfig); only a resume may pass None")
    else:  # the run file keeps a space file's absolute path and the space's own op table, for its resume
        config = replace(config, space=space_location(config.space))
        config = replace(config, score=replace(config.score, ops=load_space(config.space).op_table))
    run_dir = Path(run_dir).resolve()
    check_search_devices(config.score.device, config.gpus_per_worker, address)
    score = _worker_score_config(config)
    searcher = _check_inputs(config, score, address)
    if not resume:
        check_new_run_dir(run_dir, "run directory")
    with run_lock(run_dir):  # removes the folder it created if a failed start leaves it empty
        round_size = _claim(run_dir, resume)
        with ray_session(address):
            require_search_devices(config.score.device, config.gpus_per_worker)
            workers = config.workers or worker_slots(config)
            if config.workers and config.gpus_per_worker:
                worker_slots(config)  # a run that asks for GPUs the cluster lacks would wait for them for ever
            run_id = run_id or uuid.uuid4().hex[:12]
            round_size = round_size or workers * config.cells_per_trial
            _write_run_file(run_dir, run_id, config, round_size)
            outcome = _search(config, score, searcher, run_dir, run_id, workers, round_size, progress)
        _compact_after_search(run_dir)  # still under the lock, after the last write
        return outcome


def _compact_after_search(run_dir: Path) -> None:
    """Merge the run's parts; a full disk leaves them as they are (the store reads complete either way)."""
    try:
        ScoreStore(run_dir).compact()
    except OSError as err:
        warnings.warn(
            f"{run_dir}: parts not merged ({err.strerror or err}); merge later with: snasray compact {run_dir}",
            stacklevel=2,
        )


def _claim(run_dir: Path, resuming: bool) -> int | None:
    """Under the lock: the round size of the run to resume, or check that a new search may use the folder."""
    if resuming:
        return read_run_file(run_dir)["round_size"]
    if (run_dir / RUN_FILE).exists() and (ScoreStore(run_dir).has_rows() or SupernetTable(run_dir).has_rows()):
        raise RunExists(run_dir, _stored_run_id(run_dir))
    return None


def _stored_run_id(run_dir: Path) -> str | None:
    try:
        return read_run_json(run_dir)["run_id"]
    except (OSError, ValueError):
        return None


def _search(
    config: SearchConfig,
    score: ScoreConfig,
    searcher: CellSearcher,
    run_dir: Path,
    run_id: str,
    workers: int,
    round_size: int,
    progress: bool,
) -> SearchOutcome:
    from ray import tune

    store = ScoreStore(run_dir)
    rows_before = len(store.read())
    run_fields = {
        "run_id": run_id,
        "space": load_space(config.space).name,
        "searcher": config.searcher,
        "config_hash": score.config_hash(),
        "dataset": score.dataset,
        "preset": score.preset,
    }
    if proposes_supernets(searcher):  # scored here, on the search's own device, before its cells are asked
        here = replace(score, device=config.score.device)
        searcher = SupernetPhase(searcher, here, run_dir, run_fields, config.seed, progress)
    loop = SearchLoop(searcher, config.budget, round_size, known=store.index(score.config_hash(), config.seed))
    trial_config = {"score_config": asdict(score), "seed": config.seed, "run_fields": run_fields}
    shown = SearchProgress(config.budget) if progress else None
    dispatcher = Dispatcher.remote()
    # the searcher, which Tune pickles, holds only a relay to the display on this driver
    adapter = RoundSearcher(loop, store, trial_config, dispatcher, shown.relay() if shown else None)
    if shown:
        shown.begin(loop)  # after the store's rounds were replayed
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
    except OSError as err:  # Tune's own files under _tune: a full disk or a read-only folder
        adapter.write_error = adapter.write_error or err
    finally:
        ray.kill(dispatcher)
        if shown:
            shown.close()
    if adapter.write_error:
        err = adapter.write_error
        reason = os.strerror(err.errno) if err.errno else str(err).splitlines()[0]
        raise StoreWriteFailed(run_dir, reason, len(store.read()) - rows_before)
    if loop.current and loop.round_answered():
        loop.complete()
    rows = store.read()
    table = latest_attempts(rows[rows["run_id"] == run_id]).reset_index(drop=True)
    return SearchOutcome(
        run_dir, run_id, loop.evaluations, len(rows) - rows_before, loop.finished, loop.exhausted, table
    )
