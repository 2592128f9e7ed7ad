"""Bounds on what a user hands snasray: sizes, nesting, counts, seeds and numeric settings.

Every check raises ValueError (the CLI turns it into one line, exit 2) and shows the offending value
cut short (`shown`), so that a huge or deeply nested input never ends up whole in a message.
"""

from __future__ import annotations

import math
import numbers
import reprlib

MAX_SHOWN = 60  # characters of an offending value quoted in a message
MAX_CELL_CHARS = 1_000  # an 8-node cell is 71 characters as rows, a few hundred as spaced JSON
MAX_SPACE_BYTES = 64 * 1024  # a space file is a dozen lines
MAX_YAML_DEPTH = 16  # nesting of lists and mappings in a space file
MAX_SEED = 2**32 - 1  # numpy's legacy seeding and torch both take it
MAX_SAMPLES = 1_000_000  # cells one `space sample` draws
MAX_COUNT = 1_000_000_000  # budgets, epochs, images, retries: beyond it a run would never end
MAX_WORKERS = 100_000  # concurrent workers or cells per round
MAX_BATCH = 65_536  # images per batch (the score's kernel is batch x batch)
MAX_TIMESTEPS = 1_000
MAX_REPEAT = 1_000  # score batches averaged per score

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 3, 8, 8, MAX_SHOWN, MAX_SHOWN


def shown(value: object) -> str:
    """`repr(value)` cut to MAX_SHOWN characters with "..." appended; safe at any size or nesting depth."""
    text = repr(value[: MAX_SHOWN + 1]) if isinstance(value, str) else _REPR.repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


def _is_integer(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_seed(seed: object, name: str = "seed") -> int:
    """The seed as an int. Raises ValueError unless it is an integer in 0..MAX_SEED."""
    if not _is_integer(seed) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{name} must be an integer in 0..{MAX_SEED}, got {shown(seed)}")
    return int(seed)


def check_count(name: str, value: object, low: int = 1, high: int = MAX_COUNT) -> int:
    """The value as an int. Raises ValueError unless it is an integer in low..high."""
    if not _is_integer(value) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer in {low:,}..{high:,}, got {shown(value)}")
    return int(value)


def check_number(name: str, value: object, low: float = 0.0, high: float = math.inf, low_open: bool = False) -> float:
    """The value as a float. Raises ValueError unless it is a finite real number in [low, high]
    ((low, high] with `low_open`)."""
    finite = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not finite or value < low or value > high or (low_open and value == low):
        low_side = "(" if low_open else "["
        high_side = "]" if math.isfinite(high) else ")"
        raise ValueError(
            f"{name} must be a finite number in {low_side}{low:g}, {high:g}{high_side}, got {shown(value)}"
        )
    return float(value)
