"""`snasray report`: figures and a one-page Markdown summary of a run directory."""

from __future__ import annotations

from snasray.cli.common import user_input
from snasray.devices import check_local_out
from snasray.limits import MAX_COUNT, check_count


def register(commands) -> None:
    p = commands.add_parser("report", help="write figures and a one-page Markdown summary of a run")
    p.add_argument("run_dir", help="the run directory of a search (its Parquet store)")
    p.add_argument("--out", help="folder for report.md and the PNG figures (default RUN_DIR/_report)")
    p.add_argument("--top-k", type=int, default=3, help="best cells drawn in the report")
    p.set_defaults(run=_report)


def _report(args) -> int:
    from snasray.report import write_report

    check_local_out(args.out)
    user_input(lambda: check_count("--top-k", args.top_k, 1, MAX_COUNT))
    report = user_input(lambda: write_report(args.run_dir, args.out, args.top_k))
    print(f"report on {report.cells} cells; best cell {report.best_key}")
    for path in report.figures:
        print(f"figure: {path}")
    print(f"report: {report.markdown}")
    return 0
