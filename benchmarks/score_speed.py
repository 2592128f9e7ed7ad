"""Cost of the SAHD score against a bare forward pass, candidates per second, and where time goes.

    python benchmarks/score_speed.py                 # scaled presets + the cifar10 preset at T=1, CPU
    python benchmarks/score_speed.py --device cuda --presets cifar10,cifar100 --timesteps 5
    python benchmarks/score_speed.py --only gram,layout --runs 5   # Gram paths and layouts only

The spike Gram matrix of one LIF call, per path (`spike_gram`: cast, flatten and product) against a bare
float32 `s @ s.T` of the same float spikes, each checked exactly against a float64 product. Per-candidate
seconds per memory layout: build a fresh network + 2 scored batches, the paper's cell, layouts alternated.

Wall seconds (after synchronising on a GPU); on the CPU one thread by default, as each scoring worker
of `snasray search` uses. Bare: the network's forward in training mode under inference_mode, no hooks.
Scored: the same forward with the spike hooks, the kernel accumulation and the log-determinant. Shares
are of the scored time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from snasray.cells import Cell, load_space, sample_cell
from snasray.model import LIF, SNASNet, model_preset
from snasray.score import ScoreConfig, Scorer, SpikeCollector, logdet_score, sahd_kernel, spike_gram
from snasray.score.kernel import GRAM_PATHS, gram_path
from snasray.score.scorer import LAYOUTS

PAPER_CELL = Cell.parse("0303 0030 2002 0200")


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device, runs: int) -> float:
    fn()
    sync(device)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return min(times)  # the least disturbed run: robust to other load on a shared machine


def time_shares(net: nn.Module, images: torch.Tensor, device) -> dict[str, float]:
    """Seconds in convolutions, LIF neurons and the score hooks, from module pre/post hooks."""
    spent = {"conv": 0.0, "lif": 0.0}
    marks: dict[int, float] = {}

    def pre(module, _):
        sync(device)
        marks[id(module)] = time.perf_counter()

    def post(kind):
        def hook(module, _inputs, _output):
            sync(device)
            spent[kind] += time.perf_counter() - marks[id(module)]

        return hook

    handles = []
    for m in net.modules():
        kind = "conv" if isinstance(m, nn.Conv2d) else "lif" if isinstance(m, LIF) else None
        if kind:
            handles += [m.register_forward_pre_hook(pre), m.register_forward_hook(post(kind))]
    with torch.inference_mode():
        net(images)
        spent.update(conv=0.0, lif=0.0)
        sync(device)
        start = time.perf_counter()
        net(images)
        sync(device)
        total = time.perf_counter() - start
    for h in handles:
        h.remove()
    return {k: v / total for k, v in spent.items()}


def preset_row(preset: str, batch: int, timesteps: int, device: torch.device, runs: int, layout: str) -> dict:
    torch.manual_seed(0)
    config = model_preset(preset, timesteps=timesteps)
    net = SNASNet(PAPER_CELL, config, 3, 32, 10).to(device, memory_format=LAYOUTS[layout]).train()
    images = torch.randn(batch, 3, 32, 32, device=device).contiguous(memory_format=LAYOUTS[layout])
    with torch.inference_mode():
        bare = timed(lambda: net(images), device, runs)
        collector = SpikeCollector(net)

        def scored():
            collector.clear()
            net(images)
            logdet_score(collector.kernel())

        with_score = timed(scored, device, runs)
        collector.close()
    shares = time_shares(net, images, device)
    return {
        "preset": preset,
        "batch": batch,
        "T": timesteps,
        "bare_s": bare,
        "scored_s": with_score,
        "overhead": with_score / bare - 1,
        "conv": shares["conv"] * bare / with_score,
        "lif": shares["lif"] * bare / with_score,
        "score": 1 - bare / with_score,
    }


def candidates_per_second(preset: str, batch: int, device: str, cells: int, dataset: str, layout: str) -> float:
    config = ScoreConfig(dataset=dataset, preset=preset, batch_size=batch, repeat=2, device=device, layout=layout)
    scorer = Scorer(config)
    space = load_space("snasnet-backward")
    rng = np.random.default_rng(0)
    chosen = [sample_cell(space, rng) for _ in range(cells)]
    scorer.score(chosen[0], 0)
    start = time.perf_counter()
    for cell in chosen:
        scorer.score(cell, 0)
    return cells / (time.perf_counter() - start)


def gram_rows(device: torch.device, runs: int) -> list[dict]:
    """Seconds per spike Gram matrix, per path, against a bare float32 matmul; exact or not."""
    rows = []
    for batch in (64, 256):
        for neurons in (16_384, 262_144):
            g = torch.Generator().manual_seed(0)
            rows.append(gram_row((torch.rand(batch, neurons, generator=g) < 0.15).float().to(device), runs))
    return rows


def gram_row(spikes: torch.Tensor, runs: int) -> dict:
    device = spikes.device
    exact = spikes.double() @ spikes.double().T
    row = {
        "batch": spikes.shape[0],
        "neurons": spikes.shape[1],
        "matmul": timed(lambda: spikes @ spikes.T, device, runs),
    }
    for path in GRAM_PATHS:
        row[path] = timed(lambda path=path: spike_gram(spikes, path), device, runs)
        row[f"{path} exact"] = torch.equal(spike_gram(spikes, path), exact)
    row["auto chose"] = gram_path(spikes, "auto")
    return row


def candidate_seconds(preset: str, dataset: str, device: str, runs: int) -> dict[str, float]:
    """Fewest seconds per candidate (build + 2 scored batches of 64, the paper's cell) per layout."""
    scorers = {
        layout: Scorer(
            ScoreConfig(dataset=dataset, preset=preset, batch_size=64, repeat=2, device=device, layout=layout)
        )
        for layout in LAYOUTS
    }
    best = dict.fromkeys(LAYOUTS, float("inf"))
    for scorer in scorers.values():
        scorer.score(PAPER_CELL, 0)  # data, calibration, warm-up
    for _ in range(runs):
        for layout, scorer in scorers.items():  # alternated, so that load hits both alike
            start = time.perf_counter()
            scorer.score(PAPER_CELL, 0)
            sync(torch.device(device))
            best[layout] = min(best[layout], time.perf_counter() - start)
    return best


def kernel_variants(device: torch.device, batch: int, neurons: int, runs: int) -> list[tuple[str, float]]:
    """The released code's two-matmul float32 Hamming distance against the one-matmul exact form used here."""
    spikes = (torch.rand(batch, neurons, device=device) < 0.15).float()

    def released():
        x = spikes
        d = x @ (1 - x).T + (1 - x) @ x.T
        r = (x.sum(1) / neurons)[:, None]
        e = neurons * (r @ (1 - r).T + (1 - r) @ r.T)
        return (neurons - 0.5 * d / (e + 1e-3)).cpu()

    ours = timed(lambda: sahd_kernel(spikes), device, runs)
    theirs = timed(released, device, runs)
    agree = torch.allclose(sahd_kernel(spikes).cpu(), released().double(), rtol=1e-6, atol=1e-3)
    return [
        ("two fp32 matmuls + host copy (released form)", theirs),
        ("one exact matmul, on device", ours),
        ("same kernel within 1e-6 relative", float(agree)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--presets", default="tiny,small,medium,cifar10")
    parser.add_argument("--batch", type=int, default=64, help="batch for scaled presets (paper presets use 256)")
    parser.add_argument("--timesteps", type=int, default=0, help="0: 5 for scaled presets, 1 for paper presets")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads")
    parser.add_argument("--cells", type=int, default=10)
    parser.add_argument("--dataset", default="synthetic")
    parser.add_argument("--layout", default="nchw", choices=tuple(LAYOUTS), help="layout of the preset tables")
    parser.add_argument("--only", default="presets,gram,layout,kernel", help="sections to run")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    sections = args.only.split(",")
    if "presets" in sections:
        preset_tables(args, device)
    if "gram" in sections:
        print(
            "\n| B | N | float32 s @ s.T ms | "
            + " | ".join(f"{p} ms (x matmul)" for p in GRAM_PATHS)
            + " | exact | auto chose |"
        )
        print("| --- | --- | --- |" + " --- |" * len(GRAM_PATHS) + " --- | --- |")
        for r in gram_rows(device, args.runs):
            paths = " | ".join(f"{r[p] * 1e3:.2f} ({r[p] / r['matmul']:.2f}x)" for p in GRAM_PATHS)
            exact = all(r[f"{p} exact"] for p in GRAM_PATHS)
            print(
                f"| {r['batch']} | {r['neurons']:,} | {r['matmul'] * 1e3:.2f} | {paths} | {exact} | {r['auto chose']} |"
            )
    if "layout" in sections:
        print("\n| preset | " + " | ".join(f"{layout} s/candidate" for layout in LAYOUTS) + " |")
        print("| --- |" + " --- |" * len(LAYOUTS))
        for preset in args.presets.split(","):
            if preset in ("tiny", "small", "medium"):
                best = candidate_seconds(preset, args.dataset, args.device, args.runs)
                print(f"| {preset} | " + " | ".join(f"{best[layout]:.3f}" for layout in LAYOUTS) + " |", flush=True)
    if "kernel" in sections:
        print("\nkernel of one LIF call (B=256, N=16*32*32):")
        for name, value in kernel_variants(device, 256, 16 * 32 * 32, args.runs):
            print(f"- {name}: {value:.4f}" + ("" if "same" in name else " s"))


def preset_tables(args, device: torch.device) -> None:
    print(f"layout {args.layout}")
    print("| preset | batch | T | bare forward s | scored s | overhead | conv | LIF | hooks + kernel + logdet |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for preset in args.presets.split(","):
        paper = preset in ("cifar10", "cifar100", "tinyimagenet")
        batch = 256 if paper else args.batch
        timesteps = args.timesteps or (1 if paper else 5)
        r = preset_row(preset, batch, timesteps, device, args.runs, args.layout)
        print(
            f"| {preset} | {batch} | {timesteps} | {r['bare_s']:.3f} | {r['scored_s']:.3f} | {r['overhead']:+.1%} |"
            f" {r['conv']:.0%} | {r['lif']:.0%} | {r['score']:.1%} |",
            flush=True,
        )
    print("\n| preset | batch | repeat | candidates/s (build + 2 scored batches) |")
    print("| --- | --- | --- | --- |")
    for preset in args.presets.split(","):
        if preset in ("cifar10", "cifar100", "tinyimagenet") and device.type == "cpu":
            continue
        batch = 256 if preset in ("cifar10", "cifar100", "tinyimagenet") else args.batch
        rate = candidates_per_second(preset, batch, args.device, args.cells, args.dataset, args.layout)
        print(f"| {preset} | {batch} | 2 | {rate:.2f} |", flush=True)


if __name__ == "__main__":
    main()
