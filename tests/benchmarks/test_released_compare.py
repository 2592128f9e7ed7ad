"""The side-by-side benchmark against the released code, in what runs without that code."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from snasray.cells import Cell
from snasray.model import SNASNet, model_preset

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "released_compare.py"


@pytest.fixture(scope="module")
def bench(load_script):
    return load_script("released_compare")


def test_the_script_is_skipped_without_a_checkout():
    done = subprocess.run([sys.executable, str(SCRIPT), "--preset", "small"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "released_compare: skipped, no --released checkout of the released code given"


def test_a_folder_without_the_released_code_is_refused(bench, tmp_path):
    with pytest.raises(SystemExit, match="holds no model_snn.py and searchcells/"):
        bench.main(["--released", str(tmp_path)])


@pytest.mark.parametrize("argv", [["--pairs", "0"], ["--warmup", "-1"], ["--batch-size", "1"]])
def test_bad_counts_are_refused(bench, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(argv)
    assert exit_info.value.code == 2
    assert "--pairs must be >= 1" in capsys.readouterr().err


def test_width_patches_apply_only_inside_the_runtime(bench):
    with bench.released_runtime(width=16, hidden=256):
        conv, bn = nn.Conv2d(256, 512, kernel_size=3), nn.BatchNorm2d(512)
        stem, fc1, fc2 = nn.Conv2d(3, 256, 3), nn.Linear(32768, 1024, bias=False), nn.Linear(1024, 100)
        cpu = torch.ones(2)
        assert cpu.cuda() is cpu and conv.cuda() is conv
    assert conv.weight.shape == (32, 16, 3, 3) and bn.num_features == 32
    assert stem.weight.shape == (16, 3, 3, 3)
    assert fc1.weight.shape == (256, 2048) and fc2.weight.shape == (100, 256)
    assert nn.Conv2d(256, 512, 3).weight.shape == (512, 256, 3, 3)
    assert nn.BatchNorm2d(512).num_features == 512 and nn.Linear(1024, 100).in_features == 1024
    assert "__init__" not in nn.BatchNorm2d.__dict__


def test_the_paper_width_is_not_remapped(bench):
    with bench.released_runtime(width=256, hidden=1024):
        assert nn.Conv2d(256, 512, 3).weight.shape == (512, 256, 3, 3)
        assert nn.Linear(32768, 1024).out_features == 1024


def test_released_names_map_onto_every_snasray_parameter(bench):
    """The released network's names for the paper cell, written out from its layout, reach each parameter once."""
    cell = Cell.parse(bench.PAPER_CELL)
    released = ["stem.0.weight", "stem.1.weight", "stem.1.bias", "downconv1.0.weight", "downconv1.0.bias"]
    released += ["downconv1.2.weight", "downconv1.3.weight", "downconv1.3.bias", "last_act.0.weight"]
    released += ["last_act.0.bias", "classifier.1.weight", "classifier.3.weight", "classifier.3.bias"]
    conv_edges = {(i, j) for i, j, op in cell.edges() if op in (2, 3)}
    for name in ("cell1", "cell2"):
        tables = (("cell_architecture", bench.FORWARD_EDGES), ("cell_architecture_back", bench.BACKWARD_EDGES))
        for table, edges in tables:
            for index, edge in enumerate(edges):
                if edge in conv_edges:
                    released += [f"{name}.{table}.{index}.1.weight", f"{name}.{table}.{index}.2.weight"]
                    released += [f"{name}.{table}.{index}.2.bias"]
    network = SNASNet(cell, model_preset("tiny"), 3, 32, 10)
    assert sorted(bench.snasray_name(n) for n in released) == sorted(n for n, _ in network.named_parameters())


def test_digits_patches_map_the_stem_the_classifier_and_the_population(bench):
    with bench.released_runtime(width=8, hidden=64, in_channels=1, image=8, population=5):
        stem, fc1, fc2 = nn.Conv2d(3, 256, 3), nn.Linear(32768, 1024, bias=False), nn.Linear(1024, 100)
        boost = nn.AvgPool1d(10, 10)
    assert stem.weight.shape == (8, 1, 3, 3)
    assert fc1.weight.shape == (64, 2 * 8 * 2 * 2) and fc2.weight.shape == (50, 64)
    assert boost.kernel_size == (5,) and boost.stride == (5,)
