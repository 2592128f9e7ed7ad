r"""Per-candidate scoring, side by side: the paper's released code against snasray.

A candidate is what a search pays per cell: build a fresh network, score 2 batches of 64 images, average.
Both sides score the paper's CIFAR-10 cell `0303 0030 2002 0200` with the same images, the same dropout
masks and the same weights, on one CPU thread, alternating released / snasray in one process; a pair's
times count only when its two scores agree. Reported: wall and CPU seconds per candidate (median, range),
the median of the per-pair ratios released / snasray, the scores' relative difference, the load average.

Setup, in a separate virtual environment (the released code needs spikingjelly's `clock_driven` API,
absent from spikingjelly 2.x), from the repository root:

    python3 -m venv ../released-venv && ../released-venv/bin/pip install torch==2.14.1 torchvision==0.29.1 \
        spikingjelly==0.0.0.0.12 -e .
    git clone https://github.com/Intelligent-Computing-Lab-Yale/Neural-Architecture-Search-for-Spiking-Neural-Networks \
        ../released && git -C ../released checkout 4980409

Run (without --released the benchmark says so and exits 0):

    ../released-venv/bin/python benchmarks/released_compare.py --released ../released --preset small --pairs 5
    ../released-venv/bin/python benchmarks/released_compare.py --released ../released --preset cifar10 \
        --pairs 3 --warmup 0 --tolerance 1e-3

The released code (commit 4980409) carries no licence: it is imported from the checkout, never copied.
It is patched at run time, only while a released candidate runs, as follows:
- `torch.Tensor.cuda` and `torch.nn.Module.cuda` return their object unchanged, so that its `.cuda()`
  calls (model_snn.py:50, 62, 65, 83) keep everything on the CPU.
- For scaled widths (any preset but cifar10; C1 = snasray's width, H = its hidden size), the hard-coded
  sizes are mapped while its network is built, by wrapping the constructors of `nn.Conv2d`,
  `nn.BatchNorm2d` and `nn.Linear`:
  * 256 channels -> C1: the stem's output, both cells of the first stage and the downsampling block's
    input (model_snn.py:127, 156-157, 163, 169, 173: `first_out_channel * channel_ratio` and
    `128 * channel_ratio`);
  * 512 channels -> 2 C1: the downsampling conv's output, the second cell and the last activation
    (model_snn.py:173, 175, 183, 189: `256 * channel_ratio`);
  * the classifier's 32,768 inputs -> 2 C1 x 8 x 8 (model_snn.py:198);
  * the classifier's hidden size `classifier_inter_ch` = 1024 -> H, in both of its linear layers
    (model_snn.py:130, 198, 202);
  * with `--dataset digits` (1 channel, 8 px): the stem's 3 input channels -> 1, the classifier's inputs
    -> 2 C1 x 2 x 2, and the population of 10 neurons per class -> the preset's (its last linear layer's
    100 outputs and `nn.AvgPool1d(10, 10)`, model_snn.py:202-203).
The scoring hook and the loop over the 2 batches live inside the released code's search function
(model_snn.py:13-94), so `released_candidate` restates them, with line references, and feeds them the
prepared batches (the released loop draws a freshly augmented batch per repeat from a DataLoader, a cost
left out here, which favours the released code).

Like for like: the released code's latest commit does not reset its LIF membranes or its dropout mask
between the 2 batches (its network resets only the cells' feedback states, model_snn.py:219-224, 240-246), whereas
snasray resets every state before each forward, as the paper's method does (and the released code's
first upload did). The released candidate therefore calls spikingjelly's `functional.reset_net` before
each batch (a few microseconds) and then sets the dropout mask that snasray draws for that batch.

Agreement: timed snasray candidates run in its default memory layout (`--layout` picks another where
`ScoreConfig` has that option). In NCHW a pair counts when the two scores agree within 1e-5 relative.
Channels-last convolutions round differently and flip a few spikes, so in that layout a pair gets 1e-3
(`--tolerance` sets either, and the first), and the first pair's network is also scored by snasray in
NCHW, outside the timing, which must agree within 1e-5. At the paper's width the released code's own rounding bounds
the agreement: it forms each call's kernel in float32, whose entries lie near N = 262,144 neurons, where
float32 numbers are 1/64 apart, while the information is in differences of about 0.5 between entries;
its score then moves by about 5e-4 relative (snasray's Gram counts are exact, its kernel float64). Hence
`--tolerance 1e-3` at that preset.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import numpy as np
import torch
from torch import nn

import snasray
from snasray.cells import Cell
from snasray.score import ScoreConfig, Scorer, SpikeCollector, logdet_score

PAPER_CELL = "0303 0030 2002 0200"
EXACT_TOLERANCE = 1e-5
CHANNELS_LAST_TOLERANCE = 1e-3
# The released cells list their edges in this order (searchcells/search_cell_snn.py:70-71, 100-101).
FORWARD_EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
BACKWARD_EDGES = ((1, 0), (2, 0), (3, 0), (2, 1), (3, 1), (3, 2))
# The released network's module names -> snasray's, outside the cells (model_snn.py:155-203).
RENAMED = {
    "stem.": "stem.",
    "downconv1.0.": "down_bn.",
    "downconv1.2.": "down_conv.",
    "downconv1.3.": "down_bn2.",
    "last_act.0.": "head_bn.",
    "classifier.1.": "fc1.",
    "classifier.3.": "fc2.",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--released", type=Path, help="checkout of the released code (commit 4980409)")
    p.add_argument("--preset", default="small", help="snasray preset: small (C1=16, H=256) or cifar10 (the paper's)")
    p.add_argument("--pairs", type=int, default=5, help="timed pairs (released, snasray)")
    p.add_argument("--warmup", type=int, default=1, help="untimed pairs first")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0, help="snasray's score seed: its images and dropout masks")
    p.add_argument(
        "--dataset", default="cifar10-subset", help="snasray data set of 10 classes: cifar10-subset or digits"
    )
    p.add_argument("--data-dir", help="cifar10_subset.npz (snasray's default location otherwise)")
    p.add_argument("--layout", help="snasray's memory layout, where ScoreConfig has a `layout` option")
    p.add_argument("--tolerance", type=float, help="relative score difference allowed in a timed pair")
    p.add_argument("--profile", action="store_true", help="after the pairs, profile one candidate of each side")
    p.add_argument("--json", type=Path, help="write the figures here too")
    args = p.parse_args(argv)
    if args.pairs < 1 or args.warmup < 0 or args.batch_size < 2:
        p.error("--pairs must be >= 1, --warmup >= 0, --batch-size >= 2")
    return args


# ---------------------------------------------------------------- the released code, on the CPU


def import_released(checkout: Path) -> tuple[ModuleType, ModuleType]:
    """The released `model_snn` module and spikingjelly's `functional`, imported from a checkout."""
    if not (checkout / "model_snn.py").is_file() or not (checkout / "searchcells").is_dir():
        raise SystemExit(f"released_compare: {checkout} holds no model_snn.py and searchcells/")
    sys.path.insert(0, str(checkout.resolve()))
    import model_snn  # noqa: PLC0415  (from the checkout)
    from spikingjelly.clock_driven import functional

    return model_snn, functional


