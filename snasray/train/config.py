"""What a training run is: the recipe (the paper's by default), the network, the data and the Ray workers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace

from snasray.data import DataConfig, dataset_spec, input_spec
from snasray.limits import (
    MAX_BATCH,
    MAX_COUNT,
    MAX_TIMESTEPS,
    MAX_WORKERS,
    check_count,
    check_number,
    check_seed,
    shown,
)
from snasray.model import ModelConfig, model_preset
from snasray.train.network import NEURONS

OPTIMIZERS = ("sgd", "adam")

# SNASNET.md section 5. `short`: the paper's SGD stays at chance in a few CPU epochs, Adam lr 1e-3 learns.
RECIPES: dict[str, dict] = {
    "paper": {
        "optimizer": "sgd",
        "lr": 0.1,
        "momentum": 0.9,
        "weight_decay": 5e-4,
        "final_lr_ratio": 0.01,
        "epochs": 300,
        "batch_size": 64,
        "augment": True,
    },
    "short": {
        "optimizer": "adam",
        "lr": 1e-3,
        "momentum": 0.9,
        "weight_decay": 0.0,
        "final_lr_ratio": 0.01,
        "epochs": 10,
        "batch_size": 64,
        "augment": True,
    },
}

# settings that change where and how fast a run goes, not what it computes: outside the recipe hash
_OPERATIONAL = (
    "data_dir",
    "download",
    "seed",
    "use_gpu",
    "cpus_per_worker",
    "max_minutes",
    "max_failures",
    "keep_checkpoints",
    "stats_images",
)


_EVENT_ONLY = ("binning", "downsample")


@dataclass(frozen=True)
class TrainConfig:
    recipe: str = "paper"
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9  # SGD momentum; Adam's beta1 stays at its default
    weight_decay: float = 5e-4
    final_lr_ratio: float = 0.01  # cosine from lr down to lr * final_lr_ratio, one step per epoch
    epochs: int = 300
    batch_size: int = 64  # global: split evenly over the workers
    augment: bool = True  # random crop (pad 4) and horizontal flip, as load_split(augment=True) does
    preset: str = "tiny"
    timesteps: int | None = None  # None: the preset's (5)
    neuron: str = "lif"  # "relu": the same network as an ANN baseline (use with timesteps=1)
    dataset: str = "cifar10-sample"
    data_dir: str | None = None
    download: bool = False
    train_images: int | None = None  # train on a fixed random N of the training images (quick runs, tests)
    seed: int = 0
    num_workers: int = 1  # Ray Train data-parallel workers
    use_gpu: bool = False
    cpus_per_worker: float = 1.0
    max_minutes: float | None = None  # wall-clock budget: stop after the epoch that exceeds it
    max_failures: int = 2  # worker-group restarts from the last checkpoint
    keep_checkpoints: int = 2  # best by val accuracy; Ray keeps the latest one as well
    stats_images: int = 128  # fixed validation images that measure firing rates and synaptic operations
    binning: str = "count"  # event data sets: how recordings become frames (see DataConfig)
    downsample: int = 1  # event data sets: integer spatial downsampling of the sensor

    def __post_init__(self) -> None:
        """Raises ValueError for an unknown name, a count out of range, a negative or too large seed,
        and any NaN, infinite or out-of-range number (lr, momentum, weight decay, budgets)."""
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {shown(self.optimizer)}; choose {' or '.join(OPTIMIZERS)}")
        check_seed(self.seed)
        check_count("epochs", self.epochs, 1, MAX_COUNT)
        check_count("batch_size", self.batch_size, 1, MAX_BATCH)
        check_count("num_workers", self.num_workers, 1, MAX_WORKERS)
        check_count("keep_checkpoints", self.keep_checkpoints, 1, MAX_COUNT)
        check_count("stats_images", self.stats_images, 1, MAX_COUNT)
        check_count("max_failures", self.max_failures, 0, MAX_COUNT)
        if self.train_images is not None:
            check_count("train_images", self.train_images, 1, MAX_COUNT)
        if self.timesteps is not None:
            check_count("timesteps", self.timesteps, 1, MAX_TIMESTEPS)
        if self.batch_size < self.num_workers:
            raise ValueError(f"batch size {self.batch_size} is smaller than the {self.num_workers} workers")
        check_number("lr", self.lr, low_open=True)
        check_number("momentum", self.momentum, high=1.0)
        check_number("weight_decay", self.weight_decay)
        check_number("final_lr_ratio", self.final_lr_ratio, high=1.0)
        check_number("cpus_per_worker", self.cpus_per_worker)
        if self.max_minutes is not None:
            check_number("max_minutes", self.max_minutes)
        if self.neuron not in NEURONS:
            raise ValueError(f"unknown neuron {shown(self.neuron)}; choose {' or '.join(NEURONS)}")
        dataset_spec(self.dataset)
        input_spec(self.data_config())

    @classmethod
    def from_recipe(cls, recipe: str = "paper", **overrides) -> TrainConfig:
        """The named recipe's defaults, then `overrides` (None values are ignored)."""
        if recipe not in RECIPES:
            raise ValueError(f"unknown recipe {shown(recipe)}; recipes are {', '.join(RECIPES)}")
        given = {k: v for k, v in overrides.items() if v is not None}
        return cls(recipe=recipe, **{**RECIPES[recipe], **given})

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict:
        return asdict(self)

    def with_overrides(self, **overrides) -> TrainConfig:
        return replace(self, **overrides)

    def model_config(self) -> ModelConfig:
        return model_preset(self.preset, **({"timesteps": self.timesteps} if self.timesteps else {}))

    def data_config(self) -> DataConfig:
        return DataConfig.for_run(self)

    def worker_batch_size(self) -> int:
        return self.batch_size // self.num_workers

    def recipe_hash(self) -> str:
        """Everything that changes the trained weights besides the cell and the seed. The event-data settings
        are keyed only for event data sets, so the hashes of static-image recipes stay as they were."""
        skipped = (*_OPERATIONAL, "preset", "timesteps", *([] if dataset_spec(self.dataset).events else _EVENT_ONLY))
        keyed = {k: v for k, v in asdict(self).items() if k not in skipped}
        keyed["model"] = self.model_config().hash_fields()
        return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:16]

    def run_name(self) -> str:
        """The Ray Train run (checkpoint folder) of one cell under this recipe and seed."""
        return f"{self.recipe_hash()}-s{self.seed}"


def key_slug(key: str) -> str:
    """A folder name for a canonical key: '0303 0030 2002 0200' -> '0303-0030-2002-0200'."""
    return "-".join(key.split())
