"""Helpers shared by the CLI commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TypeVar

from snasray.cells import Cell, SearchSpace, load_space
from snasray.errors import UserError

T = TypeVar("T")


def user_input(action: Callable[[], T]) -> T:
    """Run a library call on user input, turning its ValueError into a UserError."""
    try:
        return action()
    except ValueError as err:
        raise UserError(str(err)) from None


def space_arg(name: str) -> SearchSpace:
    return user_input(lambda: load_space(name))


def cell_arg(text: str, space: SearchSpace | None = None) -> Cell:
    cell = user_input(lambda: Cell.parse(text))
    if space is not None:
        user_input(lambda: space.check(cell))
    return cell


def emit_json(payload: object) -> None:
    json.dump(payload, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
