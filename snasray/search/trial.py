"""The Tune trial: one per worker for the whole search (see `dispatch.py`), scoring the cells it is handed.

The worker process keeps its data and scorer warm from round to round.
"""

from __future__ import annotations

import math
import time
import uuid

import ray
import torch
from ray import tune

from snasray import strict_json
from snasray.cells import Cell
from snasray.score import ScoreConfig, Scorer, make_scorer

_SCORERS: dict[ScoreConfig, Scorer] = {}  # per worker process; Tune reuses the process across trials


def scorer_for(config: ScoreConfig) -> Scorer:
    if config not in _SCORERS:
        _SCORERS.clear()
        _SCORERS[config] = make_scorer(config)
    return _SCORERS[config]


def score_row(scorer: Scorer, cell: Cell, key: str, seed: int) -> dict:
    """Score the canonical form of a cell; a failure becomes a row with its error, not an exception."""
    start = time.perf_counter()
    canonical = Cell.parse(key)
    try:
        result = scorer.score(canonical, seed)
    except Exception as err:  # recorded in the store; the search goes on
        return {
            "key": key,
            "cell": str(cell),
            "seed": seed,
            "score": math.nan,
            "status": "error",
            "error": f"{type(err).__name__}: {err}",
            "seconds": time.perf_counter() - start,
        }
    return {
        "key": key,
        "cell": str(cell),
        "seed": seed,
        "score": result.score,
        "repeat_scores": list(result.repeat_scores),
        "firing_rate": result.firing_rate,
        "layer_rates": result.layer_rates,
        "params": result.params,
        "synops": result.synops,
        "spikes_per_image": result.spikes_per_image,
        "layer_neurons": result.layer_neurons,
        "seconds": result.seconds,
        "status": "ok",
        "error": result.error,
        "matrix": [v for row in canonical.matrix for v in row],
        "proxy": result.proxy,
        "proxies": strict_json.dumps(result.proxies, reasons=result.proxy_reasons, sort_keys=True),
    }


def score_cells(config: dict, dispatcher: ray.actor.ActorHandle) -> None:
    """Tune function trainable: score the cells the dispatcher hands out, reporting rows per round.

    config: seed, score_config, run_fields; each cell from the dispatcher: cell, key, order, round.
    The trial ends when the dispatcher has no more rounds.
    """
    trial_id, incarnation = tune.get_context().get_trial_id(), uuid.uuid4().hex
    cells = ray.get(dispatcher.take.remote(trial_id, incarnation))
    if not cells:  # the search ended before this trial got a round: Tune still wants its metric
        tune.report({"rows": [], "best_score": math.nan, "cells": 0})
    else:
        score_config = ScoreConfig(**config["score_config"])
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
        torch.set_num_threads(max(1, int(cpus)))
        scorer = scorer_for(score_config)
        node_id = ray.get_runtime_context().get_node_id()
    while cells:
        rows = []
        while cells:
            for item in cells:
                row = score_row(scorer, Cell.parse(item["cell"]), item["key"], config["seed"])
                row.update(order=item["order"], round=item["round"], node_id=node_id, **config["run_fields"])
                rows.append(row)
            cells = ray.get(dispatcher.more.remote(trial_id, incarnation))
        finite = [r["score"] for r in rows if math.isfinite(r["score"])]
        tune.report({"rows": rows, "best_score": max(finite) if finite else math.nan, "cells": len(rows)})
        cells = ray.get(dispatcher.take.remote(trial_id, incarnation))
