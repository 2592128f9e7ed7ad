"""`snasray compact`: merge a run's score parts into one Parquet file."""

from __future__ import annotations

from snasray.cli.common import user_input


def register(commands) -> None:
    p = commands.add_parser(
        "compact",
        help="merge a run's score parts into one Parquet file (waits for no one: refused while a search or a"
        " training holds the run)",
    )
    p.add_argument("run_dir", help="the run directory of a search")
    p.set_defaults(run=_compact)


def _compact(args) -> int:
    from snasray.search.store import compact_run

    result = user_input(lambda: compact_run(args.run_dir))
    if result.generation is None:
        print(f"{args.run_dir}: nothing to merge ({result.parts} part)")
    else:
        print(f"{args.run_dir}: merged {result.parts} parts ({result.rows} rows) into {result.generation}")
    return 0
