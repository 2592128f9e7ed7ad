"""`snasray train` (fine-train cells with Ray Train) and `snasray evaluate` (a trained checkpoint)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from snasray.cells import Cell
from snasray.cli.common import cell_arg, emit_json, user_input
from snasray.cli.score_cmd import add_event_options
from snasray.devices import check_device, check_local_out
from snasray.errors import UserError

EXIT_INTERRUPTED = 130  # as the shell reports a command stopped by Ctrl-C


def register(commands) -> None:
    p = commands.add_parser("train", help="fine-train the top cells of a search, or given cells, with Ray Train")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--run",
        dest="run_dir",
        metavar="RUN_DIR",
        help="search run directory whose best-scoring cells to train (with --top-k)",
    )
    source.add_argument("--cell", action="append", help="a cell to train, e.g. '0303 0030 2002 0200' (repeatable)")
    p.add_argument("--top-k", type=int, help="how many of the run's best-scoring cells to train (with --run)")
    p.add_argument("--out", help="run directory for the results (default: the --run directory, else runs/train)")
    p.add_argument("--dataset", help="data set (default: the search run's, else cifar10-sample)")
    p.add_argument("--data-dir", help="data folder (or the .npz of cifar10-subset)")
    p.add_argument("--download", action="store_true", help="let torchvision or tonic download the data set")
    p.add_argument("--preset", help="model preset (default: the search run's, else tiny)")
    p.add_argument("--timesteps", type=int, help="override the preset's timesteps (5); for event data, frames too")
    add_event_options(p, defaults=None)
    p.add_argument("--neuron", default="lif", choices=("lif", "relu"), help="relu: the same network as an ANN baseline")
    p.add_argument("--recipe", default="paper", help="paper (SGD 0.1, 300 epochs) or short (Adam 1e-3, 10 epochs)")
    p.add_argument("--epochs", type=int, help="override the recipe's epochs")
    p.add_argument("--batch-size", type=int, help="global batch size (the paper: 64)")
    p.add_argument("--optimizer", help="sgd or adam (override the recipe's)")
    p.add_argument("--lr", type=float, help="override the recipe's learning rate")
    p.add_argument("--train-images", type=int, help="train on a fixed random N of the training images")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=1, help="Ray Train data-parallel workers per cell")
    p.add_argument("--cpus-per-worker", type=float, default=1.0)
    p.add_argument("--gpu", action="store_true", help="one GPU per worker (NCCL)")
    p.add_argument("--max-minutes", type=float, help="wall-clock budget per cell: stop after the epoch that exceeds it")
    p.add_argument("--max-failures", type=int, default=2, help="worker-group restarts from the last checkpoint")
    p.add_argument("--resume", action="store_true", help="continue interrupted trainings from their last checkpoint")
    p.add_argument(
        "--scheduler",
        default="fifo",
        choices=("fifo", "asha"),
        help="fifo: every cell to the end; asha: Ray Tune's ASHA stops the cells that learn least at each rung",
    )
    p.add_argument("--max-epochs", type=int, help="asha: epochs of a cell never stopped (default: the recipe's)")
    p.add_argument("--grace-period", type=int, help="asha: epochs before the first rung (default 1)")
    p.add_argument("--reduction-factor", type=int, help="asha: 1/fraction of cells kept at each rung (default 2)")
    p.add_argument("--address", help="Ray cluster address ('auto' for the cluster this machine belongs to)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_train)

    e = commands.add_parser("evaluate", help="accuracy, firing rates and synaptic operations of a trained checkpoint")
    e.add_argument("--checkpoint", required=True, help="a checkpoint folder written by snasray train")
    e.add_argument("--dataset", help="data set (default: the one it was trained on)")
    e.add_argument("--data-dir", help="data folder (or the .npz of cifar10-subset)")
    e.add_argument("--split", default="test", choices=("train", "val", "test"))
    e.add_argument("--device", default="cpu", help="cpu or cuda")
    e.add_argument("--batch-size", type=int, default=256)
    e.add_argument("--spike-images", type=int, default=512, help="images over which spikes are counted")
    e.add_argument("--json", action="store_true")
    e.set_defaults(run=_evaluate)


def _builtin_cell(text: str) -> Cell:
    """A cell of the built-in op table, the only one training builds. Raises UserError for another."""
    from snasray.cells import OPS

    cell = cell_arg(text)
    unknown = sorted({op for *_, op in cell.edges() if op >= len(OPS)})
    if unknown:
        raise UserError(
            f"op ids {unknown} of cell {cell} are not built-in ops (0..{len(OPS) - 1}); training builds those only"
        )
    return cell


def _search_defaults(run_dir: Path) -> dict:
    from snasray.cells import load_space
    from snasray.search import load_run

    if not (run_dir / "_run.json").is_file():
        return {}
    _run_id, config = load_run(run_dir)
    space = user_input(lambda: load_space(config.space))
    if space.own_ops:
        raise UserError(
            f"{run_dir}: its space {space.name} defines its own ops; training builds networks of the built-in ops"
            " only, so cells of such a space cannot be trained yet"
        )
    score = config.score
    return {
        "dataset": score.dataset,
        "preset": score.preset,
        "data_dir": score.data_dir,
        "timesteps": score.timesteps,
        "binning": score.binning,
        "downsample": score.downsample,
    }


def _given(value, default):
    """A flag's value when given (even 0, which the config then refuses), else the search run's setting."""
    return default if value is None else value


def _config(args, defaults: dict):
    from snasray.train import TrainConfig

    return user_input(
        lambda: TrainConfig.from_recipe(
            args.recipe,
            dataset=args.dataset or defaults.get("dataset") or "cifar10-sample",
            preset=args.preset or defaults.get("preset") or "tiny",
            data_dir=args.data_dir or defaults.get("data_dir"),
            download=args.download,
            timesteps=_given(args.timesteps, defaults.get("timesteps")),
            binning=_given(args.binning, defaults.get("binning")),
            downsample=_given(args.downsample, defaults.get("downsample")),
            neuron=args.neuron,
            epochs=args.epochs,
            batch_size=args.batch_size,
            optimizer=args.optimizer,
            lr=args.lr,
            train_images=args.train_images,
            seed=args.seed,
            num_workers=args.workers,
            cpus_per_worker=args.cpus_per_worker,
            use_gpu=args.gpu,
            max_minutes=args.max_minutes,
            max_failures=args.max_failures,
        )
    )


def _train(args) -> int:
    from snasray.train import top_cells

    check_local_out(args.out)
    if args.run_dir:
        run_dir = Path(args.run_dir)
        if not run_dir.is_dir():
            raise UserError(f"no search run at {run_dir}")
        if args.top_k is None:
            raise UserError("--run needs --top-k K (how many of its best cells to train)")
        defaults = _search_defaults(run_dir)
        cells = [row["key"] for row in user_input(lambda: top_cells(run_dir, args.top_k))]
        out = Path(args.out) if args.out else run_dir
    else:
        if args.top_k is not None:
            raise UserError("--top-k goes with --run; with --cell every given cell is trained")
        cells = [str(_builtin_cell(text)) for text in args.cell]
        defaults = {}
        out = Path(args.out or "runs/train")
    config = _config(args, defaults)
    asha = _asha(args, config, cells)
    if asha is None:
        outcomes = run_training(cells, config, out, args.resume, args.address, quiet=args.json)
    else:
        config = config.with_overrides(epochs=asha.max_epochs)
        outcomes = _run_asha(cells, config, asha, out, args)
    if args.json:
        trained = [{**asdict(o), "finished": o.finished} for o in outcomes]
        emit_json({"run_dir": str(out), "config": config.to_dict(), "cells": trained})
    else:
        print_summary(outcomes, config, out)
    interrupted = asha is not None and len({Cell.parse(c).canonical_key() for c in cells}) > len(outcomes)
    return EXIT_INTERRUPTED if interrupted else 0


def _asha(args, config, cells: list[str]):
    """The ASHA settings of `--scheduler asha`, or None for fifo; UserError for flags that do not fit."""
    given = {
        name: getattr(args, name.replace("-", "_"))
        for name in ("max-epochs", "grace-period", "reduction-factor")
        if getattr(args, name.replace("-", "_")) is not None
    }
    if args.scheduler == "fifo":
        if given:
            raise UserError(f"--{next(iter(given))} goes with --scheduler asha")
        return None
    if args.run_dir and args.top_k < 2:
        raise UserError(f"--scheduler asha chooses among cells: --top-k must be >= 2, got {args.top_k}")
    if args.epochs is not None and args.max_epochs is not None and args.epochs != args.max_epochs:
        raise UserError("--epochs and --max-epochs differ; under --scheduler asha give --max-epochs")
    from snasray.train.asha import AshaConfig

    return user_input(
        lambda: AshaConfig(
            max_epochs=args.max_epochs if args.max_epochs is not None else config.epochs,
            grace_period=args.grace_period if args.grace_period is not None else 1,
            reduction_factor=args.reduction_factor if args.reduction_factor is not None else 2,
        )
    )


def _run_asha(cells, config, asha, out: Path, args):
    from snasray.train.asha import train_asha

    if not args.json:
        print(
            f"training {len(cells)} cell(s) under ASHA: rungs at {asha.rungs()} epochs, reduction factor"
            f" {asha.reduction_factor} ({config.recipe} recipe, {config.dataset}, preset {config.preset},"
            f" seed {config.seed})",
            flush=True,
        )
    outcomes = user_input(
        lambda: train_asha(cells, config, asha, out, resume=args.resume, address=args.address, quiet=args.json)
    )
    unfinished = len({Cell.parse(c).canonical_key() for c in cells}) - len(outcomes)
    if unfinished:
        print(
            f"{unfinished} cell(s) unfinished (interrupted); continue with the same command and --resume",
            file=sys.stderr if args.json else sys.stdout,
            flush=True,
        )
    return outcomes


def run_training(cells, config, out: Path, resume: bool, address: str | None = None, quiet: bool = False):
    from snasray.train import train_cells

    def progress(line: str) -> None:
        print(line, file=sys.stderr if quiet else sys.stdout, flush=True)

    return user_input(lambda: train_cells(cells, config, out, resume=resume, address=address, progress=progress))


def train_top_cells(
    run_dir: Path,
    k: int,
    score_config,
    recipe: str,
    epochs: int | None,
    seed: int,
    resume: bool,
    address: str | None = None,
) -> int:
    """What `snasray search --train-top-k K` runs after the search: train its K best cells into the run."""
    from snasray.train import TrainConfig, top_cells

    cells = [row["key"] for row in user_input(lambda: top_cells(run_dir, k))]
    config = user_input(
        lambda: TrainConfig.from_recipe(
            recipe,
            dataset=score_config.dataset,
            preset=score_config.preset,
            data_dir=score_config.data_dir,
            download=score_config.download,
            timesteps=score_config.timesteps,
            binning=score_config.binning,
            downsample=score_config.downsample,
            epochs=epochs,
            seed=seed,
        )
    )
    print(f"\ntraining the top {k} cell(s) of {run_dir}")
    outcomes = run_training(cells, config, run_dir, resume, address)
    print_summary(outcomes, config, run_dir)
    return 0


def print_summary(outcomes, config, out: Path) -> None:
    optimiser = f"{config.optimizer} lr {config.lr:g}"
    print(
        f"\ntrained {len(outcomes)} cell(s): {config.recipe} recipe ({optimiser}, batch {config.batch_size},"
        f" {config.epochs} epochs), {config.dataset}, preset {config.preset}, seed {config.seed},"
        f" {config.num_workers} worker(s)"
    )
    header = (
        f"{'cell':<22}{'params':>9}{'epochs':>9}{'best':>6}{'val acc':>9}{'test acc':>9}{'firing':>8}"
        f"{'synops/img':>13}{'time':>9}"
    )
    print(header)
    for o in outcomes:
        print(
            f"{o.key:<22}{o.params:>9,}{f'{o.epochs_done}/{o.epochs}':>9}{o.best_epoch:>6}{o.val_acc:>9.2%}"
            f"{o.test_acc:>9.2%}{o.firing_rate:>8.3f}{o.synops:>13,.0f}{o.seconds:>8.0f}s"
        )
    asha = [o for o in outcomes if o.rung is not None]
    if asha:
        stopped = sum(o.early_stopped for o in asha)
        print(f"ASHA: {stopped} cell(s) stopped at a lower rung, {len(asha) - stopped} trained to the end")
    stopped = [o for o in outcomes if not o.finished and not o.early_stopped]
    if stopped:
        print(f"{len(stopped)} training(s) stopped by the time budget; continue with the same command and --resume")
    print("test acc: the best checkpoint by val acc; firing rate and synaptic ops on the test split")
    print(f"store: {out}/_training (snasray.train.read_training('{out}'))")
    for o in outcomes:
        print(f"best checkpoint of {o.key}: {o.checkpoint}")


def _evaluate(args) -> int:
    from snasray.train import evaluate_checkpoint

    check_device(args.device)
    result = user_input(
        lambda: evaluate_checkpoint(
            args.checkpoint,
            dataset=args.dataset,
            split=args.split,
            data_dir=args.data_dir,
            device=args.device,
            batch_size=args.batch_size,
            spike_images=args.spike_images,
        )
    )
    if args.json:
        emit_json(result)
        return 0
    print(f"checkpoint  {result['checkpoint']} (epoch {result['epoch']})")
    print(f"cell        {result['cell']}  (key {result['key']}), {result['params']:,} parameters")
    print(
        f"accuracy    {result['accuracy']:.2%} on {result['images']:,} {result['split']} images of {result['dataset']}"
    )
    print(
        f"spikes      firing rate {result['firing_rate']:.4f}, {result['spikes_per_image']:,.0f} spikes and"
        f" {result['synops']:,.0f} synaptic ops per image (first {result['spike_images']:,} images)"
    )
    neurons = result["layer_neurons"]
    for name, rate in result["layer_rates"].items():
        print(f"  {name:<24}{rate:.4f}  {neurons.get(name, 0):>9,} neurons")
    print(f"time        {result['seconds']:.2f} s")
    return 0
