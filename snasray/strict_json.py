"""Strict JSON: what snasray writes as JSON parses in every JSON parser (no NaN or Infinity literals).

A non-finite float becomes null. In a mapping, a key whose value held one gets a sibling
``<key>_note`` that says what the null stands for (``"-inf"``, ``"nan"``), with the reason where
one is known: ``{"score": null, "score_note": "-inf: kernel is singular"}``. A list that held
non-finite floats gets the note of its key: ``"repeat_scores_note": "null stands for -inf"``.
The Parquet stores keep -inf and NaN as they are; only their JSON strings (layer_rates) follow this rule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

NOTE_SUFFIX = "_note"


def _text(value: float) -> str:
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def _non_finite(value: object) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def strict(value: Any, reasons: Mapping[str, str | None] | None = None, notes: bool = True) -> Any:
    """A copy of `value` with every non-finite float replaced by None and its note added (see the module).

    `reasons` maps a key to why its value is not finite (e.g. {"score": "kernel is singular"}).
    With notes=False no note is added (for mappings whose keys are names, such as layer_rates).
    Numpy scalars become Python numbers; other values are returned as they are.
    """
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # a numpy or torch scalar
        value = value.item()
    if _non_finite(value):
        return None
    if isinstance(value, Mapping):
        out: dict = {}
        for key, item in value.items():
            out[key] = strict(item, None, notes)
            note = _note(item, (reasons or {}).get(key)) if notes else None
            if note and f"{key}{NOTE_SUFFIX}" not in value:
                out[f"{key}{NOTE_SUFFIX}"] = note
        return out
    if isinstance(value, (list, tuple)):
        return [strict(item, None, notes) for item in value]
    return value


def _note(value: object, reason: str | None) -> str | None:
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        value = value.item()
    if _non_finite(value):
        return f"{_text(value)}: {reason}" if reason else _text(value)
    if isinstance(value, (list, tuple)):
        found = sorted({_text(v) for v in value if _non_finite(v)})
        if found:
            return f"null stands for {', '.join(found)}" + (f": {reason}" if reason else "")
    return None


def dumps(value: Any, reasons: Mapping[str, str | None] | None = None, notes: bool = True, **options) -> str:
    """`json.dumps` of `strict(value, reasons, notes)` with allow_nan=False; `options` go to json.dumps."""
    return json.dumps(strict(value, reasons, notes), allow_nan=False, **options)


def floats(text: str) -> dict[str, float]:
    """The inverse of `dumps` for a mapping of floats: each null becomes the -inf, inf or NaN its note names (NaN
    without a note), and the notes are dropped. Raises ValueError for text that is not a JSON object."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    out = {}
    for key, value in data.items():
        if key.endswith(NOTE_SUFFIX):
            continue
        note = str(data.get(f"{key}{NOTE_SUFFIX}", "nan")).split(":")[0]
        out[key] = float(value) if value is not None else {"-inf": -math.inf, "inf": math.inf}.get(note, math.nan)
    return out
