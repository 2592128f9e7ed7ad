"""The training loop: seeded data-parallel training, one report (and checkpoint) per epoch.

It runs in every Ray Train worker (`train_loop`), or alone in one Ray Tune trial (`tune_loop`, what the ASHA
scheduler stops early); a `_Session` hides which.

Reproducibility: the model is initialised from the seed, the sampler shuffles from (seed, epoch), and every
epoch reseeds torch, numpy and python from (seed, rank, epoch), so augmentation and dropout of an epoch do
not depend on what ran before it. A run resumed from the checkpoint of epoch e therefore computes exactly
what the uninterrupted run computes from epoch e + 1 on.
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import ray.train
import torch
import torch.distributed as dist
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, DistributedSampler, Subset

from snasray import strict_json
from snasray.cells import Cell
from snasray.data import input_spec, load_split
from snasray.train.checkpoint import checkpoint_meta, read_state, rng_states, save_checkpoint, set_rng_states
from snasray.train.config import TrainConfig
from snasray.train.network import build_snasnet
from snasray.train.stats import fixed_batch, spike_statistics


def make_optimizer(config: TrainConfig, parameters) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    return torch.optim.Adam(parameters, lr=config.lr, weight_decay=config.weight_decay)


def cosine_factor(epoch: int, epochs: int, final_ratio: float) -> float:
    """lr multiplier after `epoch` scheduler steps: cosine from 1 down to final_ratio at `epochs`."""
    progress = min(epoch, epochs) / epochs
    return final_ratio + (1 - final_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def make_schedule(config: TrainConfig, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LambdaLR:
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda epoch: cosine_factor(epoch, config.epochs, config.final_lr_ratio)
    )


def training_subset(size: int, count: int) -> list[int]:
    """A fixed random choice of `count` of `size` training images, the same for every seed and run.

    Random rather than the first `count`: a split stored class by class (the CIFAR-10 subset) would
    otherwise lose whole classes.
    """
    if count >= size:
        return list(range(size))
    chosen = torch.randperm(size, generator=torch.Generator().manual_seed(0))[:count]
    return sorted(chosen.tolist())


def seed_epoch(seed: int, rank: int, epoch: int) -> None:
    state = np.random.SeedSequence([seed, rank, epoch]).generate_state(2)
    torch.manual_seed(int(state[0]))
    np.random.seed(int(state[1]))
    random.seed(int(state[1]))


def _sync_buffers(network: nn.Module) -> None:
    """Give every worker rank 0's BN statistics (each worker updated its own in its last forward)."""
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        for buffer in network.buffers():
            dist.broadcast(buffer, src=0)


def _sum(values: list[float], device, op=None) -> list[float]:
    """All-reduce (sum by default) across the workers; a no-op for one worker."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=op or dist.ReduceOp.SUM)
    return tensor.tolist()


@torch.no_grad()
def _val_counts(network: nn.Module, loader) -> tuple[int, int]:
    network.eval()
    correct = total = 0
    for images, labels in loader:
        correct += int((network(images).argmax(1) == labels).sum())
        total += len(labels)
    return correct, total


@dataclass(frozen=True)
class _Session:
    """Where the loop runs: its rank among `world` workers, its device, and Ray's report, checkpoint and
    data-parallel wrappers there."""

    rank: int
    world: int
    device: torch.device
    report: Any  # (metrics, checkpoint=None) -> None
    checkpoint_from: Any  # folder -> the Checkpoint class that `report` takes
    get_checkpoint: Any  # () -> Checkpoint | None
    prepare_model: Any  # nn.Module -> nn.Module
    prepare_loader: Any  # DataLoader -> iterable of batches on `device`


def train_loop(loop_config: dict) -> None:
    """A Ray Train worker's loop (`TorchTrainer`): one of `num_workers` data-parallel workers."""
    from ray.train.torch import get_device, prepare_data_loader, prepare_model

    context = ray.train.get_context()
    session = _Session(
        rank=context.get_world_rank(),
        world=context.get_world_size(),
        device=get_device(),
        report=ray.train.report,
        checkpoint_from=ray.train.Checkpoint.from_directory,
        get_checkpoint=ray.train.get_checkpoint,
        prepare_model=prepare_model,  # DistributedDataParallel over gloo (CPU) or NCCL (GPU) when world > 1
        prepare_loader=lambda loader: prepare_data_loader(loader, add_dist_sampler=False),
    )
    _run(loop_config, session)


def tune_loop(loop_config: dict) -> None:
    """One Ray Tune trial's loop: a single worker that reports to Tune (`tune.report`), with ``epochs`` (the
    epochs trained so far) beside the metrics as the scheduler's time attribute."""
    from ray import tune

    device = torch.device("cuda" if loop_config["train"].get("use_gpu") and torch.cuda.is_available() else "cpu")

    def report(metrics: dict, checkpoint=None) -> None:
        tune.report({**metrics, "epochs": metrics["epoch"]}, checkpoint=checkpoint)

    session = _Session(
        rank=0,
        world=1,
        device=device,
        report=report,
        checkpoint_from=tune.Checkpoint.from_directory,
        get_checkpoint=tune.get_checkpoint,
        prepare_model=lambda network: network.to(device),
        prepare_loader=lambda loader: _OnDevice(loader, device),
    )
    _run(loop_config, session)


