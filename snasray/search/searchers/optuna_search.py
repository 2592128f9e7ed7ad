"""Optuna's TPE and NSGA-II over the space's node pairs, through ask/tell.

Each pair i < j is one categorical parameter whose choices are the pair's states: "0" (no edge),
"f<op>" (forward i -> j) or "b<op>" (backward j -> i). The input -> output pair never takes "0" or a
backward op, so every proposal keeps the direct edge that the spaces require.

Pruning removes nodes that cannot reach the output, so several parameter sets describe one scored
cell, and a searcher may propose a cell it was already told. TPE's study holds one completed trial per
distinct cell, with the pruned cell's own parameters (pruned pairs as "0"): a proposal whose parameters
differ is closed as failed and a completed trial with the pruned parameters takes its place, and a
repeat is closed as failed, so TPE credits only the pairs that the score saw, and each cell once.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import optuna

from snasray.cells import Cell, SearchSpace
from snasray.search.searchers.base import OBJECTIVES, register

MAX_REJECTED = 1000


def _state_name(state: tuple[int, int]) -> str:
    forward, backward = state
    return f"f{forward}" if forward else (f"b{backward}" if backward else "0")


class OptunaSearcher:
    def __init__(
        self,
        space: SearchSpace,
        sampler: optuna.samplers.BaseSampler,
        directions: list[str],
        one_trial_per_cell: bool = False,
    ) -> None:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space
        self.study = optuna.create_study(sampler=sampler, directions=directions)
        last = space.nodes - 1
        states = space.pair_states()
        self.choices = {
            (i, j): [_state_name(s) for s in states if (i, j) != (0, last) or s[0]] for i, j in space.pairs()
        }
        self.distributions = {
            f"p{i}{j}": optuna.distributions.CategoricalDistribution(choices)
            for (i, j), choices in self.choices.items()
        }
        self.one_trial_per_cell = one_trial_per_cell
        self.told: set[str] = set()  # canonical keys of the cells told
        self.pending: dict[str, list[optuna.trial.Trial]] = {}

    def _params(self, cell: Cell) -> dict[str, str]:
        a = cell.array()
        return {f"p{i}{j}": _state_name((int(a[i, j]), int(a[j, i]))) for i, j in self.choices}

    def _cell(self, trial: optuna.trial.Trial) -> Cell:
        matrix = np.zeros((self.space.nodes, self.space.nodes), dtype=np.int64)
        for (i, j), choices in self.choices.items():
            state = trial.suggest_categorical(f"p{i}{j}", choices)
            if state[0] == "f":
                matrix[i, j] = int(state[1:])
            elif state[0] == "b":
                matrix[j, i] = int(state[1:])
        return Cell.from_array(matrix).prune()

    def ask(self) -> Cell:
        for _ in range(MAX_REJECTED):
            trial = self.study.ask()
            cell = self._cell(trial)
            if self.space.violation(cell) is None:
                trial.set_user_attr("cell", str(cell))
                self.pending.setdefault(str(cell), []).append(trial)
                return cell
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
        raise ValueError(f"{MAX_REJECTED} proposals in a row fell outside space {self.space.name}")

    def values(self, result: Mapping[str, float]) -> list[float] | None:
        score = result.get("score")
        return [score] if score is not None and math.isfinite(score) else None

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        trials = self.pending.get(str(cell))
        if not trials:
            raise ValueError(f"cell {cell} was not asked for")
        trial = trials.pop(0)
        values = self.values(result)
        if not self.one_trial_per_cell:
            self.study.tell(trial, values, state=None if values else optuna.trial.TrialState.FAIL)
            return
        key = cell.canonical_key()
        params = self._params(cell)
        if values is not None and key not in self.told and params == trial.params:
            self.study.tell(trial, values)
        else:
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
            if values is not None and key not in self.told:
                self.study.add_trial(
                    optuna.trial.create_trial(
                        params=params, distributions=self.distributions, values=values, user_attrs={"cell": str(cell)}
                    )
                )
        self.told.add(key)


@register("tpe")
def tpe(
    space: SearchSpace,
    rng: np.random.Generator,
    seed: int = 0,
    startup: int = 5,
    prior_weight: float = 0.5,
    **_: object,
) -> OptunaSearcher:
    """TPE, multivariate (Optuna 5 takes multivariate=None as True for one objective); pending trials count as the
    worst seen (constant liar) so a round spreads out."""
    with warnings.catch_warnings():  # constant liar is experimental; prior_weight goes in Optuna 6 (pinned below)
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)
        sampler = optuna.samplers.TPESampler(
            seed=seed, n_startup_trials=startup, prior_weight=prior_weight, constant_liar=True
        )
    return OptunaSearcher(space, sampler, ["maximize"], one_trial_per_cell=True)


class ParetoSearcher(OptunaSearcher):
    """Maximise the score while minimising a cost (firing rate or synaptic operations)."""

    def __init__(self, space: SearchSpace, sampler: optuna.samplers.BaseSampler, objective: str) -> None:
        if objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {objective!r}; objectives are {', '.join(OBJECTIVES)}")
        super().__init__(space, sampler, ["maximize", "minimize"])
        self.objective = objective

    def values(self, result: Mapping[str, float]) -> list[float] | None:
        score, cost = result.get("score"), result.get(self.objective)
        if score is None or cost is None or not (math.isfinite(score) and math.isfinite(cost)):
            return None
        return [score, cost]

    def pareto_front(self) -> list[tuple[str, float, float]]:
        """(cell, score, cost) of the non-dominated cells told so far."""
        return [(t.user_attrs.get("cell", ""), *t.values) for t in self.study.best_trials]


@register("nsga2")
def nsga2(
    space: SearchSpace,
    rng: np.random.Generator,
    seed: int = 0,
    objective: str = "firing_rate",
    population: int = 20,
    **_: object,
) -> ParetoSearcher:
    sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=population)
    return ParetoSearcher(space, sampler, objective)
