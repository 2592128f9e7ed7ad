"""A supernet's architecture as data: the op states still alive on every node pair. Pure Python.

A state of the pair i < j is a signed op id: ``+op`` the forward edge i -> j with that op, ``-op`` the
backward edge j -> i (node j at t feeds node i at t + 1), ``0`` none. The states of a pair are mixed by a
softmax over architecture weights that are all equal at the start; removing a state sets its weight to
-inf, so each state still alive weighs 1 / (states alive on the pair), none included (its output is 0).
A state whose weight is 0 leaves the network: its modules are not built, its neurons not scored.

Representations: `Mixture.states` (per pair, in `SearchSpace.pairs` order), `Mixture.key` (text, e.g.
``"01:0,1,3 02:0,3 03:1 12:0 13:3 23:0,-1"``), `Mixture.weighted_edges` (what the network builds) and,
once one state per pair remains, `Mixture.cell`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snasray.cells import Cell, SearchSpace
from snasray.cells.cell import prune_batch


@dataclass(frozen=True)
class Mixture:
    nodes: int
    states: tuple[tuple[int, ...], ...]  # the states alive on each pair i < j, row by row

    @classmethod
    def full(cls, space: SearchSpace) -> Mixture:
        """Every state of the space on every pair (both directions in a backward space). The input -> output
        pair holds only its forward ops: every cell of a space has that edge."""
        states = tuple(fwd or -bwd for fwd, bwd in space.pair_states())
        last = space.nodes - 1
        return cls(
            space.nodes,
            tuple(tuple(s for s in states if s > 0) if p == (0, last) else states for p in _pairs(space.nodes)),
        )

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return _pairs(self.nodes)

    @property
    def settled(self) -> bool:
        """Whether every pair holds one state: the mixture is a cell."""
        return all(len(s) == 1 for s in self.states)

    def open_pairs(self) -> list[int]:
        """Indices of the pairs that still hold more than one state."""
        return [index for index, states in enumerate(self.states) if len(states) > 1]

    def without(self, pair: int, state: int) -> Mixture:
        """The mixture with one state of one pair removed. Raises ValueError if the state is not alive or is the
        pair's last."""
        alive = self.states[pair]
        if state not in alive or len(alive) == 1:
            raise ValueError(f"state {state} cannot be removed from pair {self.pairs[pair]} holding {alive}")
        states = list(self.states)
        states[pair] = tuple(s for s in alive if s != state)
        return Mixture(self.nodes, tuple(states))

    def weighted_edges(self, prune_dead: bool = False) -> list[tuple[int, int, int, float]]:
        """(source, target, op id, weight) of every live op, row by row as `Cell.edges` lists a cell's edges.

        prune_dead: leave out the edges of nodes that no live op links to the output or from the input (the
        paper's pruning rule on the union of live ops), so that a settled mixture builds its pruned cell."""
        edges = []
        for (i, j), alive in zip(self.pairs, self.states, strict=True):
            weight = 1.0 / len(alive)
            edges += [(i, j, s, weight) if s > 0 else (j, i, -s, weight) for s in alive if s]
        if prune_dead:
            linked = np.zeros((1, self.nodes, self.nodes), dtype=np.int64)
            for i, j, _, _ in edges:
                linked[0, i, j] = 1
            kept = prune_batch(linked)[0]
            edges = [e for e in edges if kept[e[0], e[1]]]
        return sorted(edges)

    def cell(self) -> Cell:
        """The cell of a settled mixture (not pruned). Raises ValueError while a pair holds several states."""
        if not self.settled:
            raise ValueError(f"the supernet {self.key()} still holds several ops on a pair")
        matrix = [[0] * self.nodes for _ in range(self.nodes)]
        for i, j, op, _ in self.weighted_edges():
            matrix[i][j] = op
        return Cell.from_array(matrix)

    def key(self) -> str:
        return " ".join(f"{i}{j}:" + ",".join(map(str, s)) for (i, j), s in zip(self.pairs, self.states, strict=True))


def _pairs(nodes: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(nodes) for j in range(i + 1, nodes)]
