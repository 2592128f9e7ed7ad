"""Tune-native pieces: the search space over pairs, the cell a config names, the scoring trainable in a Tuner."""

import numpy as np
import pytest
from ray import tune

import snasray
from snasray.cells import Cell, load_space, op_by_id
from snasray.errors import InvalidCell, UserError
from snasray.score import ScoreConfig
from snasray.search.tune_native import pair_choices

FAST = ScoreConfig(dataset="synthetic", preset="tiny", batch_size=16, repeat=1)


def config_of(cell: Cell, space: str) -> dict:
    a = cell.array()

    def state(i, j):
        if a[i, j]:
            return f"fwd:{op_by_id(int(a[i, j])).name}"
        return f"bwd:{op_by_id(int(a[j, i])).name}" if a[j, i] else "none"

    return {"space": space, **{f"p{i}{j}": state(i, j) for i, j in load_space(space).pairs()}}


@pytest.mark.parametrize("name", ["snasnet-forward", "snasnet-backward", "snasnet-backward-2", "snasnet-forward-5node"])
def test_param_space_has_one_choice_per_pair_and_the_space(name):
    space = snasray.param_space(name)
    pairs = load_space(name).pairs()
    assert space["space"] == name and len(space) == len(pairs) + 1
    for i, j in pairs:
        choices = space[f"p{i}{j}"].categories
        assert "fwd:conv3x3" in choices and ("none" in choices) == ((i, j) != (0, load_space(name).nodes - 1))
        assert any(c.startswith("bwd:") for c in choices) == (load_space(name).allows_backward and (i, j) != (0, 3))
        assert len(set(choices)) == len(choices)


def test_the_paper_cell_round_trips_with_its_canonical_key():
    paper = Cell.parse("0303 0030 2002 0200")
    config = config_of(paper, "snasnet-backward")
    cell = snasray.cell_from_config(config)
    assert cell.canonical_key() == paper.canonical_key() and cell == paper.prune()


def test_every_sampled_config_names_a_valid_cell():
    space = load_space("snasnet-backward")
    rng = np.random.default_rng(0)
    for _ in range(200):
        config = {"space": "snasnet-backward", **{k: str(rng.choice(c)) for k, c in pair_choices(space).items()}}
        assert space.violation(snasray.cell_from_config(config)) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"p03": "none"}, "prunes to 0000 0000 0000 0000: a cell needs a direct input -> output edge"),
        ({"p13": "fwd:conv5x5"}, "pair p13 has state 'fwd:conv5x5'; states of space snasnet-backward are none,"),
        ({"p13": None}, "pair p13 has state None"),
        ({"space": "snasnet-forward", "p12": "bwd:skip"}, "pair p12 has state 'bwd:skip'"),
        ({"space": "no-such-space"}, "unknown space 'no-such-space'"),
    ],
)
def test_a_config_that_names_no_valid_cell_says_why(change, reason):
    config = {"space": "snasnet-backward", "p01": "none", "p02": "none", "p03": "fwd:skip", "p12": "none"}
    config |= {"p13": "none", "p23": "none", **change}
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")) as caught:
        snasray.cell_from_config(config)
    if change.get("space") != "no-such-space":
        assert isinstance(caught.value, InvalidCell) and isinstance(caught.value, UserError)


def test_too_many_backward_edges_and_a_missing_pair_are_invalid():
    back = {"space": "snasnet-backward-2", "p01": "fwd:conv3x3", "p02": "fwd:conv3x3", "p03": "fwd:conv3x3"}
    back |= {"p12": "bwd:skip", "p13": "fwd:skip", "p23": "fwd:skip"}
    assert snasray.cell_from_config(back).backward_edges() == [(2, 1, 1)]
    with pytest.raises(InvalidCell, match="at most 2 backward edges, got 3"):
        snasray.cell_from_config({**back, "p01": "bwd:skip", "p13": "bwd:skip"})
    with pytest.raises(InvalidCell, match="no state for pair p23"):
        snasray.cell_from_config({k: v for k, v in back.items() if k != "p23"})
    with pytest.raises(InvalidCell, match="names no space"):
        snasray.cell_from_config({k: v for k, v in back.items() if k != "space"})


def test_the_trainable_scores_valid_cells_and_fails_a_config_that_prunes_to_nothing(ray_local, tmp_path):
    space = snasray.param_space("snasnet-forward")
    space["p03"] = tune.grid_search(["fwd:conv3x3", "none"])  # the second prunes to no cell
    space |= {"p01": "fwd:conv3x3", "p02": "none", "p12": "fwd:skip", "p13": "none", "p23": "fwd:conv1x1"}
    tuner = tune.Tuner(
        snasray.make_score_trainable(FAST, seed=2),
        param_space=space,
        run_config=tune.RunConfig(storage_path=str(tmp_path), name="t", verbose=0),
    )
    results = tuner.fit()
    assert len(results) == 2 and len(results.errors) == 1
    ok = next(r for r in results if r.error is None)
    failed = next(r for r in results if r.error is not None)
    assert "a cell needs a direct input -> output edge" in str(failed.error)
    expected = snasray.Scorer(FAST).score(Cell.parse("0303 0010 0002 0000"), 2)
    assert ok.metrics["key"] == expected.key and ok.metrics["score"] == pytest.approx(expected.score)
    assert ok.metrics["firing_rate"] == pytest.approx(expected.firing_rate) and ok.metrics["params"] > 0
