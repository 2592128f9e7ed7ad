"""`train_asha`: train several cells as Ray Tune trials under the ASHA scheduler, which stops the cells that learn
least at each rung, so that the epochs go to the cells that learn.

One Tune trial per cell runs `snasray.train.loop.tune_loop` (one worker; the scheduler decides per epoch on the
validation accuracy, time attribute ``epochs``). The experiment lives in ``RUN_DIR/_training/asha/<name>/``, its
name fixed by the recipe, seed, scheduler settings and the set of cells, so that the same command finds it again.
Rows go to the training store as for any training: an epoch row per reported epoch (with the path of its
checkpoint), and a final row when the cell's trial completes, stopped at a rung or at max epochs.

Resume (``resume=True``): `Tuner.restore` of the saved experiment; unfinished trials continue from their last Tune
checkpoint, finished ones are never trained again. Tune does not save the scheduler's rungs, so a restored
scheduler refills them from the epoch rows of the store before it decides anything.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ray import tune
from ray.tune.schedulers import ASHAScheduler

from snasray.cells import Cell
from snasray.data import with_absolute_location
from snasray.devices import check_train_devices, require_train_devices
from snasray.errors import UserError
from snasray.limits import MAX_COUNT, check_count
from snasray.rundir import run_lock
from snasray.search.cluster import ray_session
from snasray.train.checkpoint import read_meta
from snasray.train.config import TrainConfig, key_slug
from snasray.train.outcome import EPOCH_FIELDS, TrainOutcome, epoch_line, record_final
from snasray.train.runner import cell_params, check_data
from snasray.train.store import append_rows, read_training, training_dir

ASHA_DIR = "asha"
METRIC, TIME_ATTR = "val_acc", "epochs"


@dataclass(frozen=True)
class AshaConfig:
    """ASHA's rungs, in epochs: grace_period, grace_period * reduction_factor, ... below max_epochs, then max_epochs.

    Raises ValueError: a count below 1, a reduction factor below 2, a grace period above max epochs.
    """

    max_epochs: int
    grace_period: int = 1
    reduction_factor: int = 2

    def __post_init__(self) -> None:
        check_count("max_epochs", self.max_epochs, 1, MAX_COUNT)
        check_count("grace_period", self.grace_period, 1, MAX_COUNT)
        check_count("reduction_factor", self.reduction_factor, 2, MAX_COUNT)
        if self.grace_period > self.max_epochs:
            raise ValueError(f"--grace-period {self.grace_period} exceeds --max-epochs {self.max_epochs}")

    def rungs(self) -> list[int]:
        """The epochs at which ASHA compares cells (its bracket 0, same formula), ending with max_epochs."""
        count = int(math.log(self.max_epochs / self.grace_period) / math.log(self.reduction_factor) + 1)
        below = [self.grace_period * self.reduction_factor**k for k in range(count)]
        return [r for r in below if r < self.max_epochs] + [self.max_epochs]

    def rung_of(self, epochs: int) -> int:
        """The last rung a training of `epochs` epochs reached (0 below the first)."""
        return max([r for r in self.rungs() if r <= epochs], default=0)


def experiment_name(keys: Sequence[str], config: TrainConfig, asha: AshaConfig) -> str:
    cells = hashlib.sha256(json.dumps(sorted(keys)).encode()).hexdigest()[:8]
    return f"{config.run_name()}-g{asha.grace_period}-r{asha.reduction_factor}-{cells}"


def _run_id(key: str, name: str) -> str:
    return f"{key_slug(key)}-asha-{name}"  # apart from a fifo training of the same recipe and seed


def _trial_folder(trial) -> str:
    return key_slug(trial.config["cell"])


def _history(run_dir: str, run_id: str) -> dict[int, float]:
    """Validation accuracy by epoch of one training, from the store."""
    rows = read_training(run_dir)
    rows = rows[(rows["run_id"] == run_id) & (rows["kind"] == "epoch")]
    return {int(e): float(v) for e, v in zip(rows["epoch"], rows["val_acc"], strict=True)}


class StoreSeededASHA(ASHAScheduler):
    """ASHA whose rungs start from the store: each trial added (every trial, on a restore) first records the
    validation accuracy it had at the rungs it already passed. Tune saves no scheduler state, so without this a
    restored experiment would compare cells against empty rungs."""

    def __init__(self, run_dir: str, run_ids: dict[str, str], asha: AshaConfig) -> None:
        super().__init__(
            time_attr=TIME_ATTR,
            metric=METRIC,
            mode="max",
            max_t=asha.max_epochs,
            grace_period=asha.grace_period,
            reduction_factor=asha.reduction_factor,
        )
        self.run_dir, self.run_ids = run_dir, run_ids

    def on_trial_add(self, tune_controller, trial) -> None:
        super().on_trial_add(tune_controller, trial)
        history = _history(self.run_dir, self.run_ids[trial.config["cell"]])
        bracket = self._trial_info[trial.trial_id]
        for milestone, recorded in bracket._rungs:  # ray 2.60's _Bracket: [(epoch, {trial_id: metric})]
            if int(milestone) in history:
                recorded[trial.trial_id] = history[int(milestone)]


class StoreRows(tune.Callback):
    """Runs in the driver: an epoch row per checkpoint a trial reports, and the final row (test accuracy of the best
    checkpoint) when a trial completes. Holds only data: Tune pickles it with the experiment."""

    def __init__(self, run_dir: str, fields: dict[str, dict], config: dict, asha: AshaConfig, quiet: bool) -> None:
        self.run_dir, self.fields, self.config, self.asha, self.quiet = run_dir, fields, config, asha, quiet

    def _say(self, line: str) -> None:
        print(line, file=sys.stderr if self.quiet else sys.stdout, flush=True)

    def on_checkpoint(self, iteration, trials, trial, checkpoint, **info) -> None:
        metrics = read_meta(checkpoint.path)["metrics"]  # strict JSON: a non-finite number reads as None
        row = {name: math.nan if metrics.get(name) is None else metrics[name] for name in EPOCH_FIELDS}
        fields = self.fields[trial.config["cell"]]
        append_rows(self.run_dir, [{**fields, **row, "kind": "epoch", "checkpoint": checkpoint.path}])
        self._say(f"{fields['key']}" + epoch_line(row, self.asha.max_epochs))

    def on_trial_complete(self, iteration, trials, trial, **info) -> None:
        fields = self.fields[trial.config["cell"]]
        epochs = read_training(self.run_dir)
        epochs = epochs[(epochs["run_id"] == fields["run_id"]) & (epochs["kind"] == "epoch")]
        kept = epochs[epochs["checkpoint"].map(lambda p: isinstance(p, str) and Path(p).is_dir())]
        if kept.empty:
            return  # nothing trained: no final row
        best = kept.sort_values(["val_acc", "epoch"], kind="stable").iloc[-1]
        trained = int(epochs["epoch"].max())
        config = TrainConfig.from_dict(self.config)
        outcome = record_final(
            Path(self.run_dir),
            fields,
            config,
            best["checkpoint"],
            best.to_dict(),
            str(Path(best["checkpoint"]).parent),
            scheduler="asha",
            rung=self.asha.rung_of(trained),
            early_stopped=trained < self.asha.max_epochs,
        )
        ending = f"stopped at rung {outcome.rung}" if outcome.early_stopped else "trained to the end"
        self._say(f"{fields['key']}: {ending} ({trained}/{self.asha.max_epochs} epochs), val {outcome.val_acc:.2%}")


def train_asha(
    cells: Sequence[Cell | str],
    config: TrainConfig,
    asha: AshaConfig,
    run_dir: str | Path,
    resume: bool = False,
    address: str | None = None,
    quiet: bool = False,
) -> list[TrainOutcome]:
    """Train the distinct cells (canonical keys, in the given order) for up to ``asha.max_epochs`` epochs each
    under ASHA, holding the run directory's lock; returns the outcome of each cell whose training completed
    (stopped at a rung or at max epochs), in the given order. A cell still unfinished (an interrupted run) has no
    outcome: `resume=True` continues it.

    Raises UserError: fewer than two distinct cells, more than one worker per cell, a time budget, an experiment
    already in the folder without `resume`; ValueError as `AshaConfig` and `TrainConfig`; RuntimeError when a
    cell's trial failed beyond `config.max_failures` restarts (the others' rows are kept).
    """
    keys = list(dict.fromkeys(Cell.parse(c).canonical_key() for c in cells))
    if len(keys) < 2:
        raise UserError("--scheduler asha chooses among cells: give it at least 2 (--top-k 2 or more)")
    if config.num_workers != 1:
        raise UserError("--scheduler asha trains each cell in one Tune trial: --workers must be 1")
    if config.max_minutes is not None:
        raise UserError("--max-minutes is a per-cell budget of --scheduler fifo; under asha the rungs set it")
    config = config.with_overrides(epochs=asha.max_epochs)
    check_train_devices(config.use_gpu, 1, address)
    check_data(config)
    config = config.with_overrides(data_dir=with_absolute_location(config.data_config()).data_dir)
    run_dir = Path(run_dir).resolve()
    name = experiment_name(keys, config, asha)
    path = training_dir(run_dir) / ASHA_DIR / name
    restore = tune.Tuner.can_restore(str(path))
    if restore and not resume:
        raise UserError(f"{path} already holds this training; pass --resume to continue it")
    with run_lock(run_dir), ray_session(address):
        require_train_devices(config.use_gpu, 1)
        tuner = _restored(path, config) if restore else _tuner(keys, config, asha, run_dir, name, quiet)
        failed = [result.error for result in tuner.fit() if result.error is not None]
    if failed:
        reason = (str(failed[0]).strip().splitlines() or [type(failed[0]).__name__])[-1][:200]
        raise RuntimeError(f"{len(failed)} cell(s) failed in {path} (last line: {reason}); --resume retries them")
    return _outcomes(run_dir, keys, name, asha)


def _trainable(config: TrainConfig):
    from snasray.train.loop import tune_loop

    return tune.with_resources(tune_loop, {"cpu": config.cpus_per_worker, "gpu": 1 if config.use_gpu else 0})


def _restored(path: Path, config: TrainConfig) -> tune.Tuner:
    return tune.Tuner.restore(str(path), _trainable(config), resume_unfinished=True, resume_errored=True)


def _tuner(keys: list[str], config: TrainConfig, asha: AshaConfig, run_dir: Path, name: str, quiet: bool):
    run_ids = {key: _run_id(key, name) for key in keys}
    fields = {
        key: {
            "run_id": run_ids[key],
            "key": key,
            "cell": key,
            "seed": config.seed,
            "recipe_hash": config.recipe_hash(),
            "params": cell_params(Cell.parse(key), config),
        }
        for key in keys
    }
    return tune.Tuner(
        _trainable(config),
        param_space={"train": config.to_dict(), "cell": tune.grid_search(keys)},
        tune_config=tune.TuneConfig(
            scheduler=StoreSeededASHA(str(run_dir), run_ids, asha), trial_dirname_creator=_trial_folder
        ),
        run_config=tune.RunConfig(
            name=name,
            storage_path=str(training_dir(run_dir) / ASHA_DIR),
            failure_config=tune.FailureConfig(max_failures=config.max_failures),
            checkpoint_config=tune.CheckpointConfig(
                num_to_keep=config.keep_checkpoints, checkpoint_score_attribute=METRIC, checkpoint_score_order="max"
            ),
            callbacks=[StoreRows(str(run_dir), fields, config.to_dict(), asha, quiet)],
            verbose=0,
        ),
    )


def _outcomes(run_dir: Path, keys: list[str], name: str, asha: AshaConfig) -> list[TrainOutcome]:
    rows = read_training(run_dir)
    final = rows[rows["kind"] == "final"].set_index("run_id")
    outcomes = []
    for key in keys:
        run_id = _run_id(key, name)
        if run_id not in final.index:
            continue
        row = final.loc[run_id]
        outcomes.append(
            TrainOutcome(
                key=key,
                cell=row["cell"],
                run_id=run_id,
                recipe_hash=row["recipe_hash"],
                seed=int(row["seed"]),
                epochs_done=int(row["epochs_trained"]),
                epochs=asha.max_epochs,
                best_epoch=int(row["epoch"]),
                val_acc=float(row["val_acc"]),
                test_acc=float(row["test_acc"]),
                firing_rate=float(row["firing_rate"]),
                synops=float(row["synops"]),
                params=int(row["params"]),
                seconds=float(row["epoch_seconds"]),
                checkpoint=row["checkpoint"],
                folder=str(Path(row["checkpoint"]).parent),
                rung=int(row["rung"]),
                early_stopped=bool(row["early_stopped"]),
            )
        )
    return outcomes
