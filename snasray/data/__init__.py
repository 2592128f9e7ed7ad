"""Data sets by name: specs for model builders, splits for training, fixed batches for scoring.

Nothing is read at import; every loader reads its files when asked for a split.
"""

from snasray.data.loading import load_split, score_batches, with_absolute_location
from snasray.data.specs import (
    BINNINGS,
    DATASET_NAMES,
    EVENT_DATASETS,
    DataConfig,
    DataSpec,
    MissingDataError,
    dataset_spec,
    input_spec,
)

__all__ = [
    "BINNINGS",
    "DATASET_NAMES",
    "EVENT_DATASETS",
    "DataConfig",
    "DataSpec",
    "MissingDataError",
    "dataset_spec",
    "input_spec",
    "load_split",
    "score_batches",
    "with_absolute_location",
]
