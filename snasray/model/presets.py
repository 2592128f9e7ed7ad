"""Model presets: the paper's exact networks and scaled-down ones for CPU work."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from snasray.limits import MAX_TIMESTEPS, check_count

# Upper bounds of the integer settings: far above the paper's networks, low enough that a damaged checkpoint or
# config cannot ask for a network that never finishes or fills the memory.
MODEL_LIMITS = {
    "width": 4096,
    "hidden": 65_536,
    "population": 1000,
    "stem_stride": 64,
    "timesteps": MAX_TIMESTEPS,
    "second_avgpool": 64,
    "input_pool": 64,
}
POOLS = ("avg", "max")


@dataclass(frozen=True)
class ModelConfig:
    width: int  # C1: channels of the first cell; the second has 2 * C1
    hidden: int  # H: hidden units of the classifier
    population: int  # K: output neurons per class
    stem_stride: int = 1
    timesteps: int = 5
    second_avgpool: int = 2  # p
    dropout: float = 0.5
    tau: float = 4 / 3
    threshold: float = 1.0
    surrogate_alpha: float = 2.0
    pool: str = "avg"  # the two pools after the down-convolution and cell 2: "avg" (SNASNet) or "max" (LightSNN)
    input_pool: int = 1  # a max pool of this size after the stem (LightSNN's event-data network: 2)

    def __post_init__(self) -> None:
        """Raises ValueError for a setting outside `MODEL_LIMITS`, a dropout outside [0, 1) or an unknown pool."""
        for name, high in MODEL_LIMITS.items():
            check_count(f"model setting {name}", getattr(self, name), 1, high)
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.pool not in POOLS:
            raise ValueError(f"unknown pool {self.pool!r}; choose {' or '.join(POOLS)}")

    def hash_fields(self) -> dict:
        """The settings as hashed by score and recipe keys: the fields added after the first stored runs
        (`pool`, `input_pool`) appear only when they differ from their default, so that the keys of
        earlier networks do not move."""
        later = {f.name: f.default for f in fields(self) if f.name in _LATER_FIELDS}
        return {k: v for k, v in asdict(self).items() if not (k in later and v == later[k])}


_LATER_FIELDS = ("pool", "input_pool")


PRESETS: dict[str, ModelConfig] = {
    # the paper's networks (SNASNET.md section 3)
    "cifar10": ModelConfig(width=256, hidden=1024, population=10),
    "cifar100": ModelConfig(width=128, hidden=1024, population=5),
    "tinyimagenet": ModelConfig(width=128, hidden=4096, population=5, stem_stride=2),
    # scaled down for CPU search and tests
    "tiny": ModelConfig(width=8, hidden=64, population=5),
    "small": ModelConfig(width=16, hidden=256, population=10),
    "medium": ModelConfig(width=64, hidden=512, population=10),
    # event data (frames B x T x 2 x H x W): LightSNN's DVS128 Gesture network (LIGHTSNN.md), 16 frames, max
    # pooling after the stem, the down-convolution and cell 2; its CIFAR10-DVS and N-MNIST counterparts
    "dvs-gesture": ModelConfig(width=128, hidden=1024, population=10, timesteps=16, pool="max", input_pool=2),
    "cifar10-dvs": ModelConfig(width=128, hidden=1024, population=10, timesteps=16, pool="max", input_pool=2),
    "nmnist": ModelConfig(width=128, hidden=1024, population=10, timesteps=16, pool="max"),
    # SpikeNAS-Bench's training network (its Train_all_networks/model_snn.py: 128 -> 256 channels, hidden 1024,
    # 10 output neurons per class, T = 5), and the same network scaled down for CPU scoring
    "spikenas-bench": ModelConfig(width=128, hidden=1024, population=10),
    "spikenas-small": ModelConfig(width=16, hidden=128, population=10),
    "spikenas-tiny": ModelConfig(width=8, hidden=64, population=10),
    # scaled down for CPU search and tests on event frames (e.g. 2 x 32 x 32, T = 5)
    "events-tiny": ModelConfig(width=8, hidden=64, population=5, pool="max"),
    "events-small": ModelConfig(width=16, hidden=256, population=10, pool="max"),
}
PAPER_PRESETS = ("cifar10", "cifar100", "tinyimagenet")
EVENT_PRESETS = ("dvs-gesture", "cifar10-dvs", "nmnist")  # the full-size event-data networks, for GPUs


def model_preset(name: str, **overrides) -> ModelConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; presets are {', '.join(PRESETS)}")
    return replace(PRESETS[name], **overrides) if overrides else PRESETS[name]
