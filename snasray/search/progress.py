"""A live progress line for a search: evaluations, rate, best score so far, ETA."""

from __future__ import annotations

import sys
import time

from snasray.search.loop import SearchLoop


class ProgressLine:
    """At most one line every `every` seconds on stderr (rewritten in place on a terminal). Silent until `begin`:
    the cells a resumed search replays from its store are shown as done, not counted in the rate."""

    def __init__(self, budget: int, every: float = 2.0) -> None:
        self.budget, self.every = budget, every
        self.start = time.monotonic()
        self.start_evaluations: int | None = None
        self.last = 0.0

    @property
    def stream(self):
        return sys.stderr  # looked up on use, so that Tune can pickle the searcher that holds this line

    @property
    def tty(self) -> bool:
        return self.stream.isatty()

    def begin(self, loop: SearchLoop) -> None:
        """Start counting the rate from the loop's evaluations now, and show the first line at once."""
        self.start, self.start_evaluations, self.last = time.monotonic(), loop.evaluations, 0.0
        self(loop)

    def __call__(self, loop: SearchLoop) -> None:
        now = time.monotonic()
        if self.start_evaluations is None:
            return  # the store is being replayed
        done = loop.evaluations
        if now - self.last < self.every and done < self.budget:
            return
        self.last = now
        rate = (done - self.start_evaluations) / max(now - self.start, 1e-9)
        eta = (self.budget - done) / rate if rate > 0 else float("inf")
        best = loop.best()
        best_text = f"{best['score']:.3f} ({best['cell']})" if best else "-"
        eta_text = f"{eta:.0f}s" if eta != float("inf") else "?"
        line = f"search: {done}/{self.budget} cells, {rate:.2f} cells/s, best {best_text}, ETA {eta_text}"
        self.stream.write(("\r" + line.ljust(100)) if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
