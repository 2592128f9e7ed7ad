"""The cell codec: a frozen op matrix with parsing, formatting, pruning and a canonical key.

Representations of one cell:
- rows: ``"0303 0030 2002 0200"`` (row 0 first; also comma-separated), as the released code writes it;
- a JSON or Python n x n list of op ids;
- a numpy array of op ids (``Cell.array()``).

``C[i][j]`` with i < j is a forward edge i -> j inside a timestep; with i > j a backward edge
from node i at t to node j at t + 1. Node 0 is the cell input, node n - 1 its output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container
from dataclasses import dataclass
from itertools import permutations

import numpy as np

from snasray.cells.ops import MAX_OP_ID, OPS
from snasray.limits import MAX_CELL_CHARS, shown

MAX_NODES = 8


@dataclass(frozen=True)
class Cell:
    matrix: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        _validate(self.matrix)

    @classmethod
    def from_array(cls, array: np.ndarray | list) -> Cell:
        arr = np.asarray(array)
        if arr.ndim != 2:
            raise ValueError(f"a cell matrix must be 2-D, got shape {shown(arr.shape)}")
        if len(arr) > MAX_NODES:
            raise ValueError(f"a cell needs 2..{MAX_NODES} nodes, got {len(arr)}")
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise ValueError("a cell matrix must hold integer op ids")
        return cls(tuple(tuple(int(v) for v in row) for row in arr))

    @classmethod
    def parse(cls, spec: str | list | tuple | np.ndarray | Cell) -> Cell:
        """Read a cell from rows (``"0303 0030 2002 0200"``), comma rows, or a JSON n x n list.

        Raises ValueError with the reason (the offending text cut short), also for text longer than
        MAX_CELL_CHARS and for JSON nested deeper than a list of rows.
        """
        if isinstance(spec, Cell):
            return spec
        if isinstance(spec, (list, tuple, np.ndarray)):
            return cls.from_array(_checked_nested(spec))
        if not isinstance(spec, str):
            raise ValueError(f"cannot read a cell from {type(spec).__name__}")
        if len(spec) > MAX_CELL_CHARS:
            raise ValueError(f"a cell is at most {MAX_CELL_CHARS:,} characters, got {len(spec):,}: {shown(spec)}")
        text = spec.strip()
        if text.startswith("["):
            if _bracket_depth(text) > 2:
                raise ValueError(f"a JSON cell is a list of rows of op ids, nested 2 deep; got {shown(text)}")
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError as err:
                raise ValueError(f"malformed JSON cell: {err.msg}") from None
            return cls.from_array(_checked_nested(loaded))
        rows = [r for r in re.split(r"[\s,;]+", text) if r]
        if not rows:
            raise ValueError("empty cell string")
        bad = next((r for r in rows if not r.isascii() or not r.isdigit()), None)
        if bad is not None:
            raise ValueError(f"cell row {shown(bad)} must be digits (op ids), e.g. '0303 0030 2002 0200'")
        if any(len(r) != len(rows) for r in rows):
            raise ValueError(f"a cell of {len(rows)} rows needs {len(rows)} digits per row, got {shown(text)}")
        return cls.from_array([[int(c) for c in r] for r in rows])

    @property
    def n_nodes(self) -> int:
        return len(self.matrix)

    def array(self) -> np.ndarray:
        return np.array(self.matrix, dtype=np.int64).reshape(self.n_nodes, self.n_nodes)

    def __str__(self) -> str:
        return " ".join("".join(str(v) for v in row) for row in self.matrix)

    def to_json(self) -> str:
        return json.dumps([list(row) for row in self.matrix])

    def edges(self) -> list[tuple[int, int, int]]:
        """Non-zero edges as (source, target, op id), row by row."""
        n = self.n_nodes
        return [(i, j, self.matrix[i][j]) for i in range(n) for j in range(n) if self.matrix[i][j]]

    def forward_edges(self) -> list[tuple[int, int, int]]:
        return [e for e in self.edges() if e[0] < e[1]]

    def backward_edges(self) -> list[tuple[int, int, int]]:
        return [e for e in self.edges() if e[0] > e[1]]

    @property
    def has_input_output_edge(self) -> bool:
        return self.matrix[0][self.n_nodes - 1] != 0

    def prune(self) -> Cell:
        """Remove nodes that cannot reach the output or be reached from the input (the paper's rule)."""
        return Cell.from_array(prune_batch(self.array()[None])[0])

    def canonical_key(self) -> str:
        """One key for all cells that compute the same function: pruned, then intermediate
        nodes relabelled to the smallest equivalent matrix."""
        return canonical_keys(self.array()[None])[0]


def _bracket_depth(text: str) -> int:
    """The deepest nesting of [ ] in a text (brackets inside JSON strings count too: those are no cell)."""
    depth = deepest = 0
    for char in text:
        if char == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "]":
            depth -= 1
    return deepest


def _checked_nested(value: object) -> list:
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise ValueError("a JSON cell must be a list of rows")
    rows = list(value)
    if len(rows) > MAX_NODES:
        raise ValueError(f"a cell needs 2..{MAX_NODES} nodes, got {len(rows)} rows")
    for row in rows:
        if not isinstance(row, (list, tuple, np.ndarray)):
            raise ValueError("every row of a cell must be a list of op ids")
        for v in row:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"op ids must be integers, got {shown(v)}")
    lengths = {len(row) for row in rows}
    if len(lengths) > 1:
        raise ValueError("every row of a cell must have the same length")
    return rows


