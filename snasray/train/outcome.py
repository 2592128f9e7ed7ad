"""What one training of one cell leaves: its epoch fields, its final row (the best checkpoint evaluated on the test
split) and the `TrainOutcome` that `train_cells` (fifo) and `train_asha` return."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from snasray import strict_json
from snasray.data import load_split
from snasray.train.checkpoint import load_network
from snasray.train.config import TrainConfig
from snasray.train.stats import evaluate_network
from snasray.train.store import append_rows, read_training

EPOCH_FIELDS = (  # what an epoch row holds beside the training's own fields
    "epoch",
    "train_loss",
    "train_acc",
    "val_acc",
    "firing_rate",
    "layer_rates",
    "synops",
    "spikes_per_image",
    "layer_neurons",
    "epoch_seconds",
)


@dataclass(frozen=True)
class TrainOutcome:
    key: str
    cell: str
    run_id: str
    recipe_hash: str
    seed: int
    epochs_done: int
    epochs: int
    best_epoch: int
    val_acc: float
    test_acc: float
    firing_rate: float
    synops: float
    params: int
    seconds: float  # all epochs of this training, across resumes
    checkpoint: str  # the best checkpoint, which gave test_acc
    folder: str  # Ray Train's run folder (or Tune's trial folder): every kept checkpoint
    rung: int | None = None  # under asha: the last rung reached, in epochs
    early_stopped: bool = False  # under asha: stopped at a rung below max epochs

    @property
    def finished(self) -> bool:
        return self.epochs_done >= self.epochs


def epoch_line(row: dict, epochs: int) -> str:
    """One epoch row as the progress line both schedulers print."""
    return (
        f"  epoch {row['epoch']:>3}/{epochs}  loss {row['train_loss']:.4f}  train {row['train_acc']:6.2%}"
        f"  val {row['val_acc']:6.2%}  firing {row['firing_rate']:.3f}  synops {row['synops']:,.0f}"
        f"  {row['epoch_seconds']:.1f} s"
    )


def record_final(
    run_dir: Path,
    fields: dict,
    config: TrainConfig,
    path: str,
    metrics: dict,
    folder: str,
    scheduler: str,
    rung: int | None = None,
    early_stopped: bool | None = None,
) -> TrainOutcome:
    """Evaluate the best checkpoint (`path`, its epoch's `metrics`) on the test split and store the final row of
    the training whose row `fields` (run_id, key, cell, seed, recipe_hash, params) are given."""
    device = "cuda" if config.use_gpu and torch.cuda.is_available() else "cpu"
    network, _meta = load_network(path, device)
    test = evaluate_network(network, load_split(config.data_config(), "test"), device)
    run_id = fields["run_id"]
    epochs = read_training(run_dir)
    epochs = epochs[(epochs["run_id"] == run_id) & (epochs["kind"] == "epoch")]
    seconds = float(epochs["epoch_seconds"].sum())
    epochs_done = int(epochs["epoch"].max()) if len(epochs) else 0
    append_rows(
        run_dir,
        [
            {
                **fields,
                "kind": "final",
                "epoch": metrics["epoch"],
                "train_loss": metrics["train_loss"],
                "train_acc": metrics["train_acc"],
                "val_acc": metrics["val_acc"],
                "test_acc": test.accuracy,
                "firing_rate": test.firing_rate,
                "layer_rates": strict_json.dumps(test.layer_rates, notes=False, sort_keys=True),
                "synops": test.synops,
                "spikes_per_image": test.spikes_per_image,
                "layer_neurons": strict_json.dumps(test.layer_neurons, notes=False, sort_keys=True),
                "epoch_seconds": seconds,
                "checkpoint": path,
                "scheduler": scheduler,
                "epochs_trained": epochs_done,
                "rung": rung,
                "early_stopped": early_stopped,
            }
        ],
    )
    return TrainOutcome(
        key=fields["key"],
        cell=fields["cell"],
        run_id=run_id,
        recipe_hash=config.recipe_hash(),
        seed=config.seed,
        epochs_done=epochs_done,
        epochs=config.epochs,
        best_epoch=int(metrics["epoch"]),
        val_acc=float(metrics["val_acc"]),
        test_acc=test.accuracy,
        firing_rate=test.firing_rate,
        synops=test.synops,
        params=fields["params"],
        seconds=seconds,
        checkpoint=path,
        folder=folder,
        rung=rung,
        early_stopped=bool(early_stopped),
    )
