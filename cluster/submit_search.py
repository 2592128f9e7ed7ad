"""Run `snasray search` on the head node of a Ray cluster.

    ray submit --tmux ray_cluster.yaml cluster/submit_search.py -- --out /mnt/shared/runs/demo ...

`ray submit` copies this one file to the head node and runs it there with python, so it imports nothing
but the installed snasray (and stays a copy of submit_train.py). It joins the cluster with `--address auto`
unless the arguments already give `--address`, and exits with the command's return code.
"""

from __future__ import annotations

import sys

COMMAND = "search"


def build_argv(args: list[str]) -> list[str]:
    """The `snasray` arguments: COMMAND, then `--address auto` unless `args` names an address, then `args`."""
    if any(arg == "--address" or arg.startswith("--address=") for arg in args):
        return [COMMAND, *args]
    return [COMMAND, "--address", "auto", *args]


def main(args: list[str] | None = None) -> int:
    from snasray.cli import main as snasray_main

    return snasray_main(build_argv(sys.argv[1:] if args is None else list(args)))


if __name__ == "__main__":
    sys.exit(main())
