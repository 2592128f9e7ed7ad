"""`snasray score`: the SAHD score of one cell."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from snasray.cli.common import cell_arg, emit_json, space_arg, user_input
from snasray.devices import check_device
from snasray.limits import check_seed


def add_score_options(parser, preset_default: str = "tiny") -> None:
    parser.add_argument(
        "--dataset",
        default="cifar10-sample",
        help="cifar10-sample (shipped), cifar10, cifar100, tinyimagenet, cifar10-subset, digits, synthetic;"
        " event data: nmnist, dvs-gesture, cifar10-dvs",
    )
    parser.add_argument("--data-dir", help="data folder (or the .npz of cifar10-subset)")
    parser.add_argument(
        "--download", action="store_true", help="let torchvision download CIFAR-10/100, or tonic the event data sets"
    )
    parser.add_argument(
        "--preset",
        default=preset_default,
        help="model preset: cifar10, cifar100, tinyimagenet (the paper's), tiny, small, medium; event data:"
        " dvs-gesture, cifar10-dvs, nmnist (full size), events-tiny, events-small; SpikeNAS-Bench's network:"
        f" spikenas-bench (full size), spikenas-small, spikenas-tiny (default {preset_default})",
    )
    parser.add_argument(
        "--proxy",
        default="sahd",
        help="the training-free proxy that is the score (searchers maximise it): sahd (SNASNet's, the default),"
        " sahd-spikenas, hd, params, synops, firing_rate, fit-spikenas, grad_norm, snip, synflow, jacob_cov (README)",
    )
    parser.add_argument(
        "--record-proxy",
        action="append",
        default=[],
        metavar="NAME",
        help="a further gradient proxy to record beside the score (repeatable); forward proxies are always recorded",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="images per scoring batch (the paper: 256)")
    parser.add_argument("--repeat", type=int, default=2, help="batches averaged per score (the paper: 2)")
    parser.add_argument("--timesteps", type=int, help="override the preset's timesteps (5); for event data, frames too")
    add_event_options(parser)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--table", help="score by lookup in a precomputed score table (name or .parquet path)")
    parser.add_argument(
        "--layout",
        choices=("nchw", "channels_last"),
        default="nchw",
        help="memory layout of images and network: nchw (default) gives the spikes of the paper's code exactly",
    )
    parser.add_argument(
        "--gram",
        choices=("auto", "float32", "int8"),
        default="auto",
        help="how spike Gram matrices are computed; all are exact, auto measures the fastest",
    )


def add_event_options(parser, defaults: bool | None = True) -> None:
    """--binning and --downsample: how event recordings become frames (event data sets only)."""
    parser.add_argument(
        "--binning",
        choices=("count", "time"),
        default="count" if defaults else None,
        help="event data: frames of equal event counts (count, the default) or equal durations (time)",
    )
    parser.add_argument(
        "--downsample",
        type=int,
        default=1 if defaults else None,
        help="event data: divide the sensor's side by this factor (e.g. 4: 128 -> 32 px)",
    )


def score_config_from(args):
    from snasray.score import ScoreConfig

    return user_input(
        lambda: ScoreConfig(
            dataset=args.dataset,
            preset=args.preset,
            batch_size=args.batch_size,
            repeat=args.repeat,
            timesteps=args.timesteps,
            data_dir=str(Path(args.data_dir).resolve()) if args.data_dir else None,
            download=args.download,
            device=args.device,
            table=args.table,
            layout=args.layout,
            gram=args.gram,
            binning=args.binning,
            downsample=args.downsample,
            proxy=args.proxy,
            proxies=tuple(args.record_proxy),
        )
    )


def register(commands) -> None:
    p = commands.add_parser("score", help="score one cell with the training-free SAHD score")
    p.add_argument("--cell", required=True, help="e.g. '0303 0030 2002 0200'")
    p.add_argument("--space", default="snasnet-backward", help="space the cell must belong to")
    add_score_options(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_score)


def _score(args) -> int:
    from snasray.score import make_scorer

    seed = user_input(lambda: check_seed(args.seed))
    space = space_arg(args.space)
    cell = cell_arg(args.cell, space)
    config = user_input(lambda: replace(score_config_from(args), ops=space.op_table))
    check_device(config.device)
    scorer = user_input(lambda: make_scorer(config))
    result = user_input(lambda: scorer.score(cell, seed))
    if args.json:
        payload = {**result.__dict__, "config_hash": config.config_hash(), "dataset": config.dataset}
        emit_json({**payload, "preset": config.preset}, reasons={"score": result.error})
        return 0
    print(f"cell     {result.cell}   (key {result.key})")
    repeats = f"   repeats {', '.join(f'{s:.4f}' for s in result.repeat_scores)}" if result.repeat_scores else ""
    print(f"score    {result.score:.4f} ({result.proxy}){repeats}")
    if result.error or not math.isfinite(result.score):
        print(f"note     {result.error}")
    if not result.layer_neurons:  # no network was built: a cell with no path from input to output
        return 0
    print(
        f"spikes   firing rate {result.firing_rate:.4f}, {result.spikes_per_image:,.0f} spikes and"
        f" {result.synops:,.0f} synaptic ops (estimate) per image"
    )
    if result.layer_neurons:
        neurons = result.layer_neurons
        print(f"neurons  {sum(neurons.values()):,} per image and timestep in {len(neurons)} LIF layers")
    others = [f"{name} {value:.4g}" for name, value in sorted(result.proxies.items()) if name != result.proxy]
    if others:
        print(f"proxies  {', '.join(others)}")
    print(f"network  {result.params:,} parameters, preset {config.preset}, data {config.dataset}, seed {args.seed}")
    print(f"time     {result.seconds:.2f} s for {config.repeat} batch(es) of {config.batch_size}")
    return 0
