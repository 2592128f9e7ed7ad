"""Model presets: the paper's exact networks and scaled-down ones for CPU work."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
}


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

    def __post_init__(self) -> None:
        """Raises ValueError for a setting outside `MODEL_LIMITS` or a dropout outside [0, 1)."""
        for name, high in MODEL_LIMITS.items():
            check_count(f"model setting {name}", getattr(self, name), 1, high)
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


PRESETS: dict[str, ModelConfig] = {
    # the paper's networks (SNASNET.md section 3)
    "cifar10": ModelConfig(width=256, hidden=1024, population=10),
    "cifar100": ModelConfig(width=128, hidden=1024, population=5),
    "tinyimagenet": ModelConfig(width=128, hidden=4096, population=5, stem_stride=2),
    # scaled down for CPU search and tests
    "tiny": ModelConfig(width=8, hidden=64, population=5),
    "small": ModelConfig(width=16, hidden=256, population=10),
    "medium": ModelConfig(width=64, hidden=512, population=10),
}
PAPER_PRESETS = ("cifar10", "cifar100", "tinyimagenet")


def model_preset(name: str, **overrides) -> ModelConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; presets are {', '.join(PRESETS)}")
    return replace(PRESETS[name], **overrides) if overrides else PRESETS[name]
