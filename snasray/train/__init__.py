"""Training: fine-train the chosen cells with Ray Train (or under Ray Tune's ASHA scheduler), store per-epoch
metrics, evaluate checkpoints.

Names are imported on first use, so that a Ray Train worker, which needs only `snasray.train.loop`,
does not import the search package (Ray Tune, Optuna) through this package's namespace.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "AshaConfig": "asha",
    "train_asha": "asha",
    "load_network": "checkpoint",
    "RECIPES": "config",
    "TrainConfig": "config",
    "key_slug": "config",
    "evaluate_checkpoint": "evaluate",
    "TrainOutcome": "outcome",
    "top_cells": "runner",
    "train_cell": "runner",
    "train_cells": "runner",
    "Evaluation": "stats",
    "SpikeStats": "stats",
    "evaluate_network": "stats",
    "TRAIN_SCHEMA": "store",
    "TRAIN_SCHEMA_VERSION": "store",
    "read_training": "store",
    "training_dir": "store",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)


def __dir__() -> list[str]:
    return __all__
