"""The supernet: one op per pair is the cell's network; several ops per pair are mixed by their weights."""

import math

import pytest
import torch

from snasray.cells import Cell, load_space
from snasray.model import SNASNet, model_preset
from snasray.model.cell_module import EdgeCell
from snasray.model.supernet import Supernet
from snasray.score import ScoreConfig, Scorer
from snasray.search.prune import Mixture, SupernetScorer

NEURON = {"tau": 4 / 3, "threshold": 1.0, "alpha": 2.0}
FAST = ScoreConfig(dataset="digits", preset="tiny", batch_size=16, repeat=2, timesteps=2)


def settled(cell: Cell) -> Mixture:
    """The one-state-per-pair mixture of a cell (+op forward, -op backward, 0 none)."""
    n = cell.n_nodes
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    return Mixture(n, tuple((cell.matrix[i][j] or -cell.matrix[j][i],) for i, j in pairs))


@pytest.mark.parametrize("text", ["0303 0030 2002 0200", "0103 0030 1003 0000", "0313 0031 0003 0000"])
def test_one_op_per_pair_is_the_cells_network_and_score(text):
    cell = Cell.parse(Cell.parse(text).canonical_key())
    mixture = settled(cell)
    assert mixture.settled and mixture.cell() == cell
    config, spec = model_preset("tiny", timesteps=2), (1, 8, 10)
    torch.manual_seed(7)
    network = SNASNet(cell, config, *spec)
    torch.manual_seed(7)
    supernet = Supernet((mixture.nodes, mixture.weighted_edges()), config, *spec)
    assert network.state_dict().keys() == supernet.state_dict().keys()
    assert all(
        torch.equal(a, b) for a, b in zip(network.state_dict().values(), supernet.state_dict().values(), strict=True)
    )
    scored = Scorer(FAST).score(cell, 3)
    supernet_scored = SupernetScorer(FAST).score(mixture, 3)
    assert supernet_scored.repeat_scores == scored.repeat_scores  # bit for bit
    assert supernet_scored.firing_rate == scored.firing_rate and supernet_scored.params == scored.params


def test_ops_of_one_pair_are_mixed_by_equal_weights():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 6, 6)
    # pair 0-1: skip and avgpool3x3 mixed with none (1/3 each); every other pair a single skip
    cell = EdgeCell(3, [(0, 1, 1, 1 / 3), (0, 1, 4, 1 / 3), (0, 2, 1, 1.0), (1, 2, 1, 1.0)], 4, NEURON)
    x1 = (x + torch.nn.functional.avg_pool2d(x, 3, 1, 1)) / 3
    torch.testing.assert_close(cell(x), x + x1)


def test_two_spiking_ops_on_one_pair_get_their_own_convs_and_share_the_neuron():
    cell = EdgeCell(2, [(0, 1, 2, 0.5), (0, 1, 3, 0.5)], 4, NEURON)
    assert set(cell.convs) == {"0_1_conv1x1", "0_1_conv3x3"}
    assert cell.lifs["0"].consumers == 2


def test_full_mixture_of_the_lightsnn_space():
    space = load_space("lightsnn")
    mixture = Mixture.full(space)
    assert mixture.states[2] == (1, 3)  # the input -> output pair: forward ops only
    assert all(set(s) == {0, 1, 3, -1, -3} for index, s in enumerate(mixture.states) if index != 2)
    weights = {(i, j, op): w for i, j, op, w in mixture.weighted_edges()}
    assert weights[(1, 0, 3)] == 0.2 and weights[(0, 3, 1)] == 0.5
    smaller = mixture.without(0, 3)
    assert smaller.states[0] == (0, 1, -1, -3) and math.isclose(
        dict(((i, j, o), w) for i, j, o, w in smaller.weighted_edges())[0, 1, 1], 0.25
    )
    with pytest.raises(ValueError, match="cannot be removed"):
        mixture.without(2, 0)
    with pytest.raises(ValueError, match="several ops"):
        mixture.cell()


def test_eval_mode_and_fresh_batches_change_the_score_deterministically():
    mixture = Mixture.full(load_space("lightsnn-forward"))
    default = SupernetScorer(FAST).score(mixture, 0).score
    light = SupernetScorer(FAST, mode="eval", batches="fresh")
    assert light.score(mixture, 0).score == light.score(mixture, 0).score != default
    assert light.batch_seed(mixture, 0) != light.batch_seed(mixture.without(0, 0), 0)


def test_pruning_dead_nodes_scores_a_settled_supernet_as_its_pruned_cell():
    mixture = Mixture(4, ((3,), (3,), (3,), (3,), (-3,), (-3,)))  # nodes 1 and 2 only fed back from the output
    assert str(mixture.cell().prune()) == "0003 0000 0000 0000"
    cell_scores = Scorer(FAST).score(mixture.cell(), 3).repeat_scores
    assert SupernetScorer(FAST, dead="prune").score(mixture, 3).repeat_scores == cell_scores
    assert SupernetScorer(FAST, dead="keep").score(mixture, 3).repeat_scores != cell_scores
