"""snasray: neural architecture search for spiking neural networks (SNASNet) on Ray.

The public API is `__all__`; README.md ("Python API") shows it at work. Names load on first use, so
``import snasray`` imports neither torch nor Ray: those come with the first name that needs them.

- cells and spaces: `Cell`, `SearchSpace`, `load_space`, `builtin_space_names`
- search: `run_search`, `SearchConfig`, `SearchOutcome`, `load_run`; searchers: `make_searcher`,
  `register_searcher`, `searcher_names`, `CellSearcher`
- score: `Scorer`, `ScoreConfig`, `ScoreResult`, `logdet_score`, `sahd_kernel`; proxies: `proxy_names`, `get_proxy`,
  `register_proxy` (`snasray.proxies`)
- ground truth: `run_spikenas_bench`, `read_spikenas`, `spikenas_cell`, `spikenas_id` (`snasray.bench`)
- train and evaluate: `train_cells`, `train_cell`, `top_cells`, `TrainConfig`, `TrainOutcome`, `read_training`,
  `evaluate_checkpoint`
- store: `compact_run` (merge a run's Parquet parts into one file)
- export: `export_checkpoint`, `to_nir`, `to_torch_program`, `to_spikingjelly` (the ``export`` extra)
- report: `write_report`, `Report`; the `snasray.analysis` module holds the pandas functions and figures
- your own Tune `Tuner`: `param_space`, `cell_from_config`, `make_score_trainable`
- errors (all `UserError`): `RunDirInUse`, `RunExists`, `RunNotFound`, `ResumeMismatch`, `StoreWriteFailed`,
  `InvalidCell`, `UnknownSpace`
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Cell": "snasray.cells",
    "SearchSpace": "snasray.cells",
    "builtin_space_names": "snasray.cells",
    "load_space": "snasray.cells",
    "SearchConfig": "snasray.search.runner",
    "SearchOutcome": "snasray.search.runner",
    "load_run": "snasray.search.runner",
    "run_search": "snasray.search.runner",
    "CellSearcher": "snasray.search.searchers",
    "make_searcher": "snasray.search.searchers",
    "register_searcher": "snasray.search.searchers",
    "searcher_names": "snasray.search.searchers",
    "ScoreConfig": "snasray.score",
    "ScoreResult": "snasray.score",
    "Scorer": "snasray.score",
    "logdet_score": "snasray.score",
    "sahd_kernel": "snasray.score",
    "get_proxy": "snasray.proxies",
    "proxy_names": "snasray.proxies",
    "register_proxy": "snasray.proxies",
    "read_spikenas": "snasray.bench",
    "run_spikenas_bench": "snasray.bench.run",
    "spikenas_cell": "snasray.bench",
    "spikenas_id": "snasray.bench",
    "TrainConfig": "snasray.train",
    "TrainOutcome": "snasray.train",
    "evaluate_checkpoint": "snasray.train",
    "read_training": "snasray.train",
    "top_cells": "snasray.train",
    "train_cell": "snasray.train",
    "train_cells": "snasray.train",
    "compact_run": "snasray.search.store",
    "export_checkpoint": "snasray.export",
    "to_nir": "snasray.export",
    "to_spikingjelly": "snasray.export",
    "to_torch_program": "snasray.export",
    "Report": "snasray.report",
    "write_report": "snasray.report",
    "cell_from_config": "snasray.search.tune_native",
    "make_score_trainable": "snasray.search.tune_native",
    "param_space": "snasray.search.tune_native",
    **dict.fromkeys(
        [
            "InvalidCell",
            "ResumeMismatch",
            "RunDirInUse",
            "RunExists",
            "RunNotFound",
            "StoreWriteFailed",
            "UnknownSpace",
            "UserError",
        ],
        "snasray.errors",
    ),
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'snasray' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
