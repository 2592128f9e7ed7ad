"""Malformed space files on every command that reads one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

BAD = settings.get_profile("bad_inputs")
VALID = {
    "name": "mine",
    "description": "a valid space, before one field is spoiled",
    "nodes": 4,
    "ops": ["none", "skip", "conv3x3"],
    "edges": "forward-or-backward",
}

yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=16,
)


@st.composite
def one_field_spoiled(draw) -> str:
    data = dict(VALID)
    field = draw(st.sampled_from(["name", "nodes", "ops", "edges", "max_backward_edges", "description", "extra"]))
    bad_by_field = {
        "nodes": st.one_of(st.integers().filter(lambda n: not 3 <= n <= 6), st.floats(), st.text(max_size=5)),
        "ops": st.one_of(st.lists(st.text(max_size=6), max_size=4), st.just(["none"]), st.text(max_size=5)),
        "edges": st.text(max_size=12).filter(lambda e: e not in ("forward", "forward-or-backward")),
        "max_backward_edges": st.one_of(st.integers(max_value=-1), st.floats(), st.text(min_size=1, max_size=5)),
        "name": st.one_of(st.integers(), st.lists(st.integers(), max_size=3), st.none()),
        "description": st.one_of(st.integers(), st.lists(st.integers(), min_size=1, max_size=3)),
        "extra": yaml_values,
    }
    if draw(st.booleans()) and field != "extra" and field in data:
        del data[field]
    else:
        data[field] = draw(bad_by_field[field])
    return yaml.safe_dump(data)


def alias_bomb(levels: int, width: int, field: str) -> str:
    """The billion-laughs pattern: each level lists the previous one `width` times."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    lines.append(f"{field}: *a{levels}")
    return "\n".join(lines) + "\n"


def deep(kind: str, depth: int) -> str:
    if kind == "flow-list":
        return "[" * depth + "]" * depth
    if kind == "flow-map":
        return "{a: " * depth + "1" + "}" * depth
    return "".join(f"{' ' * i}k{i}:\n" for i in range(depth)) + " " * depth + "v\n"


def huge(size: int) -> str:
    return yaml.safe_dump({**VALID, "description": "x" * size})


bad_space_texts = st.one_of(
    yaml_values.map(yaml.safe_dump),
    one_field_spoiled(),
    st.text(max_size=200),
    st.builds(alias_bomb, st.integers(3, 9), st.integers(2, 9), st.sampled_from(["nodes", "ops", "name", "edges"])),
    st.builds(deep, st.sampled_from(["flow-list", "flow-map", "block"]), st.integers(200, 20_000)),
    st.integers(70_000, 400_000).map(huge),
)
bad_space_bytes = st.binary(min_size=1, max_size=300).filter(lambda b: not b.isascii())

COMMANDS = {
    "count": ["space", "count", "--space", "space.yaml"],
    "sample": ["space", "sample", "--space", "space.yaml", "-n", "3"],
    "show": ["space", "show", "0303 0030 2002 0200", "--space", "space.yaml"],
    "score": ["score", "--space", "space.yaml", "--cell", "0303 0030 2002 0200", "--dataset", "digits"],
    "search": ["search", "--space", "space.yaml", "--dataset", "digits", "--budget", "2", "--out", "run"],
}


def writes(name: str, content: str | bytes):
    def setup(folder: Path) -> None:
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))

    return setup


@pytest.mark.parametrize("command", sorted(COMMANDS))
@settings(BAD, max_examples=30)
@given(text=bad_space_texts)
def test_bad_space_file_is_refused(refused, command, text):
    refused(COMMANDS[command], writes("space.yaml", text))


@pytest.mark.parametrize("command", ["count", "search"])
@settings(BAD, max_examples=10)
@given(content=bad_space_bytes)
def test_binary_space_file_is_refused(refused, command, content):
    refused(COMMANDS[command], writes("space.yaml", content))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_sixteen_megabyte_space_file_is_refused(refused, command):
    refused(COMMANDS[command], writes("space.yaml", huge(16 * 2**20)))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_space_path_that_is_a_folder_is_refused(refused, command):
    refused(COMMANDS[command], lambda folder: (folder / "space.yaml").mkdir())


@pytest.mark.parametrize("ops", [["none", "none", "skip"], ["skip", "conv3x3", "skip"]])
def test_space_file_naming_an_op_twice_is_refused(refused, ops):
    refused(COMMANDS["count"], writes("space.yaml", yaml.safe_dump({**VALID, "ops": ops})))
