"""Malformed cells on every command that reads one."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snasray.cells import Cell

BAD = settings.get_profile("bad_inputs")
OP_IDS = "01234"


@st.composite
def text_with_a_letter(draw) -> str:
    """Any text with an ASCII letter in it: never a cell (rows are digits, JSON op ids are integers)."""
    text = draw(st.text(max_size=40))
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from("abcxyzXeE")) + text[at:]


@st.composite
def ragged_rows(draw) -> str:
    n = draw(st.integers(2, 8))
    lengths = draw(st.lists(st.integers(1, 10), min_size=n, max_size=n).filter(lambda ls: set(ls) != {n}))
    return " ".join(draw(st.text(OP_IDS, min_size=k, max_size=k)) for k in lengths)


@st.composite
def square_rows(draw, n: st.SearchStrategy[int], digits: str = "0123456789") -> list[list[int]]:
    size = draw(n)
    return [[int(c) for c in draw(st.text(digits, min_size=size, max_size=size))] for _ in range(size)]


def with_unknown_op(matrix: list[list[int]]) -> st.SearchStrategy[list[list[int]]]:
    n = len(matrix)
    return st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(5, 9)).map(
        lambda t: [[t[2] if (i, j) == t[:2] else v for j, v in enumerate(row)] for i, row in enumerate(matrix)]
    )


def with_self_edge(matrix: list[list[int]]) -> st.SearchStrategy[list[list[int]]]:
    n = len(matrix)
    return st.tuples(st.integers(0, n - 1), st.integers(1, 4)).map(
        lambda t: [[t[1] if i == j == t[0] else v for j, v in enumerate(row)] for i, row in enumerate(matrix)]
    )


def rows_text(matrix: list[list[int]]) -> str:
    return " ".join("".join(map(str, row)) for row in matrix)


def nested(depth: int) -> str:
    return "[" * depth + "0" + "]" * depth


json_without_integers = st.recursive(
    st.none() | st.booleans() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)

small_matrix = square_rows(st.integers(2, 8), OP_IDS)
bad_cells = st.one_of(
    text_with_a_letter(),
    ragged_rows(),
    small_matrix.flatmap(with_unknown_op).map(rows_text),
    small_matrix.flatmap(with_self_edge).map(rows_text),
    small_matrix.flatmap(with_unknown_op).map(json.dumps),
    square_rows(st.integers(9, 12), "0").map(rows_text),
    st.integers(0, 1).map(lambda n: rows_text([[0] * n] * n)),
    st.integers(3, 200_000).map(nested),
    json_without_integers.map(json.dumps),
    st.integers(10_000, 300_000).map(lambda k: "0303 0030 2002 0200 " * k),
    st.integers(100_000, 2_000_000).map(lambda k: "0" * k),
    st.integers(1, 100_000).map(lambda k: "-" + "1" * k),
)

COMMANDS = {
    "show": lambda cell: ["space", "show", "--", cell],
    "show-in-space": lambda cell: ["space", "show", "--space", "snasnet-backward", "--", cell],
    "score": lambda cell: ["score", f"--cell={cell}", "--dataset", "digits"],
    "train": lambda cell: ["train", f"--cell={cell}", "--dataset", "digits", "--epochs", "1"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@settings(BAD, max_examples=40)
@given(cell=bad_cells)
def test_bad_cell_is_refused(refused, command, cell):
    refused(COMMANDS[command](cell))


@settings(BAD, max_examples=25)
@given(depth=st.integers(3, 100_000))
def test_deeply_nested_lists_give_value_error(depth):
    value: list = [0]
    for _ in range(depth):
        value = [value]
    with pytest.raises(ValueError) as info:
        Cell.parse(value)
    assert len(str(info.value)) < 300


@settings(BAD, max_examples=25)
@given(cell=bad_cells)
def test_library_parse_gives_short_value_error(cell):
    with pytest.raises(ValueError) as info:
        Cell.parse(cell)
    assert len(str(info.value)) < 300
