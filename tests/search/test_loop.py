import math

from snasray.cells import Cell
from snasray.search import SearchLoop


class Scripted:
    """Proposes a fixed sequence; records what it was told."""

    def __init__(self, cells):
        self.cells, self.i, self.told = [Cell.parse(c) for c in cells], 0, []

    def ask(self):
        cell = self.cells[self.i % len(self.cells)]
        self.i += 1
        return cell

    def tell(self, cell, result):
        self.told.append((str(cell), result["score"]))


A, A_SWAPPED, B, C = "0301 0003 0002 0000", "0031 0002 0003 0000", "0003 0000 0000 0000", "0002 0000 0000 0000"


def row(key, score):
    return {"key": key, "score": score, "cell": key}


def answer(loop, scores):
    loop.record([row(p.key, scores[p.key]) for p in loop.to_score()])
    loop.complete()


def test_repeats_and_equivalent_cells_are_scored_once_and_still_told():
    searcher = Scripted([A, A_SWAPPED, B, A, C])
    loop = SearchLoop(searcher, budget=3, round_size=3)
    proposals = loop.next_round()
    assert [p.order for p in proposals] == [0, None, 1, None, 2]
    keys = [p.key for p in loop.to_score()]
    assert len(keys) == 3 and len(set(keys)) == 3
    answer(loop, {k: i for i, k in enumerate(keys)})
    assert loop.evaluations == 3 and loop.finished
    assert [t[0] for t in searcher.told] == [A, A_SWAPPED, B, A, C]
    assert searcher.told[0][1] == searcher.told[1][1] == searcher.told[3][1]


def test_known_rows_are_answered_without_scoring():
    key_b = Cell.parse(B).canonical_key()
    loop = SearchLoop(Scripted([A, B]), budget=2, round_size=2, known={key_b: row(key_b, 7.0)})
    loop.next_round()
    assert [p.key for p in loop.to_score()] == [Cell.parse(A).canonical_key()]
    answer(loop, {Cell.parse(A).canonical_key(): 1.0})
    assert loop.best()["score"] == 7.0


def test_exhausted_searcher_stops_the_search():
    loop = SearchLoop(Scripted([B]), budget=5, round_size=2)
    loop.next_round()
    answer(loop, {Cell.parse(B).canonical_key(): 1.0})
    loop.next_round()
    assert loop.exhausted and loop.to_score() == []
    loop.complete()
    assert loop.finished and loop.evaluations == 1


def test_failed_scores_never_win():
    loop = SearchLoop(Scripted([A, B]), budget=2, round_size=2)
    loop.next_round()
    keys = [p.key for p in loop.to_score()]
    answer(loop, {keys[0]: math.nan, keys[1]: -5.0})
    assert loop.best()["key"] == keys[1]


def test_a_failed_cell_is_retried_once_per_run_up_to_the_attempt_limit():
    key_a, key_b = Cell.parse(A).canonical_key(), Cell.parse(B).canonical_key()
    failed = {"key": key_a, "score": math.nan, "cell": A, "status": "error", "attempt": 1}
    loop = SearchLoop(Scripted([A, B]), budget=2, round_size=2, known={key_a: failed})
    loop.next_round()
    assert [p.key for p in loop.to_score()] == [key_a, key_b]
    assert (loop.next_attempt(key_a), loop.next_attempt(key_b)) == (2, 1)
    again = {**failed, "attempt": 2}
    assert loop.is_new(again) and not loop.is_new(failed)
    loop.record([again, {**row(key_b, 1.0), "status": "ok", "attempt": 1}])
    assert loop.to_score() == [] and loop.round_answered()  # failed again: retried by the next run, not this one
    loop.complete()
    assert loop.evaluations == 2 and loop.finished  # the retry did not count against the budget

    spent = {**failed, "attempt": 3}
    later = SearchLoop(Scripted([A]), budget=1, round_size=1, known={key_a: spent})
    later.next_round()
    assert later.to_score() == [] and later.round_answered()
    assert (
        SearchLoop(Scripted([A]), budget=1, round_size=1, known={key_a: {**failed, "attempt": None}}).next_attempt(
            key_a
        )
        == 2
    )
