"""Evaluate a trained network from its checkpoint alone: accuracy, firing rates, synaptic operations."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from snasray.data import DataConfig, input_spec, load_split
from snasray.errors import UserError
from snasray.limits import MAX_BATCH, MAX_COUNT, check_count
from snasray.train.checkpoint import load_network
from snasray.train.stats import evaluate_network


def evaluate_checkpoint(
    path: str | Path,
    dataset: str | None = None,
    split: str = "test",
    data_dir: str | None = None,
    device: str = "cpu",
    batch_size: int = 256,
    spike_images: int = 512,
) -> dict:
    """The checkpoint's network on a split of `dataset` (default: the data set it was trained on).

    Raises UserError for a path that holds no checkpoint or other data, ValueError for a bad count."""
    check_count("batch_size", batch_size, 1, MAX_BATCH)
    check_count("spike_images", spike_images, 0, MAX_COUNT)
    network, meta = load_network(path, device)
    name = dataset or meta["dataset"]
    trained = meta.get("train_config") if isinstance(meta.get("train_config"), dict) else {}
    data_config = DataConfig(  # event frames are binned as in training, one frame per timestep of the network
        name=name,
        data_dir=data_dir,
        timesteps=int(meta["model_config"].get("timesteps", 5)),
        binning=trained.get("binning", "count"),
        downsample=trained.get("downsample", 1),
    )
    try:
        spec = input_spec(data_config)
    except ValueError as err:
        raise UserError(str(err)) from None
    shape = (spec.in_channels, spec.image_size, spec.num_classes)
    if shape != (meta["in_channels"], meta["image_size"], meta["num_classes"]):
        raise UserError(
            f"the checkpoint's network takes {meta['in_channels']} x {meta['image_size']} px images of"
            f" {meta['num_classes']} classes ({meta['dataset']}); {name} has {shape[0]} x {shape[1]} px images of"
            f" {shape[2]} classes"
        )
    try:
        data = load_split(data_config, split)
    except ValueError as err:
        raise UserError(str(err)) from None
    result = evaluate_network(network, data, device, batch_size=batch_size, spike_images=spike_images)
    return {
        "checkpoint": str(Path(path)),
        "cell": meta["cell"],
        "key": meta["key"],
        "dataset": name,
        "split": split,
        "epoch": meta.get("epoch"),
        "params": sum(p.numel() for p in network.parameters()),
        **asdict(result),
    }
