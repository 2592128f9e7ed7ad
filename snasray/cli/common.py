"""Helpers shared by the CLI commands."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import TypeVar

from snasray.cells import Cell, SearchSpace, load_space
from snasray.errors import UserError
from snasray.strict_json import dumps

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


def emit_json(payload: object, reasons: Mapping[str, str | None] | None = None) -> None:
    """Print `payload` as strict JSON: a non-finite float is null with a `<key>_note` beside it, which
    carries `reasons[key]` where given (see `snasray.strict_json`). Paths and other objects print as strings."""
    sys.stdout.write(dumps(payload, reasons, indent=2, default=str) + "\n")
