"""`train_cells`: one Ray Train `TorchTrainer` per cell, rows into the store, test accuracy of the best checkpoint."""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from snasray.cells import Cell
from snasray.data import input_spec, load_split, with_absolute_location
from snasray.devices import check_train_devices, require_train_devices
from snasray.errors import UserError
from snasray.rundir import run_lock
from snasray.search.cluster import ray_session, ray_settings
from snasray.train.config import TrainConfig, key_slug
from snasray.train.network import build_snasnet
from snasray.train.outcome import EPOCH_FIELDS, TrainOutcome, epoch_line, record_final
from snasray.train.store import RowFollower, append_rows, training_dir

SNAPSHOT = "checkpoint_manager_snapshot.json"  # what Ray Train leaves in a run folder it can resume
Progress = Callable[[str], None]


def _row_writer(run_dir: str, fields: dict):
    """A Ray Train callback (it runs in the controller) that stores one row per reported epoch."""
    from ray.train import UserCallback

    class RowWriter(UserCallback):
        def after_report(self, run_context, metrics, checkpoint) -> None:
            first = metrics[0]  # rank 0's: the one with spike statistics
            row = {key: first.get(key) for key in EPOCH_FIELDS}
            append_rows(run_dir, [{**fields, **row, "kind": "epoch", "checkpoint": checkpoint and checkpoint.path}])

    return RowWriter()


class _Follow:
    """Prints the epoch rows of one training while `fit()` blocks the main thread."""

    def __init__(self, run_dir: Path, run_id: str, epochs: int, progress: Progress | None) -> None:
        self.follower, self.run_id, self.epochs, self.progress = RowFollower(run_dir), run_id, epochs, progress
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _emit(self) -> None:
        for row in self.follower.new_rows():
            if row["run_id"] == self.run_id and row["kind"] == "epoch" and self.progress:
                self.progress(epoch_line(row, self.epochs))

    def _run(self) -> None:
        while not self.done.wait(1.0):
            self._emit()

    def __enter__(self) -> _Follow:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()
        self._emit()


def check_data(config: TrainConfig) -> None:
    """Fail fast, with one line, on missing data: before Ray starts workers that would fail the same way."""
    load_split(config.data_config(), "val")


def cell_params(cell: Cell, config: TrainConfig) -> int:
    spec = input_spec(config.data_config())
    network = build_snasnet(
        cell, config.model_config(), spec.in_channels, spec.image_size, spec.num_classes, config.neuron
    )
    return sum(p.numel() for p in network.parameters())


def _trainer(cell: Cell, config: TrainConfig, folder: Path, name: str, callback):
    from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    from snasray.train.loop import train_loop

    resources = {"CPU": config.cpus_per_worker, **({"GPU": 1} if config.use_gpu else {})}
    return TorchTrainer(
        train_loop,
        train_loop_config={"train": config.to_dict(), "cell": str(cell)},
        scaling_config=ScalingConfig(
            num_workers=config.num_workers, use_gpu=config.use_gpu, resources_per_worker=resources
        ),
        run_config=RunConfig(
            name=name,
            storage_path=str(folder),
            failure_config=FailureConfig(max_failures=config.max_failures),
            checkpoint_config=CheckpointConfig(
                num_to_keep=config.keep_checkpoints, checkpoint_score_attribute="val_acc", checkpoint_score_order="max"
            ),
            callbacks=[callback],
        ),
    )


def _best(result) -> tuple[str, dict]:
    kept = [(c, m) for c, m in (result.best_checkpoints or []) if c is not None and "val_acc" in m]
    if not kept:
        raise RuntimeError("the training reported no checkpoint")
    checkpoint, metrics = max(kept, key=lambda pair: (pair[1]["val_acc"], pair[1]["epoch"]))
    return checkpoint.path, metrics


def _locate(key: str, config: TrainConfig, run_dir: Path) -> tuple[Path, str, str]:
    """Ray Train's storage folder and run name for one cell, and the run_id of its rows."""
    folder, name = training_dir(run_dir) / key_slug(key), config.run_name()
    return folder, name, f"{key_slug(key)}-{name}"


def _refuse_existing(key: str, config: TrainConfig, run_dir: Path, resume: bool) -> None:
    folder, name, _ = _locate(key, config, Path(run_dir).resolve())
    if (folder / name / SNAPSHOT).exists() and not resume:
        raise UserError(f"{folder / name} already holds this training; pass --resume to continue it")


def train_cell(
    cell: Cell | str,
    config: TrainConfig,
    run_dir: str | Path,
    resume: bool = False,
    progress: Progress | None = None,
) -> TrainOutcome:
    """Train one cell (its canonical form) with Ray Train into ``RUN_DIR/_training/<key-slug>/``, holding the run
    directory's lock (`snasray.rundir.run_lock`: a second writer gets a UserError)."""
    with run_lock(run_dir):
        return _train_cell(cell, config, run_dir, resume, progress)


