"""LightSNN's pruning search: its rounds, its determinism with real scores, its table, the CLI end to end."""

import math
import shutil

import numpy as np
import pandas as pd
import pytest

from snasray.cells import load_space
from snasray.cli import main
from snasray.errors import UserError
from snasray.score import ScoreConfig
from snasray.search.prune import FOLDER, SUPERNET_SCHEMA, Mixture, SupernetPhase, SupernetTable
from snasray.search.searchers import make_searcher

FAST = ScoreConfig(dataset="digits", preset="tiny", batch_size=16, repeat=1, timesteps=2)
FAST_ARGS = "--dataset digits --preset tiny --batch-size 16 --repeat 1 --timesteps 2 --workers 1".split()
FIELDS = {
    "run_id": "r",
    "space": "lightsnn-forward",
    "config_hash": FAST.config_hash(),
    "dataset": "digits",
    "preset": "tiny",
}


@pytest.mark.parametrize("space_name", ["lightsnn", "lightsnn-forward", "snasnet-backward"])
def test_every_round_removes_one_state_from_every_open_pair(space_name):
    space = load_space(space_name)
    searcher = make_searcher("prune", space, 0)
    rng = np.random.default_rng(1)
    before = Mixture.full(space)
    rounds = 0
    while pending := searcher.supernets():
        assert {p.round for p in pending} == {rounds}
        assert [(p.pair, p.state) for p in pending] == [(i, s) for i in before.open_pairs() for s in before.states[i]]
        for proposal in pending:
            assert proposal.mixture == before.without(proposal.pair, proposal.state)
            searcher.tell_supernet(proposal, {"score": float(rng.normal())})
        after = searcher.mixture
        for index, states in enumerate(before.states):
            assert len(after.states[index]) == max(len(states) - 1, 1)
        before, rounds = after, rounds + 1
    assert rounds == max(len(s) for s in Mixture.full(space).states) - 1
    cell = searcher.ask()
    assert space.violation(cell) is None and cell == before.cell().prune()


def test_each_pair_keeps_the_state_whose_removal_scores_lowest():
    searcher = make_searcher("prune", load_space("lightsnn-forward"), 0)
    removal_score = {0: 3.0, 1: 1.0, 3: 2.0}  # removing none scores best: it goes first, then conv3x3; skip stays
    while pending := searcher.supernets():
        for proposal in pending:
            searcher.tell_supernet(proposal, {"score": removal_score[proposal.state]})
    assert str(searcher.ask()) == "0111 0011 0001 0000"


def test_rank_sum_prefers_sparse_supernets():
    searcher = make_searcher("prune", load_space("lightsnn-forward"), 0, rank="score+rate")
    while pending := searcher.supernets():
        for proposal in pending:  # equal scores; removing a conv leaves the lowest rate, then none
            rate = {3: 0.1, 0: 0.2, 1: 0.3}[proposal.state]
            searcher.tell_supernet(proposal, {"score": 1.0, "firing_rate": rate})
    assert str(searcher.ask()) == "0111 0011 0001 0000"


def test_failed_supernets_rank_last_and_restarts_take_new_seeds():
    searcher = make_searcher("prune", load_space("lightsnn-forward"), 4, restarts=2)
    seeds = set()
    cells = []
    for _ in range(2):
        while pending := searcher.supernets():
            for proposal in pending:
                seeds.add(proposal.seed)
                failed = proposal.state == 0
                searcher.tell_supernet(proposal, {"score": math.nan if failed else 1.0})
        cells.append(searcher.ask())
    assert len(seeds) == 2 and 4 in seeds
    # removing none always fails, so none stays on every pair that may hold it; ties remove the first state (skip)
    assert [str(c) for c in cells] == ["0003 0000 0000 0000"] * 2
    assert searcher.ask() == cells[-1] and not searcher.supernets()


