"""LightSNN's pruning search (Abdennadher et al., arXiv 2503.21846, 2025): prune a supernet op by op by its SAHD score.

It proposes supernets, not cells: `supernets()` lists the supernets to score before `ask` can answer, and
`tell_supernet` takes each one's score; the search runner scores them (`snasray.search.prune.SupernetPhase`),
the contract tests answer them with a stand-in objective. Scoring never happens here.

One pruning search (a restart): the supernet holds every state of the space on every node pair
(`Mixture.full`: for a backward space both directions). A round proposes, for every pair that still holds
more than one state and for each state on it, the supernet with that state removed; once all are scored it
removes, on every such pair, the state whose removal left the highest score (ties: the first in the pair's
order; failed and non-finite scores rank last), one per pair per round. Rounds repeat until one state per
pair remains; that cell, pruned of dead nodes, is the restart's proposal. With ``rank="score+rate"`` (LightSNN's
sparse variant) a round ranks its candidates by score (highest first) and by firing rate (lowest first) and
removes, on every pair, the state of the lowest rank sum.

Options: ``restarts`` pruning searches, the first with the search's seed, the others with seeds drawn from the
rng; `ask` answers each restart's cell in turn, then repeats the last (the search then ends as exhausted).
``mode`` and ``batches`` say how supernets are scored: SNASNet's scoring by default (training mode, the fixed
batches of the seed that score every cell); LightSNN's code scores in ``mode="eval"`` and draws
``batches="fresh"`` shuffled batches for every score (here seeded by the supernet and the restart's seed).
``dead``: "keep" (its code, the default) builds every live op, also on nodes that no live op links to the
output, whose neurons then count in the score though they cannot change the output; "prune" applies the paper's
pruning rule to the supernet first, so the last round scores the networks that cells are scored as. Measured on
digits at the tiny preset (seed 0, lightsnn, "keep"): the last round's supernets scored -43.8 at best, and the
pruned cell they left, 0003 0000 0000 0000 (nodes 1 and 2 only fed back), scored -60.0 as a cell.

Where it departs from LightSNN's code, and why: in a backward space its code keeps a separate op list on each
direction of a pair, so a pair may end with edges both ways, which no cell of the codec holds; here the states
of both directions share one softmax per pair, so every result is a cell of the space. The input -> output
pair holds no ``none`` (every cell of a space has that edge). A removed state leaves the network, as the code
skips ops whose weight is near 0. Supernet sizes: 72 supernets for ``lightsnn``, 27 for
``lightsnn-forward``, 79 for ``snasnet-forward``, 229 for ``snasnet-backward`` per restart.

Spaces: those without a cap on backward edges (``max_backward_edges``), which pruning pair by pair cannot
honour; `unsupported` says why a space is refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from snasray.cells import Cell, SearchSpace
from snasray.errors import UserError
from snasray.limits import MAX_SEED, check_count
from snasray.search.prune.mixture import Mixture
from snasray.search.searchers.base import fitness, register

MODES = ("train", "eval")
BATCHES = ("fixed", "fresh")
DEAD = ("keep", "prune")
RANKS = ("score", "score+rate")


@dataclass(frozen=True)
class SupernetProposal:
    """One supernet to score: `mixture`, the restart's supernet of round `round` without `state` on pair `pair`."""

    restart: int
    seed: int  # the restart's seed: the supernet's initialisation (and its batches)
    round: int
    pair: int  # index into Mixture.pairs
    state: int  # the removed state (see `Mixture`)
    mixture: Mixture

    @property
    def key(self) -> str:
        return self.mixture.key()


def unsupported(space: SearchSpace) -> str | None:
    """Why the pruning search cannot search a space, or None."""
    if space.max_backward_edges is not None:
        return (
            f"the prune searcher cannot search space {space.name}: its cap of {space.max_backward_edges} backward"
            " edges is not a choice per node pair; use a space without max_backward_edges (e.g. lightsnn)"
        )
    return None


