import io

from snasray.cells import load_space
from snasray.search.loop import SearchLoop
from snasray.search.progress import ProgressLine
from snasray.search.searchers import make_searcher


class Captured(ProgressLine):
    def __init__(self, budget: int) -> None:
        super().__init__(budget, every=0.0)
        self.out = io.StringIO()

    @property
    def stream(self):
        return self.out


def test_replayed_cells_are_shown_as_done_but_not_counted_in_the_rate():
    loop = SearchLoop(make_searcher("random", load_space("snasnet-forward"), 0), budget=8, round_size=4)
    line = Captured(8)
    proposals = loop.next_round()
    loop.record([{"key": p.key, "score": -1.0, "status": "ok", "cell": str(p.cell)} for p in proposals])
    loop.complete()
    line(loop)  # a round answered from the store, before the search begins
    assert line.out.getvalue() == ""
    line.begin(loop)
    first = line.out.getvalue().splitlines()
    assert len(first) == 1 and first[0].startswith("search: 4/8 cells, 0.00 cells/s, best -1.000")
