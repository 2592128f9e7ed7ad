"""The torch.export program and the spikingjelly module, each run in a fresh interpreter where snasray cannot be
imported, against snasray's own forward: identical spikes per layer per timestep, logits within 1e-5 relative."""

import subprocess
import sys

import pytest
import torch
from export_checks import BACKWARD_CELL, CELLS, reference, relative_error, spike_mismatches

# runs with `python -I` (no PYTHONPATH, no user site) in a folder without snasray; snasray may be installed in
# this environment, so any import of it is made to fail: the export must load and run with what it names only
RUNNER = """
import sys
sys.modules["snasray"] = None
import torch
fmt, model, images, out = sys.argv[1:]
batch = torch.load(images)
if fmt == "torch":
    program = torch.export.load(model).module()
    results = [program(batch[:n]) for n in (1, len(batch))]  # any batch size
else:
    sys.path.insert(0, ".")
    import importlib
    runtime = importlib.import_module(model)
    network = runtime.load()
    with torch.no_grad():
        results = [(network(batch[:n]), network.spikes) for n in (1, len(batch))]
torch.save([(logits, dict(spikes)) for logits, spikes in results], out)
print(sorted(name for name in sys.modules if name.startswith("snasray")))
"""


def run_isolated(folder, fmt: str, model: str, images: torch.Tensor):
    torch.save(images, folder / "images.pt")
    (folder / "runner.py").write_text(RUNNER)
    done = subprocess.run(
        [sys.executable, "-I", "runner.py", fmt, model, "images.pt", "results.pt"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "['snasray']"  # only the blocked entry
    return torch.load(folder / "results.pt")


def check_agreement(network, images, results):
    logits, spikes = reference(network, images)
    one_logits, one_spikes = results[0]
    assert relative_error(logits[:1], one_logits) < 1e-5
    assert spike_mismatches({k: v[:, :1] for k, v in spikes.items()}, one_spikes) == dict.fromkeys(spikes, 0)
    all_logits, all_spikes = results[1]
    assert relative_error(logits, all_logits) < 1e-5
    assert spike_mismatches(spikes, all_spikes) == dict.fromkeys(spikes, 0)
    assert sum(float(s.sum()) for s in spikes.values()) > 0


def test_torch_program_runs_without_snasray(trained, images, tmp_path):
    from snasray.export import export_checkpoint
    from snasray.train import load_network

    result = export_checkpoint(trained[BACKWARD_CELL], "torch", tmp_path / "net.pt2")
    assert result.files == (str(tmp_path / "net.pt2"),)
    network, _ = load_network(trained[BACKWARD_CELL])
    check_agreement(network, images, run_isolated(tmp_path, "torch", "net.pt2", images))


@pytest.mark.parametrize("cell", CELLS)
def test_spikingjelly_module_runs_without_snasray(cell, trained, images, tmp_path):
    pytest.importorskip("spikingjelly")
    from snasray.cli import main
    from snasray.train import load_network

    assert main(["export", "--checkpoint", str(trained[cell]), "--format", "spikingjelly", "--out",
                 str(tmp_path / "snasnet_sj.pt")]) == 0  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snasnet_sj.pt", "snasnet_sj.py"]
    network, _ = load_network(trained[cell])
    check_agreement(network, images, run_isolated(tmp_path, "spikingjelly", "snasnet_sj", images))


def test_spikingjelly_module_uses_spikingjelly_lif_neurons(trained):
    pytest.importorskip("spikingjelly")
    from spikingjelly.activation_based import neuron, surrogate

    from snasray.export import to_spikingjelly
    from snasray.train import load_network

    network, _ = load_network(trained[BACKWARD_CELL])
    module = to_spikingjelly(network)
    lifs = [m for m in module.modules() if isinstance(m, neuron.LIFNode)]
    assert len(lifs) == len(module.lif_names) == 11
    for lif in lifs:
        assert lif.tau == 4 / 3 and lif.decay_input and lif.v_reset == 0 and lif.v_threshold == 1
        assert lif.detach_reset and isinstance(lif.surrogate_function, surrogate.ATan)
        assert lif.surrogate_function.alpha == 2