def _validate(matrix: tuple[tuple[int, ...], ...]) -> None:
    n = len(matrix)
    if not 2 <= n <= MAX_NODES:
        raise ValueError(f"a cell needs 2..{MAX_NODES} nodes, got {n}")
    if any(len(row) != n for row in matrix):
        raise ValueError(f"a cell matrix must be square ({n} x {n})")
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if not 0 <= v <= MAX_OP_ID:
                raise ValueError(f"op id {shown(v)} at C[{i}][{j}] is not an op id 0..{MAX_OP_ID}")
            if i == j and v:
                raise ValueError(f"diagonal entry C[{i}][{i}] must be 0 (no self edge), got {v}")
            if i < j and v and matrix[j][i]:
                raise ValueError(f"nodes {i} and {j} have edges in both directions; at most one is allowed")


def reachability(batch: np.ndarray) -> np.ndarray:
    """G = C + C^2 + ... + C^n as booleans: G[a, b] is True iff some path a -> b exists."""
    n = batch.shape[-1]
    step = (batch > 0).astype(np.int32)
    power = step.copy()
    reach = step > 0
    for _ in range(n - 1):
        power = np.minimum(power @ step, 1)
        reach |= power > 0
    return reach


def prune_batch(batch: np.ndarray) -> np.ndarray:
    """The paper's pruning on a stack of matrices (..., n, n), with G computed once."""
    out = np.array(batch, dtype=np.int64, copy=True)
    n = out.shape[-1]
    reach = reachability(out)
    for node in range(n - 1):
        dead = ~reach[:, node, n - 1]
        out[dead, node, :] = 0
        out[dead, :, node] = 0
    for node in range(1, n):
        dead = ~reach[:, 0, node]
        out[dead, node, :] = 0
        out[dead, :, node] = 0
    return out


def _encode(batch: np.ndarray) -> np.ndarray:
    """Row-major code of each matrix, in base len(OPS) or above the largest op id (the same order): smaller
    code = smaller row string."""
    n = batch.shape[-1]
    base = max(len(OPS), int(batch.max(initial=0)) + 1)
    weights = base ** np.arange(n * n - 1, -1, -1, dtype=np.int64)
    return batch.reshape(len(batch), n * n) @ weights


def canonical_batch(batch: np.ndarray) -> np.ndarray:
    """Relabel intermediate nodes to the equivalent matrix with the smallest code.

    A relabelling is an equivalence when it keeps every edge's direction (forward stays
    forward, backward stays backward), since nodes are evaluated in index order.
    """
    n = batch.shape[-1]
    best = np.array(batch, dtype=np.int64, copy=True)
    best_code = _encode(best)
    nz = batch > 0
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    for middle in permutations(range(1, n - 1)):
        perm = np.array((0, *middle, n - 1))
        if np.array_equal(perm, np.arange(n)):
            continue
        moved = batch[:, perm][:, :, perm]
        # edge (a, b) of `moved` comes from (perm[a], perm[b]); its direction must not change
        src_upper = upper[perm][:, perm]
        keeps = ~np.any(nz[:, perm][:, :, perm] & (src_upper != upper), axis=(1, 2))
        code = _encode(moved)
        better = keeps & (code < best_code)
        best[better] = moved[better]
        best_code[better] = code[better]
    return best


def canonical_forms(batch: np.ndarray) -> np.ndarray:
    """Each matrix of a stack (k, n, n) pruned and relabelled to its canonical form."""
    return canonical_batch(prune_batch(batch))


def matrix_keys(batch: np.ndarray) -> list[str]:
    """The row string of each matrix of a stack (k, n, n), as `str(Cell)` writes it."""
    k, n, _ = batch.shape
    text = np.full((k, n, n + 1), ord(" "), dtype=np.uint8)
    text[:, :, :n] = batch + ord("0")  # op ids are single digits
    rows = text.reshape(k, n * (n + 1))[:, :-1].copy()
    return rows.view(f"S{n * (n + 1) - 1}").ravel().astype(str).tolist()


def canonical_keys(batch: np.ndarray) -> list[str]:
    """`Cell.canonical_key` of each matrix of a stack (k, n, n), computed together."""
    return matrix_keys(canonical_forms(batch))


def first_of_each(keys: list[str], skip: Container[str] = ()) -> list[int]:
    """The index of each key's first occurrence, in order, leaving out the keys in `skip`."""
    first: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key not in skip:
            first.setdefault(key, index)
    return list(first.values())
