"""GPU correctness of the score: exact spike Gram matrices, reproducible scores, agreement with the CPU.

Every Gram path is checked with TF32 allowed (0/1 inputs are exact in TF32 and the products accumulate
in float32, so the float32 path must stay exact; the int8 path is integer arithmetic throughout).

python benchmarks/gpu_check.py
"""

from __future__ import annotations

import time

import numpy as np
import torch

from snasray.cells import load_space, sample_cell
from snasray.score import ScoreConfig, Scorer, spike_gram
from snasray.score.kernel import GRAM_PATHS, gram_path


def main() -> None:
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
    torch.backends.cuda.matmul.allow_tf32 = True
    for batch in (64, 256):
        spikes = (torch.rand(batch, 256 * 32 * 32, device="cuda") < 0.2).float()
        spikes[0] = 1  # counts up to N = 262,144
        exact = (spikes.double() @ spikes.double().T).cpu()
        for path in GRAM_PATHS:
            gram = spike_gram(spikes, path).cpu()
            torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(10):
                spike_gram(spikes, path)
            torch.cuda.synchronize()
            ms = (time.perf_counter() - start) * 100
            error = float((gram - exact).abs().max())
            print(f"spike Gram, B={batch}, N=262144, TF32 allowed, {path}: {ms:.2f} ms, max abs error {error:.1f}")
        print(f"auto chose {gram_path(spikes, 'auto')} at B={batch}")
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    rng = np.random.default_rng(0)
    cells = [sample_cell(load_space("snasnet-backward"), rng) for _ in range(5)]
    config = dict(dataset="synthetic", preset="small", batch_size=64, repeat=2)
    cpu, gpu = Scorer(ScoreConfig(**config)), Scorer(ScoreConfig(**config, device="cuda"))
    print("| cell | CPU score | GPU score | GPU again | relative difference |")
    print("| --- | --- | --- | --- | --- |")
    for cell in cells:
        a, b, c = cpu.score(cell, 0).score, gpu.score(cell, 0).score, gpu.score(cell, 0).score
        print(f"| {cell} | {a:.6f} | {b:.6f} | {c:.6f} | {abs(a - b) / abs(a):.2e} |")
    start = time.perf_counter()
    paper = Scorer(ScoreConfig(dataset="synthetic", preset="cifar10", batch_size=256, repeat=2, device="cuda"))
    for cell in cells:
        paper.score(cell, 0)
    torch.cuda.synchronize()
    print(f"cifar10 preset, batch 256 x 2, T=5, TF32 off: {len(cells) / (time.perf_counter() - start):.2f} cells/s")


if __name__ == "__main__":
    main()
