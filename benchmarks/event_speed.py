"""Scoring on event frames against static images of the same size, and the memory of the frame cache.

    python benchmarks/event_speed.py                      # 2 x 32 x 32, T = 5, events-tiny, 12 candidates each
    python benchmarks/event_speed.py --preset events-small --candidates 20 --device cuda

Speed: per-candidate seconds of `Scorer.score` (a fresh network, the spike hooks, the kernel and the
log-determinant) on frames B x T x 2 x 32 x 32 read from a built frame cache (DVS Gesture format, downsampled
4x) and on static images B x 2 x 32 x 32 fed at each of the same T timesteps, the same random cells, the two
kinds alternated so that both see the same machine load. One thread, as a scoring worker of `snasray search`.

Memory: synthetic DVS Gesture recordings at the default binning (event counts, T = 16, 128 x 128, no
downsampling: the GPU preset's input) binned into a cache in a fresh process; reported per 1,000
recordings: the cache's size on disk and the peak resident memory of building it and of reading two
scoring batches from it (Linux: VmHWM of /proc/self/status, reset through /proc/self/clear_refs, minus the
resident memory before).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from snasray.cells import load_space, sample_cell
from snasray.data import DataConfig, input_spec
from snasray.data.events import bin_recording, cache_dir, write_cache
from snasray.score import ScoreConfig, Scorer

GESTURE_DTYPE = np.dtype([("x", np.int16), ("y", np.int16), ("p", bool), ("t", np.int64)])


def recording(label: int, events: int, rng: np.random.Generator) -> np.ndarray:
    """A DVS Gesture-format recording: a blob of events that moves with time, placed by the label."""
    out = np.zeros(events, dtype=GESTURE_DTYPE)
    out["t"] = np.sort(rng.integers(0, 6_000_000, events))
    drift = out["t"] * 60 // 6_000_000
    out["x"] = np.clip(10 * label + drift + rng.normal(0, 6, events), 0, 127)
    out["y"] = np.clip(30 + 5 * label + rng.normal(0, 6, events), 0, 127)
    out["p"] = rng.random(events) < 0.5
    return out


def build_cache(root: Path, config: DataConfig, count: int, events: int) -> Path:
    rng = np.random.default_rng(0)
    spec = input_spec(config)
    labels = [i % 11 for i in range(count)]
    frames = (bin_recording(recording(label, events, rng), spec, config) for label in labels)
    shape = (config.timesteps, spec.in_channels, spec.image_size, spec.image_size)
    return write_cache(cache_dir(config, "train"), frames, labels, shape)


class StaticScorer(Scorer):
    """The same scorer on fixed static images instead of the data set's frames."""

    def __init__(self, config: ScoreConfig, images: torch.Tensor) -> None:
        super().__init__(config)
        self.images = images.to(self.device)

    def batches(self, seed: int) -> list[torch.Tensor]:
        return [self.images]


def speed(args) -> dict:
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        config = ScoreConfig(
            dataset="dvs-gesture",
            preset=args.preset,
            batch_size=args.batch_size,
            repeat=1,
            timesteps=args.timesteps,
            data_dir=folder,
            downsample=4,
            device=args.device,
            gram="float32",
        )
        build_cache(Path(folder), config.data_config(), max(args.batch_size, 128), events=20_000)
        events = Scorer(config)
        frames = events.batches(0)[0]
        static = StaticScorer(config, frames[:, 0].clone().uniform_(0, 2))
        cells = [sample_cell(load_space("snasnet-backward"), np.random.default_rng(i)) for i in range(args.candidates)]
        events.score(cells[0], 0), static.score(cells[0], 0)  # warm up
        times = {"events": [], "static": []}
        for cell in cells:
            for name, scorer in (("events", events), ("static", static)):
                start = time.perf_counter()
                scorer.score(cell, 0)
                times[name].append(time.perf_counter() - start)
    per = {name: float(np.median(t)) for name, t in times.items()}
    return {
        "frames": list(frames.shape),
        "seconds_per_candidate": per,
        "candidates_per_second": {name: 1 / s for name, s in per.items()},
        "events_over_static": per["events"] / per["static"],
    }


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _peak_mb(run) -> float:
    """Peak resident memory above the current, in MB, while `run()` runs."""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident size
    before = _status_kb("VmRSS")
    run()
    return (_status_kb("VmHWM") - before) / 1e3


def cache_memory(recordings: int, events: int) -> dict:
    """Run in a fresh process: build a cache of `recordings` at the default binning, then read two batches."""
    from snasray.data import load_split, score_batches

    with tempfile.TemporaryDirectory() as folder:
        config = DataConfig(name="dvs-gesture", data_dir=folder, timesteps=16)
        build = _peak_mb(lambda: build_cache(Path(folder), config, recordings, events))
        disk = sum(f.stat().st_size for f in cache_dir(config, "train").iterdir())
        read = _peak_mb(lambda: (load_split(config, "train"), score_batches(config, min(64, recordings), 2, 0)))
    per_1000 = 1000 / recordings
    return {
        "recordings": recordings,
        "events_per_recording": events,
        "frame_shape": [16, 2, 128, 128],
        "disk_mb_per_1000": disk * per_1000 / 1e6,
        "build_peak_mb_per_1000": build * per_1000,
        "build_peak_mb": build,
        "read_two_batches_of_64_peak_mb": read,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="events-tiny")
    parser.add_argument("--timesteps", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--recordings", type=int, default=200, help="recordings in the memory measurement")
    parser.add_argument("--events", type=int, default=50_000, help="events per recording there")
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_only:
        print(json.dumps(cache_memory(args.recordings, args.events)))
        return
    result = {"speed": speed(args)}
    child = [
        sys.executable,
        __file__,
        "--memory-only",
        "--recordings",
        str(args.recordings),
        "--events",
        str(args.events),
    ]
    result["cache_memory"] = json.loads(subprocess.run(child, capture_output=True, text=True, check=True).stdout)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
