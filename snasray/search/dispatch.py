"""Hands the running Tune trials the cells of each round, one cell at a time.

Tune keeps at most one idle trial actor alive when no trial is pending, so a search that created a
round's trials only once the previous round was told would restart a worker (Python, torch, the
data) every round. Instead each trial runs for the whole search on one worker: it waits here for a
round, takes its cells one by one until the round is drained (fast workers take more, no worker
idles while another holds a queue), reports their rows and waits for the next round.

Cells stay leased to a trial id until the driver has their rows and releases them. A trial that
Tune restarts after its worker died comes back with a new incarnation id and is handed the cells
its previous incarnation took but whose rows never reached the driver.
"""

from __future__ import annotations

import asyncio

import ray


@ray.remote(num_cpus=0)
class Dispatcher:
    def __init__(self) -> None:
        self.queue: list[dict] = []
        self.leases: dict[str, list[dict]] = {}
        self.holders: dict[str, str] = {}  # trial id -> incarnation that holds its lease
        self.closed = False
        self.changed = asyncio.Condition()

    async def take(self, trial_id: str, incarnation: str) -> list[dict]:
        """A trial's first cells of a round, waiting for the round; an empty list once the search has ended.

        A restarted trial first gets back the cells its previous incarnation left unanswered.
        """

        def inherited() -> bool:
            return bool(self.leases.get(trial_id)) and self.holders.get(trial_id) != incarnation

        async with self.changed:
            await self.changed.wait_for(lambda: inherited() or self.queue or self.closed)
            if inherited():
                self.holders[trial_id] = incarnation
                return list(self.leases[trial_id])
            return self._next(trial_id, incarnation)

    async def more(self, trial_id: str, incarnation: str) -> list[dict]:
        """The round's next cell for this trial, or an empty list once the round is drained."""
        return self._next(trial_id, incarnation)

    def _next(self, trial_id: str, incarnation: str) -> list[dict]:
        if not self.queue:
            return []
        cell = self.queue.pop(0)
        self.leases.setdefault(trial_id, []).append(cell)
        self.holders[trial_id] = incarnation
        return [cell]

    async def put(self, cells: list[dict]) -> None:
        async with self.changed:
            self.queue.extend(cells)
            self.changed.notify_all()

    async def release(self, trial_id: str) -> list[dict]:
        """Forget the cells whose rows the driver has (or that failed for good) and return them."""
        self.holders.pop(trial_id, None)
        return self.leases.pop(trial_id, [])

    async def close(self) -> None:
        async with self.changed:
            self.closed = True
            self.changed.notify_all()