def test_bad_input():
    with pytest.raises(UserError, match="cannot search space snasnet-backward-2: its cap of 2 backward"):
        make_searcher("prune", load_space("snasnet-backward-2"), 0)
    for option, match in [({"mode": "test"}, "mode must be one of train, eval"), ({"restarts": 0}, "restarts")]:
        with pytest.raises(ValueError, match=match):
            make_searcher("prune", load_space("lightsnn"), 0, **option)
    searcher = make_searcher("prune", load_space("lightsnn"), 0)
    with pytest.raises(RuntimeError, match="supernets to score first"):
        searcher.ask()
    stranger = make_searcher("prune", load_space("lightsnn"), 1).supernets()[0]
    with pytest.raises(ValueError, match="is not pending"):
        searcher.tell_supernet(stranger, {"score": 0.0})


def run_phase(run_dir, seed=0):
    phase = SupernetPhase(
        make_searcher("prune", load_space("lightsnn-forward"), seed), FAST, run_dir, FIELDS, seed, False
    )
    return phase, phase.ask()


def test_real_pruning_is_deterministic_and_its_table_resumes(tmp_path):
    phase, cell = run_phase(tmp_path / "a")
    assert phase.scored == 27 and phase.reused == 0  # 5 pairs of 3 states, the input -> output pair of 2
    table = SupernetTable(tmp_path / "a").read()
    assert list(table.columns) == SUPERNET_SCHEMA.names and len(table) == 27
    assert (table["status"] == "ok").all() and table["score"].notna().all()
    assert sorted(table["round"].value_counts().tolist()) == [10, 17]
    assert (table["restart_seed"] == 0).all() and (table["mode"] == "train").all()
    _, again = run_phase(tmp_path / "b")
    assert again == cell
    assert SupernetTable(tmp_path / "b").read()["score"].tolist() == table["score"].tolist()
    resumed, cell_resumed = run_phase(tmp_path / "a")
    assert cell_resumed == cell and resumed.scored == 0 and resumed.reused == 27
    (tmp_path / "a" / FOLDER / ".supernets-half-written.parquet.tmp").write_bytes(b"PAR1")  # a crash mid-write
    assert len(SupernetTable(tmp_path / "a").read()) == 27


def test_search_cli_end_to_end(ray_local, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["search", "--searcher", "prune", "--space", "lightsnn-forward", "--budget", "2", *FAST_ARGS]
    assert main([*argv, "--searcher-option", "restarts=2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "prune on lightsnn-forward" in printed
    cells = pd.read_parquet(out)  # the cell store only: the supernet table lies in _supernets
    supernets = pd.read_parquet(out / FOLDER)
    assert len(supernets) == 54 and set(supernets["restart"]) == {0, 1}
    assert 1 <= len(cells) <= 2 and (cells["status"] == "ok").all() and (cells["searcher"] == "prune").all()
    assert main(["search", "--resume", str(out)]) == 0
    assert "(0 scored now)" in capsys.readouterr().out
    assert len(pd.read_parquet(out / FOLDER)) == 54  # no supernet scored twice
    # a run killed during its supernet phase has supernets but no cells: a new search may not take it over
    for stored in ("scores", "_store"):
        target = out / stored
        target.unlink() if target.is_symlink() else shutil.rmtree(target)
    assert main([*argv, "--out", str(out)]) == 2
    assert "already holds a search" in capsys.readouterr().err
    assert len(pd.read_parquet(out / FOLDER)) == 54


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--space", "snasnet-backward-2"], "cannot search space snasnet-backward-2"),
        (["--space", "lightsnn", "--searcher-option", "batches=stale"], "batches must be one of fixed, fresh"),
        (["--space", "lightsnn", "--table", "snasnet-forward_digits_tiny"], "scores supernets, which no score table"),
    ],
)
def test_search_cli_refuses_bad_input(tmp_path, capsys, extra, message):
    out = tmp_path / "run"
    assert main(["search", "--searcher", "prune", *extra, *FAST_ARGS, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()
