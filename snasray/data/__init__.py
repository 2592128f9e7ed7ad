"""Data sets by name: specs for model builders, splits for training, fixed batches for scoring.

Nothing is read at import; every loader reads its files when asked for a split.
"""

from snasray.data.loading import load_split, score_batches, with_absolute_location
from snasray.data.specs import DATASET_NAMES, DataConfig, DataSpec, MissingDataError, dataset_spec

__all__ = [
    "DATASET_NAMES",
    "DataConfig",
    "DataSpec",
    "MissingDataError",
    "dataset_spec",
    "load_split",
    "score_batches",
    "with_absolute_location",
]
