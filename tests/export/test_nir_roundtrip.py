"""The NIR file, run in snntorch's NIR import (an independent simulator), against snasray's own forward."""

import contextlib
import io

import numpy as np
import pytest
import torch
from export_checks import BACKWARD_CELL, CELLS, FORWARD_CELL, reference, relative_error, spike_mismatches

nir = pytest.importorskip("nir")
snntorch = pytest.importorskip("snntorch")


def simulate(graph, images, timesteps):
    """Run a NIR graph in snntorch one image at a time (NIR shapes have no batch dimension): the mean output over
    the timesteps, and the spikes of each LIF node (T, B, *neurons) by snasray's layer name."""
    import snntorch.utils
    from snntorch.import_nir import import_from_nir

    with contextlib.redirect_stdout(io.StringIO()):  # it prints how it rescales thresholds
        module = import_from_nir(graph)
    lif_names = [name for name, node in graph.nodes.items() if isinstance(node, nir.LIF)]
    steps = {name: [] for name in lif_names}
    for name in lif_names:  # nirtorch names a module by its node's name with "." as "_"
        layer = module.get_submodule(name.replace(".", "_"))
        layer.register_forward_hook(lambda m, i, output, name=name: steps[name].append(output))
    logits = []
    with torch.no_grad():
        for image in images:
            snntorch.utils.reset(module)
            state, total = None, 0
            for _ in range(timesteps):
                out, state = module(image, state)
                total = total + out
            logits.append(total / timesteps)
    spikes = {name: torch.stack(s).view(len(images), timesteps, *s[0].shape).transpose(0, 1) for name, s in
              steps.items()}  # fmt: skip
    return torch.stack(logits), spikes


@pytest.fixture(scope="module")
def nir_files(trained, tmp_path_factory):
    from snasray.cli import main

    folder = tmp_path_factory.mktemp("nir")
    files = {}
    for i, cell in enumerate(CELLS):
        files[cell] = folder / f"cell{i}.nir"
        assert main(["export", "--checkpoint", str(trained[cell]), "--format", "nir", "--out", str(files[cell])]) == 0
    return files


@pytest.mark.parametrize("cell", CELLS)
def test_nir_round_trip_gives_identical_spikes(cell, trained, nir_files, images):
    from snasray.train import load_network

    network, _ = load_network(trained[cell])
    logits, spikes = reference(network, images)
    graph = nir.read(nir_files[cell])
    sim_logits, sim_spikes = simulate(graph, images, network.config.timesteps)
    assert spike_mismatches(spikes, sim_spikes) == dict.fromkeys(spikes, 0)
    assert sum(float(s.sum()) for s in spikes.values()) > 0
    assert relative_error(logits, sim_logits) < 1e-5


def test_nir_graph_holds_the_backward_edges_as_cycles(nir_files):
    graph = nir.read(nir_files[BACKWARD_CELL])
    recurrent = str(graph.metadata["recurrent_edges"]).split(";")
    assert recurrent == [
        "cell1.pool2_0->cell1.node0",
        "cell1.convs.3_1->cell1.node1",
        "cell2.pool2_0->cell2.node0",
        "cell2.convs.3_1->cell2.node1",
    ]
    for edge in recurrent:
        assert tuple(edge.split("->")) in graph.edges
    forward = nir.read(nir_files[FORWARD_CELL])
    assert str(forward.metadata["recurrent_edges"]) == ""
    kinds = {type(node).__name__ for node in forward.nodes.values()}
    assert kinds == {"Input", "Conv2d", "LIF", "AvgPool2d", "Flatten", "Linear", "Affine", "Output"}


def test_nir_lif_parameters_and_folded_batchnorm(trained, nir_files):
    from snasray.export.nir_format import DEFAULT_DT
    from snasray.train import load_network

    network, _ = load_network(trained[FORWARD_CELL])
    graph = nir.read(nir_files[FORWARD_CELL])
    lif = graph.nodes["down_lif"]
    assert np.allclose(lif.tau, 4 / 3 * DEFAULT_DT) and np.all(lif.r == 1) and np.all(lif.v_leak == 0)
    assert np.all(lif.v_threshold == 1) and np.all(lif.v_reset == 0)
    bn = network.down_bn
    scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().numpy()
    node = graph.nodes["down_bn"]
    assert np.allclose(np.diagonal(node.weight[:, :, 0, 0]), scale, rtol=1e-6)
    assert np.count_nonzero(node.weight[:, :, 0, 0] - np.diag(np.diagonal(node.weight[:, :, 0, 0]))) == 0
    x = torch.randn(2, *network.down_bn.running_mean.shape, 3, 3)
    folded = torch.nn.functional.conv2d(x, torch.from_numpy(node.weight), torch.from_numpy(node.bias))
    assert torch.allclose(folded, network.down_bn.eval()(x), atol=1e-5)
    assert "dropout" not in " ".join(graph.nodes).lower()


def test_simulator_runs_cycles_in_the_order_the_nodes_are_listed(trained, nir_files, images):
    """nirtorch (inside snntorch's import) resolves a cycle by the order in which it meets the nodes: an input on a
    cycle that is not yet computed is read from the previous timestep. The exporter writes the nodes in evaluation
    order, which nir.read keeps. The same graph with its nodes sorted by name (HDF5's default order) reads the
    forward edge cell1.convs.0_1 -> cell1.node1 from the previous timestep, and at the first timestep feeds the
    node a placeholder of shape (1,) that its conv rejects."""
    from snntorch.import_nir import import_from_nir

    graph = nir.read(nir_files[BACKWARD_CELL])
    assert list(graph.nodes)[:3] == ["input", "stem", "cell1.node0"]
    by_name = nir.NIRGraph(dict(sorted(graph.nodes.items())), graph.edges, graph.metadata)
    with contextlib.redirect_stdout(io.StringIO()):
        ordered, sorted_module = import_from_nir(graph), import_from_nir(by_name)
    delayed_forward_edge = "get('cell1_convs_0_1_prev_output'"
    assert delayed_forward_edge not in ordered.code and delayed_forward_edge in sorted_module.code
    assert "get('cell1_convs_3_1_prev_output'" in ordered.code  # the backward edge: the previous timestep
    with pytest.raises(RuntimeError, match="conv2d"), torch.no_grad():
        sorted_module(images[0])


def test_backward_edge_outside_any_cycle_is_a_delay_that_snntorch_cannot_read():
    """A backward edge whose target does not reach its source within a timestep (here 2 -> 1: node 1 feeds only
    node 3) closes no cycle, so it is written through a nir.Delay of one time step, which snntorch's import
    (nirtorch) has no module for."""
    from snntorch.import_nir import import_from_nir

    from snasray.cells import Cell
    from snasray.export import to_nir
    from snasray.model import SNASNet, model_preset

    network = SNASNet(Cell.parse("0113 0001 0101 0000"), model_preset("tiny"), 1, 8, 10)
    graph = to_nir(network, 8)
    assert isinstance(graph.nodes["cell1.node2->cell1.node1.delay"], nir.Delay)
    assert ("cell1.node2", "cell1.node2->cell1.node1.delay") in graph.edges
    with pytest.raises(ValueError, match="Delay"), contextlib.redirect_stdout(io.StringIO()):
        import_from_nir(graph)
