"""Networks from a space's own op table: one LIF per source node and neuron setting, the same network where the
settings agree with the built-in ops."""

import torch

from snasray.cells import Cell, Op, load_space
from snasray.model import SpikingCell
from snasray.score import ScoreConfig, Scorer

SPIKENAS = load_space("spikenas-bench")
NEURON = {"tau": 4 / 3, "threshold": 1.0, "alpha": 2.0}


def test_edges_share_a_neuron_only_when_their_settings_agree():
    # node 0 feeds n1 at threshold 0.5, n2 at threshold 1.0 and out at 0.5; n1 feeds out at 1.5
    module = SpikingCell(Cell.parse("0232 0004 0001 0000"), 4, NEURON, SPIKENAS.op_table)
    lifs = {name: (lif.threshold, lif.consumers) for name, lif in module.lifs.items()}
    assert lifs == {"0": (1.0, 1), "0_threshold0p5": (0.5, 2), "1_threshold1p5": (1.5, 1)}


def test_the_threshold_1_ops_build_the_builtin_conv3x3_network_bit_for_bit():
    config = ScoreConfig(dataset="digits", preset="tiny", batch_size=32, repeat=1)
    own = Scorer(ScoreConfig(dataset="digits", preset="tiny", batch_size=32, repeat=1, ops=SPIKENAS.op_table))
    builtin = Scorer(config).score(Cell.parse("0303 0030 0003 0000"), 0)
    same = own.score(Cell.parse("0303 0030 0003 0000"), 0)
    assert builtin.score == same.score and builtin.params == same.params
    other = own.score(Cell.parse("0202 0020 0002 0000"), 0)  # threshold 0.5: more spikes, another score
    assert other.firing_rate > same.firing_rate and other.score != same.score
    assert own.config.config_hash() != config.config_hash()


def test_a_maxpool_op_pools_with_stride_one():
    table = (*SPIKENAS.op_table[:2], Op(2, "pool", "maxpool", 3))
    module = SpikingCell(Cell.parse("002 000 000"), 2, NEURON, table)
    x = torch.arange(2 * 5 * 5, dtype=torch.float32).reshape(1, 2, 5, 5)
    assert torch.equal(module(x), torch.nn.functional.max_pool2d(x, 3, 1, 1))
