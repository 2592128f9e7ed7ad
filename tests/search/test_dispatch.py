"""The dispatcher that hands the running trials the cells of each round."""

import ray

from snasray.cells import Cell, load_space
from snasray.search import SearchLoop
from snasray.search.dispatch import Dispatcher
from snasray.search.searchers import make_searcher
from snasray.search.tune_adapter import round_cells, scoring_cost

CELLS = [{"key": k} for k in "xyz"]


def test_trials_wait_for_the_round_then_drain_it(ray_local):
    dispatcher = Dispatcher.remote()
    early = dispatcher.take.remote("a", "a1")  # started before its round exists
    ready, _ = ray.wait([early], timeout=0.3)
    assert not ready
    ray.get(dispatcher.put.remote(CELLS))
    assert ray.get(early) == [CELLS[0]]
    assert ray.get(dispatcher.take.remote("b", "b1")) == [CELLS[1]]
    assert ray.get(dispatcher.more.remote("a", "a1")) == [CELLS[2]]
    assert ray.get(dispatcher.more.remote("b", "b1")) == []  # the round is drained
    waiting = dispatcher.take.remote("a", "a1")  # a reported its rows: it waits for the next round
    assert not ray.wait([waiting], timeout=0.3)[0]
    assert ray.get(dispatcher.release.remote("a")) == [CELLS[0], CELLS[2]]
    assert ray.get(dispatcher.release.remote("a")) == []
    ray.get(dispatcher.put.remote([{"key": "w"}]))
    assert ray.get(waiting) == [{"key": "w"}]


def test_a_restarted_trial_gets_back_the_cells_it_left_unanswered(ray_local):
    dispatcher = Dispatcher.remote()
    ray.get(dispatcher.put.remote(CELLS))
    assert ray.get(dispatcher.take.remote("a", "a1")) == [CELLS[0]]
    assert ray.get(dispatcher.more.remote("a", "a1")) == [CELLS[1]]
    assert ray.get(dispatcher.take.remote("a", "a2")) == CELLS[:2]  # Tune restarted trial a
    assert ray.get(dispatcher.more.remote("a", "a2")) == [CELLS[2]]
    assert ray.get(dispatcher.release.remote("a")) == CELLS


def test_closing_sends_waiting_trials_home(ray_local):
    dispatcher = Dispatcher.remote()
    spare = dispatcher.take.remote("c", "c1")
    ray.get(dispatcher.close.remote())
    assert ray.get(spare) == []
    assert ray.get(dispatcher.release.remote("c")) == []


def test_a_round_is_handed_out_costly_cells_first():
    loop = SearchLoop(make_searcher("random", load_space("snasnet-forward"), 0), budget=16, round_size=16)
    loop.next_round()
    cells = round_cells(loop)
    assert sorted(c["key"] for c in cells) == sorted(p.key for p in loop.to_score())
    costs = [scoring_cost(Cell.parse(c["cell"])) for c in cells]
    assert costs == sorted(costs, reverse=True) and len(set(costs)) > 2
    assert scoring_cost(Cell.parse("0003 0000 0000 0000")) > scoring_cost(Cell.parse("0002 0000 0000 0000")) > 0
    assert scoring_cost(Cell.parse("0001 0000 0000 0000")) == 0
