import pytest

from snasray.cells import canonical_cells, count_space, load_space


@pytest.mark.parametrize(
    ("name", "raw", "distinct"),
    [("snasnet-forward", 5**6, 7_556), ("snasnet-backward", 9**6, 104_708)],
)
def test_counts_reproduce_the_paper(name, raw, distinct):
    counts = count_space(load_space(name))
    assert counts.raw == raw
    assert counts.distinct == distinct
    assert counts.canonical < counts.distinct < counts.valid < counts.raw


def test_forward_space_counts_in_closed_form():
    counts = count_space(load_space("snasnet-forward"))
    # C[0][3] must be one of 4 ops out of 5: exactly 4/5 of raw draws are valid
    assert counts.valid == 5**6 * 4 // 5


def test_canonical_enumeration_matches_the_count():
    space = load_space("snasnet-forward")
    cells = canonical_cells(space)
    assert len(cells) == count_space(space).canonical
    assert len({c.canonical_key() for c in cells}) == len(cells)
    assert all(str(c) == c.canonical_key() and space.violation(c) is None for c in cells)


def test_limited_space_counts_fewer():
    full = count_space(load_space("snasnet-backward"))
    limited = count_space(load_space("snasnet-backward-2"))
    assert limited.raw == full.raw
    assert limited.distinct < full.distinct
