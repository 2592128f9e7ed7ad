"""The dispatcher that hands the running trials the cells of a round."""

import ray

from snasray.search.dispatch import Dispatcher

CELLS = [{"key": k} for k in "xyz"]


def test_trials_wait_for_the_round_then_drain_it(ray_local):
    dispatcher = Dispatcher.remote()
    early = dispatcher.take.remote("a")  # started before its round exists
    ready, _ = ray.wait([early], timeout=0.3)
    assert not ready
    ray.get(dispatcher.put.remote(CELLS))
    assert ray.get(early) == [CELLS[0]]
    assert ray.get(dispatcher.take.remote("b")) == [CELLS[1]]
    assert ray.get(dispatcher.more.remote("a")) == [CELLS[2]]
    assert ray.get(dispatcher.more.remote("b")) == []  # the round is drained
    assert ray.get(dispatcher.release.remote("a")) == [CELLS[0], CELLS[2]]
    assert ray.get(dispatcher.release.remote("a")) == []


def test_a_retried_trial_gets_its_cells_again(ray_local):
    dispatcher = Dispatcher.remote()
    ray.get(dispatcher.put.remote(CELLS))
    assert ray.get(dispatcher.take.remote("a")) == [CELLS[0]]
    assert ray.get(dispatcher.more.remote("a")) == [CELLS[1]]
    assert ray.get(dispatcher.take.remote("a")) == CELLS[:2]  # Tune restarted trial a


def test_closing_sends_spare_trials_home(ray_local):
    dispatcher = Dispatcher.remote()
    spare = dispatcher.take.remote("c")
    ray.get(dispatcher.close.remote())
    assert ray.get(spare) == []
    assert ray.get(dispatcher.release.remote("c")) == []
