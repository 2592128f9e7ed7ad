"""The `snasray` command: a thin layer over the library."""

from __future__ import annotations

import argparse
import os
import sys

from snasray.errors import UserError

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        command = self.prog.removeprefix("snasray").strip()  # "snasray export" -> "export"
        raise UserError(f"{command}: {message}" if command else message)


def build_parser() -> argparse.ArgumentParser:
    from snasray.cli import (
        bench_cmd,
        compact_cmd,
        export_cmd,
        report_cmd,
        score_cmd,
        search_cmd,
        space_cmd,
        train_cmd,
    )

    parser = _Parser(prog="snasray", description="Neural architecture search for spiking networks on Ray.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in (space_cmd, score_cmd, search_cmd, train_cmd, report_cmd, compact_cmd, export_cmd, bench_cmd):
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)  # which options were written: see search --resume
        return int(args.run(args) or 0)
    except UserError as err:
        print(f"snasray: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("snasray: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout left (`snasray space show ... | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
