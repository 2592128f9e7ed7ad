"""GPU correctness of the score: exact spike Gram matrices, reproducible scores, agreement with the CPU.

python benchmarks/gpu_check.py
"""

from __future__ import annotations

import time

import numpy as np
import torch

from snasray.cells import load_space, sample_cell
from snasray.score import ScoreConfig, Scorer, spike_gram


def main() -> None:
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
    spikes = (torch.rand(256, 256 * 32 * 32, device="cuda") < 0.2).float()
    exact = (spikes.double() @ spikes.double().T).cpu()
    gram = spike_gram(spikes).double().cpu()
    print(f"spike Gram on the GPU (B=256, N=262144): max abs error vs float64 {float((gram - exact).abs().max()):.1f}")
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
