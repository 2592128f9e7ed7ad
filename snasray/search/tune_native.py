"""Pieces for one's own `ray.tune.Tuner`: a Tune search space over a snasray space, the cell a trial's config
names, and a trainable that scores it.

A config holds one entry per node pair i < j, ``"pIJ"`` (``"p01"`` ... ``"p23"`` for 4 nodes), whose value is the
pair's state: ``"none"`` (no edge), ``"fwd:<op>"`` (a forward edge i -> j inside a timestep) or ``"bwd:<op>"`` (a
backward edge j -> i into the next timestep), ops named as in `snasray.cells.OPS`; and ``"space"``, the space's
name or YAML path. The cell is pruned (the paper's rule), checked against the space and keyed canonically, so
configs that prune to one cell share its key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from snasray.cells import Cell, SearchSpace, load_space, op_by_id
from snasray.errors import InvalidCell
from snasray.limits import shown

NONE = "none"


def _state_name(state: tuple[int, int]) -> str:
    forward, backward = state
    if forward:
        return f"fwd:{op_by_id(forward).name}"
    return f"bwd:{op_by_id(backward).name}" if backward else NONE


def pair_choices(space: SearchSpace) -> dict[str, list[str]]:
    """Each pair's parameter name and the states it can take. The input -> output pair takes only forward ops:
    every cell of a space needs that direct edge, so no trial is spent on a config that cannot be scored."""
    last = space.nodes - 1
    states = space.pair_states()
    return {f"p{i}{j}": [_state_name(s) for s in states if (i, j) != (0, last) or s[0]] for i, j in space.pairs()}


def param_space(space: str | Path) -> dict:
    """A Tune search space over a snasray space (a built-in name or a YAML path): ``tune.choice`` over each pair's
    states, and the space itself as a constant ``"space"``, so that `cell_from_config` needs only the config.
    Pass it as ``Tuner(param_space=...)``; Tune's searchers (OptunaSearch, HyperOpt, random) sample it.

    Raises ValueError for an unknown space or a bad space file."""
    from ray import tune

    loaded = load_space(space)
    return {"space": str(space), **{name: tune.choice(c) for name, c in pair_choices(loaded).items()}}


def cell_from_config(config: Mapping[str, object], space: str | Path | SearchSpace | None = None) -> Cell:
    """The cell a config of pair states names (see the module's docstring), pruned and checked against the space
    (`space`, else the config's ``"space"``). Its `Cell.canonical_key` is the key the store and the searchers use.

    Raises InvalidCell (a UserError and ValueError) stating why: a pair missing or in an unknown state, or a cell
    that prunes to one outside the space (no input -> output edge left, too many backward edges, ...)."""
    space = space if space is not None else config.get("space")
    if space is None:
        raise InvalidCell("the config names no space and none was given", config)
    loaded = space if isinstance(space, SearchSpace) else load_space(space)
    matrix = [[0] * loaded.nodes for _ in range(loaded.nodes)]
    for name in pair_choices(loaded):
        i, j = int(name[1]), int(name[2])
        if name not in config:
            raise InvalidCell(f"the config has no state for pair {name} (nodes {i} and {j})", config)
        forward, backward = _state(config[name], name, loaded, config)
        matrix[i][j], matrix[j][i] = forward, backward
    cell = Cell.from_array(matrix).prune()
    reason = loaded.violation(cell)
    if reason:
        raise InvalidCell(f"the config's cell {Cell.from_array(matrix)} prunes to {cell}: {reason}", config)
    return cell


def _state(value: object, name: str, space: SearchSpace, config: Mapping[str, object]) -> tuple[int, int]:
    states = {_state_name(s): s for s in space.pair_states()}
    if value not in states:
        allowed = ", ".join(states)
        raise InvalidCell(f"pair {name} has state {shown(value)}; states of space {space.name} are {allowed}", config)
    return states[value]


def make_score_trainable(score_config=None, seed: int = 0) -> Callable[[dict], None]:
    """A Tune function trainable that scores the config's cell (`cell_from_config`) once and reports:

    score (log|det K| of the SAHD kernel, higher is better; NaN for a singular kernel, with score_error),
    key (the canonical key), cell (pruned), firing_rate (spikes per neuron per timestep), synops (synaptic
    operations per image), params, seconds.

    score_config: a `snasray.ScoreConfig` (default: ScoreConfig(), the shipped CIFAR-10 sample, tiny preset);
    seed: the network's and the batches' seed. A config that names no valid cell fails its trial with
    InvalidCell's reason (Tune records the error; OptunaSearch tells the trial as failed). One scorer is kept
    per worker process, so a Tuner with ``reuse_actors=True`` loads the data once per worker.
    """
    from snasray.limits import check_seed
    from snasray.score import ScoreConfig

    score_config = score_config if score_config is not None else ScoreConfig()
    check_seed(seed)

    def snasray_score(config: dict) -> None:
        from ray import tune

        from snasray.search.trial import scorer_for

        cell = cell_from_config(config)
        result = scorer_for(score_config).score(cell, seed)
        tune.report(
            {
                "score": result.score,
                "score_error": result.error or "",
                "key": result.key,
                "cell": str(cell),
                "firing_rate": result.firing_rate,
                "synops": result.synops,
                "params": result.params,
                "seconds": result.seconds,
            }
        )

    return snasray_score
