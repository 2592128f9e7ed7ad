"""The contract every registered proxy keeps: finite on ordinary cells, non-finite with a reason on cells with no
path from input to output, the same value for the same seed."""

import math

import pytest

from snasray.cells import Cell, load_space
from snasray.proxies import PROXIES, get_proxy, proxy_names, register
from snasray.score import ScoreConfig, Scorer

SPIKENAS = load_space("spikenas-bench")
ORDINARY = ("0303 0030 0003 0000", "0241 0013 0002 0000")
DEAD = "0230 0000 0000 0000"  # input feeds n1 and n2, nothing reaches the output


def scorer(proxy: str) -> Scorer:
    return Scorer(
        ScoreConfig(dataset="digits", preset="tiny", batch_size=16, repeat=2, ops=SPIKENAS.op_table, proxy=proxy)
    )


@pytest.fixture(scope="module", params=proxy_names())
def proxy_scorer(request):
    return request.param, scorer(request.param)


@pytest.mark.parametrize("cell", ORDINARY)
def test_a_proxy_is_finite_on_ordinary_cells_and_is_the_score(proxy_scorer, cell):
    name, each = proxy_scorer
    result = each.score(Cell.parse(cell), 0)
    assert math.isfinite(result.score) and result.error is None
    assert result.proxy == name and result.proxies[name] == result.score


def test_a_proxy_is_not_finite_with_a_reason_on_a_dead_cell(proxy_scorer):
    _, each = proxy_scorer
    result = each.score(Cell.parse(DEAD), 0)
    assert not math.isfinite(result.score)
    assert result.error == "no path from the cell input to its output"


def test_a_proxy_is_deterministic_for_a_seed(proxy_scorer):
    _, each = proxy_scorer
    cell = Cell.parse(ORDINARY[1])
    assert each.score(cell, 3).score == each.score(cell, 3).score


def test_every_forward_proxy_is_recorded_from_one_forward_and_sahd_is_the_default_score():
    result = scorer("sahd").score(Cell.parse(ORDINARY[0]), 0)
    forward = {n for n, p in PROXIES.items() if p.stage == "forward"}
    assert set(result.proxies) == forward
    assert result.proxies["sahd"] == result.score
    assert result.proxies["params"] == result.params and result.proxies["firing_rate"] == result.firing_rate


def test_recorded_gradient_proxies_join_the_row_without_changing_the_score():
    base = scorer("sahd")
    more = Scorer(ScoreConfig(**{**base.config.__dict__, "proxies": ("snip", "grad_norm")}))
    cell = Cell.parse(ORDINARY[0])
    plain, recorded = base.score(cell, 0), more.score(cell, 0)
    assert recorded.score == plain.score and {"snip", "grad_norm"} <= set(recorded.proxies)
    assert more.config.config_hash() != base.config.config_hash()


def test_the_proxy_enters_the_hash_only_when_it_is_not_the_default():
    assert ScoreConfig().config_hash() == ScoreConfig(proxy="sahd").config_hash() == "4c276dbd48ee7e3e"
    assert ScoreConfig(proxy="hd").config_hash() != ScoreConfig().config_hash()


def test_unknown_or_taken_names_are_refused():
    with pytest.raises(ValueError, match="unknown proxy 'nope'; proxies are"):
        ScoreConfig(proxy="nope")
    with pytest.raises(ValueError, match="unknown proxy"):
        ScoreConfig(proxies=("sahd", "nope"))
    with pytest.raises(ValueError, match="already registered"):
        register("sahd", "forward", "again", "here")(lambda probe: (0.0, None))
    with pytest.raises(ValueError, match="unknown proxy stage"):
        register("new-one", "backward", "x", "y")
    assert get_proxy("hd").stage == "forward" and get_proxy("synflow").stage == "gradient"
