"""A search's progress on the driver: evaluations, rate, best score so far, ETA.

Shown as fits where it runs: a widget in a Jupyter notebook (``tqdm.auto``, with the ``notebook`` extra's
ipywidgets; a text bar without it), a bar on a terminal (``tqdm``), and a plain line every few seconds when the
output is not a terminal (a log file, a pipe, CI). The display never leaves the driver: the Tune searcher holds a
`ProgressRelay`, which pickles to a token and finds the display in this process by it.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from dataclasses import dataclass

from snasray.search.loop import SearchLoop

_SHOWN: dict[str, SearchProgress] = {}  # token -> display, in the driver only


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (the test ``tqdm.auto`` makes)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _columns(stream, fallback: int = 100) -> int:
    """The terminal's width; a terminal that reports none (a pty without a size) gets `fallback`."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or fallback
    except (AttributeError, OSError, ValueError):
        return fallback


@dataclass(frozen=True)
class ProgressRelay:
    """What the Tune searcher holds: a token that finds the driver's display (nothing where there is none)."""

    token: str

    def __call__(self, loop: SearchLoop) -> None:
        shown = _SHOWN.get(self.token)
        if shown is not None:
            shown(loop)


class SearchProgress:
    """The progress of one search of `budget` cells. Silent until `begin`: the cells a resumed search replays from
    its store are shown as done, not counted in the rate. A plain line comes at most every `every` seconds (and
    at the end); a bar refreshes as tqdm does.

    stream: where bar and lines go; default sys.stderr, looked up on use. A notebook shows a widget instead.
    """

    def __init__(self, budget: int, every: float = 2.0, stream=None) -> None:
        self.budget, self.every, self._stream = budget, every, stream
        self.start = time.monotonic()
        self.start_evaluations: int | None = None
        self.last = 0.0
        self.bar = None
        self.shown_line = ""
        self._token: str | None = None

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stderr

    def relay(self) -> ProgressRelay:
        """A picklable handle that forwards to this display while it is open (until `close`)."""
        token = uuid.uuid4().hex
        _SHOWN[token] = self
        self._token = token
        return ProgressRelay(token)

    def begin(self, loop: SearchLoop) -> None:
        """Start counting the rate from the loop's evaluations now, and show the first state at once."""
        self.start, self.start_evaluations, self.last = time.monotonic(), loop.evaluations, 0.0
        notebook = in_notebook()
        if notebook or self.stream.isatty():
            from tqdm.auto import tqdm as auto_tqdm
            from tqdm.std import tqdm as text_tqdm

            bar = auto_tqdm if notebook else text_tqdm
            self.bar = bar(
                total=self.budget,
                initial=loop.evaluations,
                desc="search",
                postfix=f"best {self._best(loop)}",
                unit=" cells",
                file=None if notebook else self.stream,
                ncols=None if notebook else _columns(self.stream),
                bar_format="{desc}: {n_fmt}/{total_fmt} cells{postfix} |{bar}| {rate_fmt}, ETA {remaining}",
            )
        self(loop)

    def __call__(self, loop: SearchLoop) -> None:
        if self.start_evaluations is None:
            return  # the store is being replayed
        if self.bar is not None:
            self.bar.set_postfix_str(f"best {self._best(loop)}", refresh=False)
            self.bar.update(loop.evaluations - self.bar.n)
            return
        now, done = time.monotonic(), loop.evaluations
        if now - self.last < self.every and done < self.budget:
            return
        self.last = now
        rate = (done - self.start_evaluations) / max(now - self.start, 1e-9)
        eta = f"{(self.budget - done) / rate:.0f}s" if rate > 0 else "?"
        line = f"search: {done}/{self.budget} cells, {rate:.2f} cells/s, best {self._best(loop)}, ETA {eta}"
        if line == self.shown_line:  # nothing new since the last line (e.g. while the first trial starts)
            return
        self.shown_line = line
        self.stream.write(line + "\n")
        self.stream.flush()

    @staticmethod
    def _best(loop: SearchLoop) -> str:
        best = loop.best()
        return f"{best['score']:.3f} ({best['cell']})" if best else "-"

    def close(self) -> None:
        """End the display: the bar stays with its last state; the relay goes quiet."""
        _SHOWN.pop(self._token, None)
        if self.bar is not None:
            self.bar.close()
            self.bar = None
