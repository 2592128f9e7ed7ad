"""The search loop without Ray: rounds of proposals, deduplication, tells in ask order.

A round asks the searcher for `round_size` cells new to this run, then waits for all of them and
tells every answer in ask order. Nothing in a round depends on timing or on which cells were
already in the store, so a seeded search replayed from its store (a resumed run) proposes exactly
what the uninterrupted run proposed.

A cell whose stored row is an error (status "error": the scoring raised, or its worker died for good)
is scored again when a resumed run meets it, once per run and up to MAX_ATTEMPTS attempts in all; a
retry keeps the cell's evaluation index, so it does not count against the budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from snasray.cells import Cell
from snasray.search.searchers import CellSearcher, fitness

ASKS_PER_NEW_CELL = 50
MAX_ATTEMPTS = 3  # scorings of one cell whose earlier attempts failed, the first included


def attempt_of(row: dict) -> int:
    """A stored row's attempt number; rows of schema version 1 have none and were first attempts."""
    value = row.get("attempt")
    return 1 if value is None or value != value else int(value)


def needs_retry(row: dict) -> bool:
    return row.get("status") == "error" and attempt_of(row) < MAX_ATTEMPTS


@dataclass
class Proposal:
    cell: Cell  # as proposed
    key: str
    order: int | None  # evaluation index for a cell new to this run, None for a repeat
    result: dict | None = None


@dataclass
class SearchLoop:
    searcher: CellSearcher
    budget: int
    round_size: int
    known: dict[str, dict] = field(default_factory=dict)  # key -> current stored row (this config and seed)
    evaluations: int = 0
    rounds: int = 0
    exhausted: bool = False
    told: dict[str, dict] = field(default_factory=dict)  # key -> row told in this run
    current: list[Proposal] = field(default_factory=list)
    scored: set[str] = field(default_factory=set)  # keys scored by this run (never retried in the same run)

    @property
    def finished(self) -> bool:
        return not self.current and (self.evaluations >= self.budget or self.exhausted)

    def next_round(self) -> list[Proposal]:
        """Ask for the next round; returns its proposals (repeats included)."""
        if self.current:
            raise RuntimeError("the current round is not complete")
        wanted = min(self.round_size, self.budget - self.evaluations)
        proposals: list[Proposal] = []
        seen: set[str] = set()
        asks = 0
        while wanted > 0 and len(seen) < wanted:
            if asks >= ASKS_PER_NEW_CELL * wanted:
                self.exhausted = True
                break
            asks += 1
            cell = self.searcher.ask()
            key = cell.canonical_key()
            new = key not in self.told and key not in seen
            if new:
                seen.add(key)
            proposals.append(Proposal(cell, key, self.evaluations + len(seen) - 1 if new else None))
        self.rounds += 1
        self.current = proposals
        return proposals

    def to_score(self) -> list[Proposal]:
        """New proposals of the current round that the store cannot answer: unknown cells, and cells whose
        current row is an error with attempts left."""
        return [
            p
            for p in self.current
            if p.order is not None
            and p.key not in self.scored
            and (p.key not in self.known or needs_retry(self.known[p.key]))
        ]

    def next_attempt(self, key: str) -> int:
        """The attempt number that the next scoring of `key` gets."""
        return attempt_of(self.known[key]) + 1 if key in self.known else 1

    def is_new(self, row: dict) -> bool:
        """Whether a scored row is newer than what is known of its cell (a later attempt, or the first)."""
        known = self.known.get(row["key"])
        return known is None or attempt_of(row) > attempt_of(known)

    def record(self, rows: list[dict]) -> None:
        """Make each row its cell's current row (callers pass only rows for which `is_new` holds)."""
        for row in rows:
            self.known[row["key"]] = row
            self.scored.add(row["key"])

    def round_answered(self) -> bool:
        """Whether every cell of the round has its answer: told before, or a current row with no retry pending."""
        pending = {p.key for p in self.to_score()}
        return all(p.key in self.told or (p.key in self.known and p.key not in pending) for p in self.current)

    def complete(self) -> None:
        """Tell the searcher every answer of the round, in ask order."""
        for proposal in self.current:
            row = self.told.get(proposal.key) or self.known[proposal.key]
            if proposal.order is not None:
                self.told[proposal.key] = row
                self.evaluations += 1
            self.searcher.tell(proposal.cell, row)
        self.current = []

    def best(self) -> dict | None:
        rows = [r for r in self.told.values() if math.isfinite(fitness(r))]
        return max(rows, key=fitness) if rows else None