def _stay_on_cpu(self, *args, **kwargs):
    return self


def _remapped_init(init, sizes: dict[int, int], positional: int):
    def init_with_sizes(self, *args, **kwargs):
        args = tuple(sizes.get(a, a) if i < positional else a for i, a in enumerate(args))
        init(self, *args, **kwargs)

    return init_with_sizes


@contextmanager
def released_runtime(width: int, hidden: int, in_channels: int = 3, image: int = 32, population: int = 10):
    """The run-time patches listed in the module docstring, undone on exit."""
    channels = {256: width, 512: 2 * width}
    linear = {512 * 8 * 8: 2 * width * (image // 4) ** 2, 1024: hidden}
    patches = [(torch.Tensor, "cuda", _stay_on_cpu), (nn.Module, "cuda", _stay_on_cpu)]
    if (width, hidden, in_channels, image, population) != (256, 1024, 3, 32, 10):
        conv_channels = {**channels, 3: in_channels}  # the stem's input; no other conv has 3 channels
        patches += [
            (nn.Conv2d, "__init__", _remapped_init(nn.Conv2d.__init__, conv_channels, 2)),
            (nn.BatchNorm2d, "__init__", _remapped_init(nn.BatchNorm2d.__init__, channels, 1)),
            (nn.Linear, "__init__", _remapped_init(nn.Linear.__init__, {**linear, 100: 10 * population}, 2)),
            (nn.AvgPool1d, "__init__", _remapped_init(nn.AvgPool1d.__init__, {10: population}, 2)),
        ]
    saved = [(cls, name, cls.__dict__.get(name)) for cls, name, _ in patches]
    for cls, name, value in patches:
        setattr(cls, name, value)
    try:
        yield
    finally:
        for cls, name, value in saved:
            if value is None:
                delattr(cls, name)
            else:
                setattr(cls, name, value)


def released_args(model: dict) -> argparse.Namespace:
    """The released config (config.py) for its cifar10 network: backward cells, T=5, tau 4/3, threshold 1."""
    return argparse.Namespace(
        dataset="cifar10",
        celltype="backward",
        timestep=model["timesteps"],
        second_avgpooling=model["second_avgpool"],
        tau=model["tau"],
        threshold=model["threshold"],
    )


@torch.no_grad()  # the whole search runs under no_grad, model_snn.py:25
def released_candidate(model_snn, functional, args, con_mat, batches, masks):
    """One candidate as the released search scores it (model_snn.py:49-87): (score, network).

    The hook and the loop body are restated from model_snn.py with the batch size taken from the
    spikes (the released hook hard-codes its search batch of 256, model_snn.py:15, 62, 65).
    """
    net = model_snn.SNASNet(args, con_mat)  # model_snn.py:49-50
    net.cuda()
    kernel = {"sum": None, "calls": 0}  # searchnet.K and searchnet.num_actfun, model_snn.py:52-53

    def kernel_of_call(module, inputs, out):  # model_snn.py:55-71
        if isinstance(out, tuple):
            out = out[0]
        out = out.view(out.size(0), -1)
        batch, neurons = out.size()
        x = (out > 0).float()
        full = torch.ones((batch, batch)).cuda() * neurons
        rate = (x.sum(1) / neurons).unsqueeze(1)
        expected = ((rate @ (1 - rate.t())) + ((1 - rate) @ rate.t())) * neurons
        rescale = torch.div(0.5 * torch.ones((batch, batch)).cuda(), expected + 1e-3)
        ones_then_zeros = x @ (1 - x.t())
        zeros_then_ones = (1 - x) @ x.t()
        k = full - rescale * (zeros_then_ones + ones_then_zeros)
        kernel["sum"] = kernel["sum"] + k.cpu().numpy()
        kernel["calls"] += 1

    for _, module in net.named_modules():  # model_snn.py:73-76
        if "LIFNode" in str(type(module)):
            module.register_forward_hook(kernel_of_call)

    per_batch = []
    for images, mask in zip(batches, masks, strict=True):  # model_snn.py:78-85
        functional.reset_net(net)  # like for like: see the module docstring
        net.classifier[0].mask = mask
        kernel["sum"], kernel["calls"] = np.zeros((images.shape[0], images.shape[0])), 0
        net(images.cuda())
        per_batch.append(np.linalg.slogdet(kernel["sum"] / kernel["calls"])[1])  # model_snn.py:9-11, 85
    return float(np.mean(per_batch)), net  # model_snn.py:87


# ---------------------------------------------------------------- snasray, on the same weights


def snasray_name(released_name: str) -> str:
    """snasray's parameter name for one of the released network's (its cells: conv at .1, BN at .2)."""
    for old, new in RENAMED.items():
        if released_name.startswith(old):
            return new + released_name[len(old) :]
    cell, table, index, part, leaf = released_name.split(".")
    i, j = (BACKWARD_EDGES if table.endswith("_back") else FORWARD_EDGES)[int(index)]
    return f"{cell}.convs.{i}_{j}.{ {'1': 'conv', '2': 'bn'}[part] }.{leaf}"


def copy_weights(released: nn.Module, network: nn.Module) -> nn.Module:
    """Copy every parameter of the released network into snasray's; the names must match one to one."""
    ours = dict(network.named_parameters())
    theirs = {snasray_name(name): p for name, p in released.named_parameters()}
    if set(ours) != set(theirs):
        raise RuntimeError(f"parameters differ: {sorted(set(ours) ^ set(theirs))}")
    with torch.no_grad():
        for name, p in ours.items():
            if p.shape != theirs[name].shape:
                raise RuntimeError(f"{name}: {tuple(p.shape)} here, {tuple(theirs[name].shape)} released")
            p.copy_(theirs[name])
    return network


def snasray_masks(scorer: Scorer, seed: int, features: int) -> list[torch.Tensor]:
    """The dropout masks that `Scorer.score(cell, seed)` draws, one per batch (snasray/model/network.py)."""
    cfg = scorer.config
    keep = 1 - cfg.model_config().dropout
    torch.manual_seed(seed)
    return [torch.bernoulli(torch.full((cfg.batch_size, features), keep)) / keep for _ in range(cfg.repeat)]


def snasray_nchw_score(scorer: Scorer, cell: Cell, seed: int, released: nn.Module, batches) -> float:
    """Scorer.score's loop in NCHW layout on the released weights: the exactness check."""
    network = copy_weights(released, scorer.build(cell, seed)).to(memory_format=torch.contiguous_format)
    collector = SpikeCollector(network)
    scores = []
    torch.manual_seed(seed)
    with torch.inference_mode():
        for images in batches:
            collector.clear()
            network(images.contiguous())
            scores.append(logdet_score(collector.kernel())[0])
    collector.close()
    return sum(scores) / len(scores)


# ---------------------------------------------------------------- timing


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), 1e-12)


