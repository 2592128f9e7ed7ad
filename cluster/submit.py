"""Run a `snasray` command on the head node of a Ray cluster.

    ray submit --tmux ray_cluster.yaml cluster/submit.py -- search --out /mnt/shared/runs/demo ...
    ray submit --tmux ray_cluster.yaml cluster/submit.py -- train --run /mnt/shared/runs/demo --top-k 3

`ray submit` copies this one file to the head node and runs it there with python, so it imports nothing
but the installed snasray. It joins the cluster with `--address auto` unless the arguments already give
`--address`, and exits with the command's return code.
"""

from __future__ import annotations

import sys

USAGE = "usage: cluster/submit.py COMMAND [ARGS...], e.g. cluster/submit.py search --out /mnt/shared/runs/demo"


def build_argv(args: list[str]) -> list[str]:
    """The `snasray` arguments: the command, then `--address auto` unless `args` names an address, then the rest."""
    if not args or args[0].startswith("-"):
        raise SystemExit(USAGE)
    command, rest = args[0], args[1:]
    if any(arg == "--address" or arg.startswith("--address=") for arg in rest):
        return [command, *rest]
    return [command, "--address", "auto", *rest]


def main(args: list[str] | None = None) -> int:
    from snasray.cli import main as snasray_main

    return snasray_main(build_argv(sys.argv[1:] if args is None else list(args)))


if __name__ == "__main__":
    sys.exit(main())
