"""Hands the running Tune trials the cells of the current round, one cell at a time.

Tune keeps at most one idle trial actor alive when no trial is pending, so a search that only
created a round's trials once the previous round was told would restart a worker (Python, torch,
the data) every round. Instead the searcher keeps one trial ready per worker: a trial waits here for
the round, then takes cells one by one until the round is drained, so fast workers take more cells
and no worker idles while another holds a queue of them. Cells stay leased to a trial id until the
driver releases them, so a trial that Tune retries after its worker died scores the same cells again.
"""

from __future__ import annotations

import asyncio

import ray


@ray.remote(num_cpus=0)
class Dispatcher:
    def __init__(self) -> None:
        self.queue: list[dict] = []
        self.leases: dict[str, list[dict]] = {}
        self.closed = False
        self.changed = asyncio.Condition()

    async def take(self, trial_id: str) -> list[dict]:
        """A trial's first cells: those it already holds (a retry) or, once the round is out, the next one.

        An empty list means the search has ended.
        """
        async with self.changed:
            await self.changed.wait_for(lambda: self.leases.get(trial_id) or self.queue or self.closed)
            if self.leases.get(trial_id):
                return list(self.leases[trial_id])
            return self._next(trial_id)

    async def more(self, trial_id: str) -> list[dict]:
        """The round's next cell for this trial, or an empty list once the round is drained."""
        return self._next(trial_id)

    def _next(self, trial_id: str) -> list[dict]:
        if not self.queue:
            return []
        cell = self.queue.pop(0)
        self.leases.setdefault(trial_id, []).append(cell)
        return [cell]

    async def put(self, cells: list[dict]) -> None:
        async with self.changed:
            self.queue.extend(cells)
            self.changed.notify_all()

    async def release(self, trial_id: str) -> list[dict]:
        """Forget a finished trial's cells and return them."""
        return self.leases.pop(trial_id, [])

    async def close(self) -> None:
        async with self.changed:
            self.closed = True
            self.changed.notify_all()
