import pytest

from snasray.cells import Cell, builtin_space_names, load_space, parse_space

GOOD = """
name: mine
nodes: 4
ops: [none, skip, conv3x3]
edges: forward
"""


def test_builtin_spaces_load_by_name():
    names = builtin_space_names()
    assert {"snasnet-forward", "snasnet-backward", "snasnet-backward-2"} <= set(names)
    for name in names:
        assert load_space(name).name == name


def test_space_loads_by_path(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD)
    space = load_space(str(path))
    assert space.ops == (0, 1, 3)
    assert not space.allows_backward


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("name: x\nnodes: 4\nops: [skip]\n", "'edges'"),
        ("name: x\nnodes: 4\nops: [skip, conv9]\nedges: forward\n", "'ops'"),
        ("name: x\nnodes: 40\nops: [skip]\nedges: forward\n", "'nodes'"),
        ("name: x\nnodes: four\nops: [skip]\nedges: forward\n", "'nodes'"),
        ("name: x\nnodes: 4\nops: [skip]\nedges: sideways\n", "'edges'"),
        ("name: x\nnodes: 4\nops: [none]\nedges: forward\n", "'ops'"),
        ("name: x\nnodes: 4\nops: [skip]\nedges: forward\nmax_backward_edges: -1\n", "'max_backward_edges'"),
        ("name: x\nnodes: 4\nops: [skip]\nedges: forward\ncolour: red\n", "'colour'"),
        ("nodes: 4\nops: [skip]\nedges: forward\n", "'name'"),
        ("- a list\n", "mapping"),
        ("name: [unclosed\n", "YAML"),
    ],
)
def test_malformed_definition_names_the_field(text, field):
    with pytest.raises(ValueError, match=field):
        parse_space(text, source="bad.yaml")


def test_unknown_space_and_missing_file():
    with pytest.raises(ValueError, match="unknown space 'nope'"):
        load_space("nope")
    with pytest.raises(ValueError, match="does not exist"):
        load_space("missing/space.yaml")


def test_membership_rules():
    forward = load_space("snasnet-forward")
    backward2 = load_space("snasnet-backward-2")
    paper = Cell.parse("0303 0030 2002 0200")
    assert "no backward edges" in forward.violation(paper)
    assert backward2.violation(paper) is None
    three_back = Cell.parse("0003 1000 1000 0100")
    assert "at most 2" in backward2.violation(three_back)
    assert "input -> output" in forward.violation(Cell.parse("0300 0030 0003 0000"))
    assert "op ids [2, 3]" in parse_space(GOOD.replace("conv3x3", "avgpool3x3")).violation(paper.prune())
