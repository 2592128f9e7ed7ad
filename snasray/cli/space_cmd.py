"""`snasray space count|sample|show|list`."""

from __future__ import annotations

import time

from snasray.cells import OPS, builtin_space_names, count_space, load_space, sample_cell
from snasray.cells.drawing import draw_cell
from snasray.cells.sampling import as_rng
from snasray.cli.common import cell_arg, emit_json, space_arg, user_input
from snasray.limits import MAX_SAMPLES, check_count


def register(commands) -> None:
    space = commands.add_parser("space", help="inspect search spaces and cells")
    sub = space.add_subparsers(dest="space_command", required=True, parser_class=type(space))

    p = sub.add_parser("list", help="built-in spaces")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_list)

    p = sub.add_parser("count", help="count raw, valid, distinct and canonical cells")
    p.add_argument("--space", required=True, help="built-in name or path to a .yaml file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_count)

    p = sub.add_parser("sample", help="draw cells with the paper's sampler")
    p.add_argument("--space", required=True)
    p.add_argument("-n", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_sample)

    p = sub.add_parser("show", help="draw a cell as text")
    p.add_argument("cell", help="e.g. '0303 0030 2002 0200' or a JSON 4x4 list")
    p.add_argument("--space", help="check that the cell belongs to this space, and name its ops as the space does")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_show)


def _list(args) -> int:
    spaces = [load_space(name) for name in builtin_space_names()]
    if args.json:
        emit_json([{"name": s.name, "nodes": s.nodes, "edges": s.edges, "description": s.description} for s in spaces])
    else:
        for s in spaces:
            print(f"{s.name:24} {s.nodes} nodes, {s.edges}: {s.description}")
    return 0


def _count(args) -> int:
    space = space_arg(args.space)
    start = time.perf_counter()
    counts = user_input(lambda: count_space(space))
    seconds = time.perf_counter() - start
    if args.json:
        emit_json({"space": space.name, **counts.__dict__, "seconds": round(seconds, 3)})
    else:
        print(f"space {space.name}")
        print(f"  raw matrices the sampler can draw   {counts.raw:>12,}")
        print(f"  valid after pruning                 {counts.valid:>12,}")
        print(f"  distinct after pruning              {counts.distinct:>12,}")
        print(f"  distinct canonical keys             {counts.canonical:>12,}")
        print(f"  enumerated in {seconds:.2f} s")
    return 0


def _sample(args) -> int:
    user_input(lambda: check_count("-n", args.n, 0, MAX_SAMPLES))
    rng = user_input(lambda: as_rng(args.seed))
    space = space_arg(args.space)
    cells = [user_input(lambda: sample_cell(space, rng)) for _ in range(args.n)]
    if args.json:
        emit_json([{"cell": str(c), "key": c.canonical_key()} for c in cells])
    else:
        for c in cells:
            print(c)
    return 0


def _show(args) -> int:
    space = space_arg(args.space) if args.space else None
    cell = cell_arg(args.cell, space)
    if args.json:
        emit_json(
            {
                "cell": str(cell),
                "key": cell.canonical_key(),
                "matrix": [list(r) for r in cell.matrix],
                "forward_edges": cell.forward_edges(),
                "backward_edges": cell.backward_edges(),
            }
        )
    else:
        print(draw_cell(cell, space.op_table if space else OPS))
    return 0
