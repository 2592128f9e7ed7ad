"""Pilot on event data: do backward connections help? Best searched backward cell against best forward cell.

    python benchmarks/event_pilot.py                       # CPU scale: synthetic recordings, 2 x 32 x 32, T = 5
    python benchmarks/event_pilot.py --data-dir data --dataset dvs-gesture --preset dvs-gesture --device cuda \
        --budget 200 --top 5 --epochs 30 --downsample 1 --timesteps 16    # the question at full size, on a GPU

Both spaces (snasnet-backward, snasnet-forward) get the same budget of random cells, scored with the same
SAHD scorer, seeds and batches. The `--top` best-scoring cells of each space are then trained the same short
way (Adam 1e-3, `--epochs`, in this process, no Ray) and evaluated on the held-out split. Printed: the best
score of each space, each trained cell's score and accuracy, and Kendall's tau between score and accuracy over
the trained cells.

Without `--data-dir`, recordings are synthetic, in DVS Gesture's format: a blob of events whose place depends on
the class and whose direction of motion depends on the class's parity, so that a frame summed over time cannot
tell some classes apart while the sequence can.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import kendalltau
from torch.nn import functional as F
from torch.utils.data import DataLoader

from snasray.cells import load_space, sample_cell
from snasray.data import DataConfig, input_spec, load_split
from snasray.data.events import bin_recording, cache_dir, write_cache
from snasray.model import SNASNet
from snasray.score import ScoreConfig, Scorer

sys.path.insert(0, str(Path(__file__).parent))
from event_speed import GESTURE_DTYPE  # noqa: E402


def moving_blob(label: int, events: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(events, dtype=GESTURE_DTYPE)
    out["t"] = np.sort(rng.integers(0, 1_000_000, events))
    direction = 1 if label % 2 else -1
    drift = direction * (out["t"] * 48 // 1_000_000 - 24)
    out["x"] = np.clip(64 + drift + rng.normal(0, 8, events), 0, 127)
    out["y"] = np.clip(20 + 8 * (label // 2) + rng.normal(0, 8, events), 0, 127)
    out["p"] = rng.random(events) < 0.5
    return out


def synthetic_caches(config: DataConfig, per_class: int, events: int) -> None:
    rng = np.random.default_rng(0)
    spec = input_spec(config)
    shape = (config.timesteps, spec.in_channels, spec.image_size, spec.image_size)
    for split, count in (("train", per_class), ("test", max(per_class // 3, 4))):
        labels = [i % spec.num_classes for i in range(count * spec.num_classes)]
        frames = (bin_recording(moving_blob(label, events, rng), spec, config) for label in labels)
        write_cache(cache_dir(config, split), frames, labels, shape)


def train_and_test(cell, config: ScoreConfig, epochs: int, seed: int) -> float:
    data = config.data_config()
    spec = input_spec(data)
    torch.manual_seed(seed)
    device = torch.device(config.device)
    network = SNASNet(cell, config.model_config(), spec.in_channels, spec.image_size, spec.num_classes).to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    train = DataLoader(load_split(data, "train"), batch_size=32, shuffle=True)
    for _ in range(epochs):
        network.train()
        for frames, labels in train:
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(network(frames.to(device)), labels.to(device)).backward()
            optimizer.step()
    network.eval()
    correct = total = 0
    with torch.inference_mode():
        for frames, labels in DataLoader(load_split(data, "test"), batch_size=64):
            correct += int((network(frames.to(device)).argmax(1).cpu() == labels).sum())
            total += len(labels)
    return correct / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="dvs-gesture")
    parser.add_argument("--data-dir", help="recordings as tonic lays them out; default: synthetic ones")
    parser.add_argument("--preset", default="events-tiny")
    parser.add_argument("--timesteps", type=int, default=5)
    parser.add_argument("--downsample", type=int, default=4)
    parser.add_argument("--budget", type=int, default=16, help="random cells scored per space")
    parser.add_argument("--top", type=int, default=3, help="best-scoring cells trained per space")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--per-class", type=int, default=30, help="synthetic training recordings per class")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1 if args.device == "cpu" else torch.get_num_threads())
    with tempfile.TemporaryDirectory() as folder:
        config = ScoreConfig(
            dataset=args.dataset,
            preset=args.preset,
            batch_size=args.batch_size,
            repeat=2,
            timesteps=args.timesteps,
            data_dir=args.data_dir or folder,
            downsample=args.downsample,
            device=args.device,
        )
        if not args.data_dir:
            synthetic_caches(config.data_config(), args.per_class, events=3000)
        scorer = Scorer(config)
        rows = []
        for space_name in ("snasnet-backward", "snasnet-forward"):
            space, rng, seen = load_space(space_name), np.random.default_rng(args.seed), set()
            while len(seen) < args.budget:
                cell = sample_cell(space, rng)
                if cell.canonical_key() in seen:
                    continue
                seen.add(cell.canonical_key())
                result = scorer.score(cell, args.seed)
                rows.append({"space": space_name, "key": result.key, "score": result.score, "cell": cell})
        started = time.perf_counter()
        report = {"settings": {k: v for k, v in vars(args).items()}, "spaces": {}}
        trained = []
        for space_name in ("snasnet-backward", "snasnet-forward"):
            ranked = sorted((r for r in rows if r["space"] == space_name), key=lambda r: -r["score"])
            for row in ranked[: args.top]:
                row["test_acc"] = train_and_test(row["cell"], config, args.epochs, args.seed)
                trained.append(row)
            report["spaces"][space_name] = {
                "best_score": ranked[0]["score"],
                "median_score": float(np.median([r["score"] for r in ranked])),
                "trained": [
                    {"key": r["key"], "score": r["score"], "test_acc": r["test_acc"]} for r in ranked[: args.top]
                ],
            }
        tau = kendalltau([r["score"] for r in trained], [r["test_acc"] for r in trained])
        report["kendall_tau_score_vs_acc"] = {"tau": float(tau.statistic), "p": float(tau.pvalue), "n": len(trained)}
        report["training_seconds"] = time.perf_counter() - started
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