def _train_cell(
    cell: Cell | str, config: TrainConfig, run_dir: str | Path, resume: bool, progress: Progress | None
) -> TrainOutcome:
    given = Cell.parse(cell)
    key = given.canonical_key()
    run_dir = Path(run_dir).resolve()
    folder, name, run_id = _locate(key, config, run_dir)
    _refuse_existing(key, config, run_dir, resume)
    params = cell_params(Cell.parse(key), config)
    fields = {
        "run_id": run_id,
        "key": key,
        "cell": str(given),
        "seed": config.seed,
        "recipe_hash": config.recipe_hash(),
        "params": params,
    }
    trainer = _trainer(Cell.parse(key), config, folder, name, _row_writer(str(run_dir), fields))
    with ray_settings(), _Follow(run_dir, run_id, config.epochs, progress):
        result = _fit(trainer)
    path, metrics = _best(result)
    return record_final(run_dir, fields, config, path, metrics, str(folder / name), scheduler="fifo")


def _fit(trainer):
    """``trainer.fit()`` with Ctrl-C as a KeyboardInterrupt. Ray Train installs a SIGINT handler of its own that
    aborts the run and exits the process (SystemExit, ray.train.v2 ``DataParallelTrainer``); the exit becomes the
    interrupt the CLI reports, and the handler that was there before the run is put back."""
    main = threading.current_thread() is threading.main_thread()
    before = signal.getsignal(signal.SIGINT) if main else None
    try:
        return trainer.fit()
    except SystemExit:
        raise KeyboardInterrupt from None
    finally:
        if main:
            signal.signal(signal.SIGINT, before)


def train_cells(
    cells: Sequence[Cell | str],
    config: TrainConfig,
    run_dir: str | Path,
    resume: bool = False,
    address: str | None = None,
    progress: Progress | None = None,
) -> list[TrainOutcome]:
    """Train each cell in turn; a cell listed twice (same canonical key) is trained once. The run directory is
    locked for the whole call (`snasray.rundir.run_lock`).

    Ray: as `run_search` (the caller's initialised Ray is used and left running; otherwise connected here and
    disconnected on return, settings restored). `--gpu` is checked before anything starts: on this machine for a
    local run; on a cluster, a node with a GPU per worker, waited for when the autoscaler can add one.
    """
    check_train_devices(config.use_gpu, config.num_workers, address)
    check_data(config)  # the driver evaluates the best checkpoint on the test split, so it needs the data too
    # workers run in other folders: hand them the data's absolute location (not part of the recipe hash)
    config = config.with_overrides(data_dir=with_absolute_location(config.data_config()).data_dir)
    for cell in cells:  # refuse before any training starts
        _refuse_existing(Cell.parse(cell).canonical_key(), config, run_dir, resume)
    with run_lock(run_dir), ray_session(address):
        require_train_devices(config.use_gpu, config.num_workers)
        return _train_each(cells, config, run_dir, resume, progress)


def _train_each(cells, config: TrainConfig, run_dir, resume: bool, progress: Progress | None) -> list[TrainOutcome]:
    outcomes: list[TrainOutcome] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells, 1):
        key = Cell.parse(cell).canonical_key()
        if key in seen:
            continue
        seen.add(key)
        if progress:
            progress(
                f"training cell {index}/{len(cells)}: {key}  ({config.recipe} recipe, {config.epochs} epochs,"
                f" {config.num_workers} worker(s), {config.dataset}, preset {config.preset}, seed {config.seed})"
            )
        outcomes.append(train_cell(cell, config, run_dir, resume=resume, progress=progress))
    return outcomes


def top_cells(run_dir: str | Path, k: int) -> list[dict]:
    """The k best-scoring distinct cells of a search run (the current row of each: its latest attempt): dicts with
    key, cell, score, firing_rate, params. Raises UserError for a missing run or a bad k, ValueError for an
    unreadable part of the store."""
    from snasray.search.store import ScoreStore

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"no search run at {run_dir}")
    if k < 1:
        raise UserError(f"--top-k must be >= 1, got {k}")
    table = ScoreStore(run_dir).current()
    if table.empty:
        raise UserError(f"{run_dir} holds no scored cells (no score parts)")
    ok = table[(table["status"] == "ok") & table["score"].map(lambda s: s is not None and math.isfinite(s))]
    ranked = ok.sort_values("score", ascending=False, kind="stable").drop_duplicates("key")
    if k > len(ranked):
        raise UserError(f"--top-k {k} exceeds the {len(ranked)} scored cell(s) of {run_dir}")
    return ranked.head(k)[["key", "cell", "score", "firing_rate", "params"]].to_dict("records")
