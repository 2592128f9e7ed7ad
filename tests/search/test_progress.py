import fcntl
import io
import os
import pickle
import pty
import re
import struct
import termios

import nbformat
from nbclient import NotebookClient

from snasray.cells import load_space
from snasray.search.loop import SearchLoop
from snasray.search.progress import SearchProgress
from snasray.search.searchers import make_searcher


def answered_loop(budget: int = 8) -> SearchLoop:
    """A loop with its first round of 4 cells answered (scores -1, -2, ...), as a store replay leaves it."""
    loop = SearchLoop(make_searcher("random", load_space("snasnet-forward"), 0), budget=budget, round_size=4)
    answer_round(loop, first_score=-1.0)
    return loop


def answer_round(loop: SearchLoop, first_score: float) -> None:
    """Answer the loop's next round with scores first_score, first_score - 1, ..."""
    proposals = loop.next_round()
    rows = [
        {"key": p.key, "score": first_score - i, "status": "ok", "cell": str(p.cell)} for i, p in enumerate(proposals)
    ]
    loop.record(rows)
    loop.complete()


def test_replayed_cells_are_shown_as_done_but_not_counted_in_the_rate():
    loop, out = answered_loop(), io.StringIO()
    progress = SearchProgress(8, every=0.0, stream=out)
    progress(loop)  # a round answered from the store, before the search begins
    assert out.getvalue() == ""
    progress.begin(loop)
    first = out.getvalue().splitlines()
    assert len(first) == 1 and first[0].startswith("search: 4/8 cells, 0.00 cells/s, best -1.000")


def test_output_that_is_no_terminal_gets_plain_lines_with_every_fact():
    loop, out = answered_loop(), io.StringIO()
    progress = SearchProgress(8, every=0.0, stream=out)
    progress.begin(loop)
    progress(loop)  # nothing new: no second line
    assert len(out.getvalue().splitlines()) == 1
    answer_round(loop, first_score=0.5)
    progress(loop)
    progress.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    best = loop.best()
    assert re.fullmatch(rf"search: 8/8 cells, \d+\.\d\d cells/s, best 0\.500 \({best['cell']}\), ETA \S+", lines[1])


def test_a_terminal_gets_a_bar_with_the_same_facts():
    loop = answered_loop()
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # rows, columns
    try:
        with os.fdopen(follower, "w", closefd=True) as terminal:
            progress = SearchProgress(8, stream=terminal)
            progress.begin(loop)
            progress.close()
            terminal.flush()
        shown = os.read(leader, 65536).decode()
    finally:
        os.close(leader)
    assert "\r" in shown and "|" in shown  # a bar drawn in place
    best = loop.best()
    assert "search: 4/8 cells" in shown and "cells/s" in shown and f"best -1.000 ({best['cell']})" in shown


def test_the_searcher_holds_a_relay_that_pickles_without_the_display():
    loop, out = answered_loop(), io.StringIO()
    progress = SearchProgress(8, every=0.0, stream=out)
    relay = progress.relay()
    progress.begin(loop)
    copy = pickle.loads(pickle.dumps(relay))
    answer_round(loop, first_score=0.5)
    copy(loop)  # in this process the token finds the display
    assert len(out.getvalue().splitlines()) == 2
    progress.close()
    relay(loop)  # closed: the relay goes quiet
    assert len(out.getvalue().splitlines()) == 2


def test_a_notebook_gets_a_widget(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from tests.search.test_progress import answered_loop\n"
            "from snasray.search.progress import SearchProgress\n"
            "loop = answered_loop()\n"
            "progress = SearchProgress(8)\n"
            "progress.begin(loop)\n"
            "progress.close()\n"
            "type(progress).__module__, progress.bar"
        )
    ]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": root}}).execute()
    outputs = nb.cells[0].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert not any(o.get("name") == "stderr" and "search:" in o.get("text", "") for o in outputs)