@register("prune")
class PruneSearcher:
    unsupported = staticmethod(unsupported)

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        seed: int = 0,
        restarts: int = 1,
        mode: str = "train",
        batches: str = "fixed",
        rank: str = "score",
        dead: str = "keep",
        **_: object,
    ) -> None:
        reason = unsupported(space)
        if reason:
            raise UserError(reason)
        check_count("prune option restarts", restarts, 1, 10_000)
        choices = (("mode", mode, MODES), ("batches", batches, BATCHES), ("rank", rank, RANKS), ("dead", dead, DEAD))
        for name, value, allowed in choices:
            if value not in allowed:
                raise ValueError(f"prune option {name} must be one of {', '.join(allowed)}, got {value!r}")
        self.space, self.mode, self.batches, self.rank, self.dead = space, mode, batches, rank, dead
        self.seeds = [int(seed)] + [int(s) for s in rng.integers(0, MAX_SEED, size=restarts - 1, endpoint=True)]
        self.cells: list[Cell] = []  # each finished restart's cell
        self.asked = 0
        self._start(0)

    def _start(self, restart: int) -> None:
        self.restart, self.round = restart, 0
        self.mixture = Mixture.full(self.space)
        self._propose()

    def _propose(self) -> None:
        m = self.mixture
        self._round = [
            SupernetProposal(self.restart, self.seeds[self.restart], self.round, p, s, m.without(p, s))
            for p in m.open_pairs()
            for s in m.states[p]
        ]
        self._answers: dict[int, Mapping] = {}
        if not self._round:
            self.cells.append(m.cell().prune())

    def supernets(self) -> list[SupernetProposal]:
        """The supernets of the current round still to score, in order (empty once `ask` can answer)."""
        return [p for index, p in enumerate(self._round) if index not in self._answers]

    def tell_supernet(self, proposal: SupernetProposal, result: Mapping[str, float]) -> None:
        """`result` holds "score" and, for ``rank="score+rate"``, "firing_rate". Raises ValueError for a
        supernet that is not pending."""
        try:
            index = self._round.index(proposal)
        except ValueError:
            raise ValueError(f"supernet {proposal.key} is not pending") from None
        self._answers[index] = result
        if len(self._answers) == len(self._round):
            for pair, state in self._decide():
                self.mixture = self.mixture.without(pair, state)
            self.round += 1
            self._propose()

    def _decide(self) -> list[tuple[int, int]]:
        """The (pair, state) to remove on every open pair of the round."""
        order = sorted(range(len(self._round)), key=lambda i: -fitness(self._answers[i]))  # stable: ties keep order
        ranks = np.empty(len(order))
        ranks[order] = np.arange(len(order))
        if self.rank == "score+rate":
            rates = [_rate(self._answers[i]) for i in range(len(self._round))]
            by_rate = sorted(range(len(rates)), key=rates.__getitem__)
            ranks[by_rate] += np.arange(len(by_rate))
        best: dict[int, int] = {}
        for index, proposal in enumerate(self._round):
            if proposal.pair not in best or ranks[index] < ranks[best[proposal.pair]]:
                best[proposal.pair] = index
        return [(self._round[i].pair, self._round[i].state) for i in best.values()]

    def ask(self) -> Cell:
        """The next restart's cell (then the next restart begins), or the last cell again once all have ended.
        Raises RuntimeError while supernets of the current restart are unscored."""
        if self.asked < len(self.cells):
            cell = self.cells[self.asked]
            self.asked += 1
            if self.asked == len(self.cells) and self.restart + 1 < len(self.seeds):
                self._start(self.restart + 1)
            return cell
        if self._round or not self.cells:
            raise RuntimeError("the prune searcher has supernets to score first (see supernets())")
        return self.cells[-1]

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        pass  # the pruning learns from supernets only


def _rate(result: Mapping[str, float]) -> float:
    rate = result.get("firing_rate", math.nan)
    return rate if rate is not None and math.isfinite(rate) else math.inf
