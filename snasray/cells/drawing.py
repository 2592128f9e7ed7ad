"""A readable text drawing of a cell."""

from __future__ import annotations

from snasray.cells.cell import Cell, reachability
from snasray.cells.ops import OPS, Op, op_by_id


def node_label(node: int, n_nodes: int) -> str:
    if node == 0:
        return "in"
    return "out" if node == n_nodes - 1 else f"n{node}"


def draw_cell(cell: Cell, ops: tuple[Op, ...] = OPS) -> str:
    """The cell's op matrix and edges as text, op ids named by `ops` (a space's `op_table`)."""
    n = cell.n_nodes

    def name(op_id: int) -> str:
        return op_by_id(op_id, ops).name

    width = max(len(name(op_id)) for op_id in {0, *(e[2] for e in cell.edges())})
    lines = [f"cell {cell}   key {cell.canonical_key()}"]
    header = " " * 6 + " ".join(f"{node_label(j, n):>{width}}" for j in range(n))
    lines += ["op matrix (row = from, column = to; below the diagonal = backward):", header]
    for i, row in enumerate(cell.matrix):
        names = ["." if not v else name(v) for v in row]
        lines.append(f"  {node_label(i, n):>3} " + " ".join(f"{s:>{width}}" for s in names))
    forward, backward = cell.forward_edges(), cell.backward_edges()
    lines.append(f"forward edges ({len(forward)}), inside one timestep:")
    lines += [f"  {node_label(i, n):>3} --{name(op)}--> {node_label(j, n)}" for i, j, op in forward]
    lines.append(f"backward edges ({len(backward)}), node at t feeds node at t+1:")
    lines += [f"  {node_label(i, n):>3} ~~{name(op)}~~> {node_label(j, n)} (t+1)" for i, j, op in backward]
    if not reachability(cell.array()[None])[0, 0, n - 1]:
        lines.append("note: no path from the cell input to its output; the cell scores -inf")
    elif not cell.has_input_output_edge:
        lines.append("note: no direct input -> output edge, which SNASNet's spaces require")
    return "\n".join(lines)
