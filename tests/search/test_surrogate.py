"""The score surrogate that screens evolution's mutants, and what screening buys on the shipped table."""

import math
import statistics

import numpy as np
from scipy.stats import spearmanr

from snasray.cells import Cell, load_space, sample_cell
from snasray.score.table import TableScorer
from snasray.search import SearchLoop
from snasray.search.searchers import make_searcher
from snasray.search.searchers.surrogate import MAX_POINTS, GaussianProcess, cell_features

FORWARD = load_space("snasnet-forward")


def test_features_describe_pairs_and_the_spiking_chain():
    # 0 -conv3x3-> 1 -conv1x1-> 2 -conv1x1-> 3, plus 0 -conv1x1-> 3 and 1 -conv3x3-> 3
    cell = Cell.parse("0302 0023 0002 0000")
    features = cell_features(cell, FORWARD)
    pairs, states = len(FORWARD.pairs()), len(FORWARD.pair_states())
    one_hot = features[: pairs * states].reshape(pairs, states)
    assert (one_hot.sum(axis=1) == 1).all()
    assert one_hot[FORWARD.pairs().index((0, 1)), FORWARD.pair_states().index((3, 0))] == 1
    spiking_edges, layers, depth_to_output, deepest, backward = features[pairs * states : pairs * states + 5]
    assert (spiking_edges, layers, depth_to_output, deepest, backward) == (5, 3, 3, 3, 0)
    assert features[pairs * states + 5 + 3] == 1  # one-hot depth 3


def test_features_count_backward_edges_and_pooling_chains():
    space = load_space("snasnet-backward")
    # 0 -avgpool-> 1 -skip-> 3, 0 -conv1x1-> 2 and 3, feedback 2 -conv3x3-> 1
    cell = Cell.parse("0422 0001 0300 0000")
    assert cell.prune() == cell and cell.backward_edges() == [(2, 1, 3)]
    features = cell_features(cell, space)
    offset = len(space.pairs()) * len(space.pair_states())
    # three spiking edges from two LIF sources (0 and 2); the feedback edge adds no depth
    assert features[offset : offset + 5].tolist() == [3, 2, 1, 1, 1]


def truth(cell):
    return sum(op == 3 for *_, op in cell.edges()) - 2.0 * sum(op == 1 for *_, op in cell.edges())


def test_expected_improvement_ranks_held_out_cells_by_the_score():
    rng = np.random.default_rng(0)
    cells = [sample_cell(FORWARD, rng) for _ in range(120)]
    surrogate = GaussianProcess()
    assert not surrogate.ready
    for cell in cells[:80]:
        surrogate.add(cell_features(cell, FORWARD), truth(cell))
    surrogate.add(cell_features(cells[0], FORWARD), -math.inf)  # a failed score ranks last, breaks nothing
    held_out = cells[80:]
    gain = surrogate.expected_improvement(np.array([cell_features(c, FORWARD) for c in held_out]))
    assert (gain >= 0).all()
    assert spearmanr(gain, [truth(c) for c in held_out]).statistic > 0.6


def test_pending_cells_lower_the_expected_improvement_near_them():
    rng = np.random.default_rng(1)
    surrogate = GaussianProcess()
    for cell in (sample_cell(FORWARD, rng) for _ in range(30)):
        surrogate.add(cell_features(cell, FORWARD), truth(cell))
    candidates = np.array([cell_features(sample_cell(FORWARD, rng), FORWARD) for _ in range(50)])
    alone = surrogate.expected_improvement(candidates)
    top = int(np.argmax(alone))
    believed = surrogate.expected_improvement(candidates, pending=candidates[top : top + 1])
    assert believed[top] < 0.5 * alone[top]
    assert np.array_equal(surrogate.expected_improvement(candidates), alone)  # pending cells are not kept


def evaluations_to_top(scorer, threshold, seed, **options):
    loop = SearchLoop(make_searcher("evolution", FORWARD, seed, **options), budget=400, round_size=2)
    while not loop.finished:
        loop.next_round()
        rows = [vars(scorer.score(p.cell, seed)) for p in loop.to_score()]
        loop.record(rows)
        loop.complete()
        scores = [row["score"] for row in loop.told.values()]
        if max(scores) >= threshold:
            return loop.evaluations
    return loop.evaluations


def test_screening_finds_the_tables_top_cells_sooner():
    scorer = TableScorer("snasnet-forward_digits_tiny")
    threshold = scorer.frame["score"].quantile(0.99)
    screened = [evaluations_to_top(scorer, threshold, s) for s in range(12)]
    plain = [evaluations_to_top(scorer, threshold, s, screen=False) for s in range(12)]
    assert statistics.median(screened) <= 0.75 * statistics.median(plain)


def test_screened_evolution_never_asks_twice_and_clears_what_it_was_told():
    scorer = TableScorer("snasnet-forward_digits_tiny")
    searcher = make_searcher("evolution", FORWARD, 3)
    loop = SearchLoop(searcher, budget=48, round_size=8)
    asked = 0
    while not loop.finished:
        proposals = loop.next_round()
        asked += len(proposals)
        if loop.rounds > 1:
            assert len(searcher.pending) == len(proposals)  # the whole round is pending until it is told
        loop.record([vars(scorer.score(p.cell, 3)) for p in loop.to_score()])
        loop.complete()
        assert not searcher.pending
    assert asked == loop.evaluations == 48  # every proposal a new cell


def test_evolution_without_immigrants_searches_the_neighbourhood():
    scorer = TableScorer("snasnet-forward_digits_tiny")
    threshold = scorer.frame["score"].quantile(0.99)
    found = [evaluations_to_top(scorer, threshold, s, immigrants=0) for s in range(4)]
    assert statistics.median(found) < 74  # random search's median on this table


def test_the_surrogate_survives_a_window_of_failures_and_remembers_the_best():
    rng = np.random.default_rng(4)
    cells = [sample_cell(FORWARD, rng) for _ in range(30)]
    rows = np.array([cell_features(c, FORWARD) for c in cells])
    surrogate = GaussianProcess()
    surrogate.add(rows[0], 10.0)
    for row in rows[1:]:
        surrogate.add(row, 1.0)
    before = surrogate.expected_improvement(rows)
    for _ in range(MAX_POINTS):
        surrogate.add(rows[1], -math.inf)
    after = surrogate.expected_improvement(rows)  # only failures in the fitted window
    assert np.isfinite(after).all() and surrogate.ready
    assert after.max() <= before.max() + 1e-9  # the best answer (10.0) still sets the bar
