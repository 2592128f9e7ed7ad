"""The contract every registered searcher meets."""

import math
import random

import numpy as np
import optuna
import pytest

from snasray.cells import Cell, load_space
from snasray.search.searchers import SEARCHERS, make_searcher, proposes_supernets, space_refusal

CONTRACT_SPACES = ["snasnet-forward", "snasnet-backward-2", "lightsnn"]


def searchers_and_spaces(spaces):
    """(searcher, space) for every registered searcher and each of `spaces` it declares it can search."""
    return [(n, s) for n in sorted(SEARCHERS) for s in spaces if space_refusal(n, load_space(s)) is None]


def toy_result(cell):
    """A deterministic stand-in objective: reward conv3x3 edges, penalise backward ones."""
    conv3 = sum(1 for *_, op in cell.edges() if op == 3)
    return {"score": conv3 - 0.5 * len(cell.backward_edges()), "firing_rate": 0.1 * conv3, "synops": float(conv3)}


def toy_supernet_result(proposal):
    """The stand-in objective on a supernet's weighted edges, plus a jitter that depends on the supernet and on
    its initialisation seed, as a real score does."""
    edges = proposal.mixture.weighted_edges()
    conv3 = sum(w for _, _, op, w in edges if op == 3)
    back = sum(w for i, j, _, w in edges if i > j)
    jitter = random.Random(f"{proposal.seed} {proposal.key}").random()
    return {"score": conv3 - 0.5 * back + jitter, "firing_rate": 0.1 * conv3, "synops": conv3}


def answer_supernets(searcher, fail_every=0):
    """Score what a supernet-proposing searcher asks for before its next cell, with the stand-in objective."""
    told = 0
    while proposes_supernets(searcher) and (pending := searcher.supernets()):
        for proposal in pending:
            result = toy_supernet_result(proposal)
            if fail_every and told % fail_every == 0:
                result = {"score": math.nan, "firing_rate": math.nan, "synops": math.nan}
            searcher.tell_supernet(proposal, result)
            told += 1


def drive(name, space_name, seed, steps=40, fail_every=0):
    space = load_space(space_name)
    searcher = make_searcher(name, space, seed)
    proposals = []
    for i in range(steps):
        answer_supernets(searcher, fail_every)
        cell = searcher.ask()
        proposals.append(str(cell))
        result = toy_result(cell)
        if fail_every and i % fail_every == 0:
            result = {"score": math.nan, "firing_rate": math.nan, "synops": math.nan}
        searcher.tell(cell, result)
    return space, proposals


@pytest.mark.parametrize(("name", "space_name"), searchers_and_spaces(CONTRACT_SPACES))
def test_proposals_are_valid_cells_of_the_space(name, space_name):
    space, proposals = drive(name, space_name, seed=1)
    for text in proposals:
        cell = Cell.parse(text)
        assert space.violation(cell) is None
        assert cell.prune() == cell


def test_every_searcher_searches_some_contract_space():
    assert {name for name, _ in searchers_and_spaces(CONTRACT_SPACES)} == set(SEARCHERS)


@pytest.mark.parametrize(("name", "space_name"), searchers_and_spaces(["snasnet-backward"]))
def test_same_seed_same_proposals(name, space_name):
    _, first = drive(name, space_name, seed=5)
    _, again = drive(name, space_name, seed=5)
    _, other = drive(name, space_name, seed=6)
    assert first == again
    assert first != other


@pytest.mark.parametrize(("name", "space_name"), searchers_and_spaces(["snasnet-backward"]))
def test_failed_scores_are_accepted(name, space_name):
    _, proposals = drive(name, space_name, seed=2, steps=30, fail_every=3)
    assert len(proposals) == 30


@pytest.mark.parametrize("name", ["evolution", "tpe"])
def test_learning_searchers_beat_random_on_a_toy_objective(name):
    def best_after(searcher_name, seed):
        space = load_space("snasnet-forward")
        searcher = make_searcher(searcher_name, space, seed)
        best = -math.inf
        for _ in range(80):
            cell = searcher.ask()
            result = toy_result(cell)
            best = max(best, result["score"])
            searcher.tell(cell, result)
        return best

    learned = np.mean([best_after(name, s) for s in range(4)])
    random = np.mean([best_after("random", s) for s in range(4)])
    assert learned > random


def test_unknown_searcher_and_bad_options():
    space = load_space("snasnet-forward")
    with pytest.raises(ValueError, match="unknown searcher 'grid'"):
        make_searcher("grid", space, 0)
    with pytest.raises(ValueError, match="population"):
        make_searcher("evolution", space, 0, population=1)
    with pytest.raises(ValueError, match="unknown objective"):
        make_searcher("nsga2", space, 0, objective="latency")
    with pytest.raises(ValueError, match="searcher evolution has no option 'popsize'; its options are population"):
        make_searcher("evolution", space, 0, popsize=3)
    with pytest.raises(ValueError, match="searcher random has no option 'startup'; its options are none"):
        make_searcher("random", space, 0, startup=3)


def test_nsga2_returns_a_pareto_front():
    space = load_space("snasnet-forward")
    searcher = make_searcher("nsga2", space, 0, objective="synops")
    for _ in range(30):
        cell = searcher.ask()
        searcher.tell(cell, toy_result(cell))
    front = searcher.pareto_front()
    assert front
    for _, score, cost in front:
        assert not any(s > score and c < cost for _, s, c in front)


def test_tpe_keeps_one_trial_per_cell_with_the_pruned_cells_parameters():
    searcher = make_searcher("tpe", load_space("snasnet-forward"), 0)
    told = []
    for _ in range(40):
        cell = searcher.ask()
        searcher.tell(cell, toy_result(cell))
        told.append(cell.canonical_key())
    trials = searcher.study.trials
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == len(set(told)) < len(told)  # repeats are not counted twice
    assert sorted(Cell.parse(t.user_attrs["cell"]).canonical_key() for t in complete) == sorted(set(told))
    failed = [t for t in trials if t.state == optuna.trial.TrialState.FAIL]
    assert any(searcher._params(Cell.parse(t.user_attrs["cell"])) != t.params for t in failed)  # pruned proposals
    for trial in complete:
        assert searcher._params(Cell.parse(trial.user_attrs["cell"])) == trial.params
