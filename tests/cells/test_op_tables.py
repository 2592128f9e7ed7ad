"""A space's own op table: parsing, refusals, the spikenas-bench space, and what stays as it was."""

import pytest

from snasray.cells import OPS, Cell, builtin_space_names, count_space, load_space, parse_space
from snasray.cells.drawing import draw_cell
from snasray.cells.ops import op_table

OWN = """
name: own
nodes: 4
ops:
  none: {kind: zero}
  skip: {kind: identity}
  lo: {kind: spike_conv, kernel: 3, threshold: 0.5}
  pool: {kind: maxpool, kernel: 3}
edges: forward
"""


def test_an_own_table_gives_ids_in_listing_order():
    space = parse_space(OWN)
    assert [op.name for op in space.op_table] == ["none", "skip", "lo", "pool"]
    assert space.ops == (0, 1, 2, 3) and space.own_ops
    assert space.op_table[2].threshold == 0.5 and space.op_table[2].tau is None
    assert space.op_table[3].kind == "maxpool" and space.require_input_output_edge


@pytest.mark.parametrize(
    "change, reason",
    [
        (("kind: zero", "kind: identity"), "op 0, and only op 0, is the zero op"),
        (("kind: maxpool, kernel: 3", "kind: maxpool, kernel: 4"), "kernel must be 1, 3, 5 or 7"),
        (("threshold: 0.5", "threshold: 0"), "threshold must be a finite number > 0"),
        (("threshold: 0.5", "threshold: .nan"), "threshold must be a finite number > 0"),
        (("threshold: 0.5", "tau: 0.5"), "tau must be a finite number >= 1"),
        (("kind: identity", "kind: identity, threshold: 1.0"), "only a spike_conv has a threshold"),
        (("kind: maxpool", "kind: sumpool"), "unknown kind 'sumpool'"),
        (("kind: maxpool, kernel: 3}", "kind: maxpool, kernel: 3, colour: red}"), "unknown field 'colour'"),
        (("  skip:", "  s k i p:"), "must be 1..40 letters, digits"),
        (("  lo: {kind: spike_conv, kernel: 3, threshold: 0.5}", "  lo: conv"), "must be a mapping"),
    ],
)
def test_a_bad_own_table_is_refused_with_its_reason(change, reason):
    with pytest.raises(ValueError, match=reason):
        parse_space(OWN.replace(*change))


def test_more_than_ten_ops_is_refused():
    many = "".join(f"  c{i}: {{kind: spike_conv, kernel: 3}}\n" for i in range(10))
    with pytest.raises(ValueError, match="2..10 ops"):
        parse_space(OWN.replace("  pool: {kind: maxpool, kernel: 3}\n", many))


def test_builtin_spaces_keep_the_builtin_table():
    for name in builtin_space_names():
        space = load_space(name)
        assert (space.op_table == OPS) != (name == "spikenas-bench")
        assert space.require_input_output_edge != (name == "spikenas-bench")


def test_the_spikenas_space_counts_every_matrix_and_takes_cells_without_a_path():
    space = load_space("spikenas-bench")
    assert [op.threshold for op in space.op_table[2:]] == [0.5, 1.0, 1.5]
    counts = count_space(space)
    assert (counts.raw, counts.valid) == (15_625, 15_625)
    assert counts.canonical == 8_765
    assert space.violation(Cell.parse("0200 0000 0000 0000")) is None  # no path, still in the space
    assert "direct input -> output edge" in load_space("snasnet-forward").violation(Cell.parse("0200 0000 0000 0000"))


def test_a_drawing_names_the_spaces_own_ops():
    text = draw_cell(Cell.parse("0204 0000 0000 0000"), load_space("spikenas-bench").op_table)
    assert "conv3x3_th05" in text and "conv3x3_th15" in text and "conv1x1" not in text


def test_op_tables_survive_json_and_default_to_the_builtin_one():
    table = load_space("spikenas-bench").op_table
    from dataclasses import asdict

    assert op_table([asdict(op) for op in table]) == table
    assert op_table(()) == OPS and op_table(None) == OPS
    with pytest.raises(ValueError):
        op_table([{"name": "x"}])


@pytest.mark.parametrize(
    "change, reason",
    [
        (("  pool: {kind: maxpool, kernel: 3}", "  skip: {kind: maxpool, kernel: 3}"), "appears twice"),
        (("kernel: 3, threshold: 0.5", "kernel: 3.0"), "kernel must be 1, 3, 5 or 7, got 3.0"),
        (("threshold: 0.5", "threshold: " + "9" * 400), "threshold must be a finite number > 0"),
        (("threshold: 0.5", "threshold: 5e-1"), "YAML reads 5e-1 as text"),
        (("kind: identity", "kind: identity, kernel: 3"), "only a spike_conv or a pool has a kernel"),
        (("  skip:", "  " + "s" * 41 + ":"), "must be 1..40 letters"),
        (("kind: maxpool", "kind: [maxpool]"), "unknown kind"),
    ],
)
def test_hostile_op_definitions_are_refused_with_their_reason(change, reason):
    with pytest.raises(ValueError, match=reason):
        parse_space(OWN.replace(*change))