def make_scorer(args, preset: str) -> Scorer:
    fields = {f.name for f in dataclasses.fields(ScoreConfig)}
    extra = {}
    if args.layout:
        if "layout" not in fields:
            raise SystemExit("released_compare: this snasray's ScoreConfig has no layout option")
        extra["layout"] = args.layout
    return Scorer(
        ScoreConfig(dataset=args.dataset, preset=preset, batch_size=args.batch_size, data_dir=args.data_dir, **extra)
    )


def profile_candidate(label: str, fn) -> None:
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    print(f"\nprofile, {label} candidate (self CPU time, top 15 operators)")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.released is None:
        print("released_compare: skipped, no --released checkout of the released code given")
        return 0
    model_snn, functional = import_released(args.released)
    torch.set_num_threads(1)

    scorer = make_scorer(args, args.preset)
    cfg = scorer.config.model_config()
    cell = Cell.parse(PAPER_CELL)
    con_mat = torch.tensor(cell.array(), dtype=torch.float32)  # as search_snn.py:58 builds it
    r_args = released_args(dataclasses.asdict(cfg))
    nchw_batches = [b.contiguous() for b in scorer.batches(args.seed)]
    channels, image = nchw_batches[0].shape[1], nchw_batches[0].shape[-1]
    masks = snasray_masks(scorer, args.seed, 2 * cfg.width * (image // 4) ** 2)
    layout = getattr(scorer.config, "layout", "channels_last")  # channels_last before the option existed
    tolerance = args.tolerance or (EXACT_TOLERANCE if layout == "nchw" else CHANNELS_LAST_TOLERANCE)
    print(
        f"{args.dataset}, preset {args.preset} (C1={cfg.width}, H={cfg.hidden}, T={cfg.timesteps}), cell {PAPER_CELL}, "
        f"batch {args.batch_size} x {scorer.config.repeat}, one thread, torch {torch.__version__}, "
        f"snasray layout {layout} from {Path(snasray.__file__).parent}, {platform.processor() or platform.machine()}"
    )

    def released_run(pair: int):
        torch.manual_seed(1000 + pair)  # a different network per pair; snasray gets its weights
        with released_runtime(cfg.width, cfg.hidden, channels, image, cfg.population):
            return released_candidate(model_snn, functional, r_args, con_mat, nchw_batches, masks)

    def snasray_run(released_net: nn.Module):
        scorer.build = lambda c, s: copy_weights(released_net, Scorer.build(scorer, c, s))
        return scorer.score(cell, args.seed).score

    rows, exact = [], None
    for pair in range(-args.warmup, args.pairs):
        load = os.getloadavg()[0]
        (r_score, r_net), r_wall, r_cpu = timed(lambda pair=pair: released_run(pair))
        s_score, s_wall, s_cpu = timed(lambda net=r_net: snasray_run(net))
        if exact is None and layout != "nchw":
            nchw = snasray_nchw_score(scorer, cell, args.seed, r_net, scorer.batches(args.seed))
            exact = {"released": r_score, "snasray_nchw": nchw, "relative": relative(r_score, nchw)}
            print(f"exactness (NCHW): released {r_score:.8f}, snasray {nchw:.8f}, relative {exact['relative']:.2e}")
            if exact["relative"] > (args.tolerance or EXACT_TOLERANCE):
                raise SystemExit("released_compare: the NCHW scores differ more than allowed")
        row = {
            "pair": pair,
            "load": load,
            "released_s": r_wall,
            "released_cpu_s": r_cpu,
            "snasray_s": s_wall,
            "snasray_cpu_s": s_cpu,
            "released_score": r_score,
            "snasray_score": s_score,
            "relative": relative(r_score, s_score),
        }
        row["agrees"] = row["relative"] <= tolerance
        tag = "warm-up" if pair < 0 else f"pair {pair}"
        print(
            f"{tag}: load {load:.2f}  released {r_wall:.3f} s (cpu {r_cpu:.3f})  snasray {s_wall:.3f} s "
            f"(cpu {s_cpu:.3f})  ratio {r_wall / s_wall:.2f}  scores {r_score:.6f} / {s_score:.6f} "
            f"rel {row['relative']:.1e}{'' if row['agrees'] else '  DISAGREE: not counted'}",
            flush=True,
        )
        if pair >= 0:
            rows.append(row)

    counted = [r for r in rows if r["agrees"]]
    result = {
        "dataset": args.dataset,
        "preset": args.preset,
        "width": cfg.width,
        "hidden": cfg.hidden,
        "layout": layout,
        "exact": exact,
    }
    result["tolerance"] = tolerance
    result["pairs"] = rows
    if counted:
        for key in ("released_s", "snasray_s", "released_cpu_s", "snasray_cpu_s", "load"):
            result[key] = summary([r[key] for r in counted])
        result["ratio"] = summary([r["released_s"] / r["snasray_s"] for r in counted])
        result["cpu_ratio"] = summary([r["released_cpu_s"] / r["snasray_cpu_s"] for r in counted])
        result["relative"] = summary([r["relative"] for r in counted])
        fmt = lambda s: f"{s['median']:.3f} [{s['min']:.3f}, {s['max']:.3f}]"  # noqa: E731
        print(f"\n{len(counted)} of {len(rows)} pairs counted; median [min, max]")
        print(f"released s/candidate {fmt(result['released_s'])}, cpu {fmt(result['released_cpu_s'])}")
        print(f"snasray  s/candidate {fmt(result['snasray_s'])}, cpu {fmt(result['snasray_cpu_s'])}")
        print(f"ratio released/snasray, per pair: wall {fmt(result['ratio'])}, cpu {fmt(result['cpu_ratio'])}")
        rel = result["relative"]
        print(f"score relative difference {rel['median']:.1e} [{rel['min']:.1e}, {rel['max']:.1e}]")
        print(f"load average (1 min) {fmt(result['load'])}")
    else:
        print("no pair's scores agreed: no time counts")
    if args.profile:
        profile_candidate("released", lambda: released_run(0))
        r_net = released_run(0)[1]
        profile_candidate("snasray", lambda: snasray_run(r_net))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if counted else 1


if __name__ == "__main__":
    sys.exit(main())