class _OnDevice:
    """A data loader whose batches are moved to `device`."""

    def __init__(self, loader: DataLoader, device: torch.device) -> None:
        self.loader, self.device = loader, device

    def __iter__(self):
        for images, labels in self.loader:
            yield images.to(self.device), labels.to(self.device)


def _run(loop_config: dict, session: _Session) -> None:
    config = TrainConfig.from_dict(loop_config["train"])
    cell = Cell.parse(loop_config["cell"])
    rank, world, device = session.rank, session.world, session.device
    if not config.use_gpu:
        torch.set_num_threads(max(1, int(config.cpus_per_worker)))
    spec = input_spec(config.data_config())
    model_config = config.model_config()

    torch.manual_seed(config.seed)
    network = build_snasnet(cell, model_config, spec.in_channels, spec.image_size, spec.num_classes, config.neuron)
    model = session.prepare_model(network)
    optimizer = make_optimizer(config, network.parameters())
    schedule = make_schedule(config, optimizer)
    start_epoch, best = 0, {"val_acc": -1.0, "epoch": 0}
    checkpoint = session.get_checkpoint()  # the last one: after a worker failure, or a resumed run
    if checkpoint:
        with checkpoint.as_directory() as folder:
            state = read_state(folder, device)
        network.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        start_epoch, best = int(state["epoch"]), dict(state["best"])
        set_rng_states(state["rng"])

    data = config.data_config()
    train_set = load_split(data, "train", augment=config.augment)
    if config.train_images:
        train_set = Subset(train_set, training_subset(len(train_set), config.train_images))
    val_set = load_split(data, "val")
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=config.seed)
    train_loader = session.prepare_loader(DataLoader(train_set, batch_size=config.worker_batch_size(), sampler=sampler))
    val_loader = session.prepare_loader(  # each worker counts its own slice; no padding, exact counts
        DataLoader(Subset(val_set, range(rank, len(val_set), world)), batch_size=max(256, config.batch_size))
    )
    stats_images = fixed_batch(val_set, config.stats_images).to(device) if rank == 0 else None
    meta = checkpoint_meta(
        cell, model_config, spec, config.to_dict(), recipe_hash=config.recipe_hash(), neuron=config.neuron
    )

    started = time.monotonic()
    for epoch in range(start_epoch, config.epochs):
        tick = time.perf_counter()
        seed_epoch(config.seed, rank, epoch)
        sampler.set_epoch(epoch)
        model.train()
        loss_sum, correct, seen = torch.zeros((), device=device), torch.zeros((), device=device), 0
        for images, labels in train_loader:
            optimizer.zero_grad(set_to_none=True)
            outputs = model(images)
            loss = F.cross_entropy(outputs, labels)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach() * len(labels)
            correct += (outputs.detach().argmax(1) == labels).sum()
            seen += len(labels)
        schedule.step()
        _sync_buffers(network)
        val_correct, val_seen = _val_counts(network, val_loader)
        loss_total, train_correct, train_seen, val_correct, val_seen = _sum(
            [float(loss_sum), float(correct), float(seen), float(val_correct), float(val_seen)], device
        )
        metrics = {
            "epoch": epoch + 1,
            "train_loss": loss_total / max(train_seen, 1),
            "train_acc": train_correct / max(train_seen, 1),
            "val_acc": val_correct / max(val_seen, 1),
            "lr": optimizer.param_groups[0]["lr"],
        }
        if rank == 0:
            stats = spike_statistics(network, stats_images)
            layers = {
                name: strict_json.dumps(stats[name], notes=False, sort_keys=True)
                for name in ("layer_rates", "layer_neurons")
            }
            metrics.update(stats, **layers)
        metrics["epoch_seconds"] = time.perf_counter() - tick
        (elapsed,) = _sum([time.monotonic() - started], device, dist.ReduceOp.MAX if dist.is_available() else None)
        stop = config.max_minutes is not None and elapsed >= config.max_minutes * 60 and epoch + 1 < config.epochs
        metrics["stopped"] = stop
        if metrics["val_acc"] > best["val_acc"]:
            best = {"val_acc": metrics["val_acc"], "epoch": epoch + 1}
        if rank == 0:
            state = {
                "model": network.state_dict(),
                "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict(),
                "epoch": epoch + 1,
                "best": best,
                "rng": rng_states(),
            }
            with tempfile.TemporaryDirectory() as folder:
                save_checkpoint(folder, state, {**meta, "epoch": epoch + 1, "metrics": metrics})
                session.report(metrics, checkpoint=session.checkpoint_from(folder))
        else:
            session.report(metrics)
        if stop:
            break
