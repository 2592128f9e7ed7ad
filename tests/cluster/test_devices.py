"""Device and --out checks: one line and exit 2 before any work; on a cluster, what its autoscaler can add."""

from __future__ import annotations

import pytest
import torch
import yaml
from ray.autoscaler._private.util import prepare_config
from test_cluster_config import AWS_CONFIG, LOCAL_CONFIG

import snasray.devices as devices
from snasray.cli import main
from snasray.devices import check_device, check_local_out, gpus_needed, require_on_cluster, scalable_node_types
from snasray.errors import UserError

CELL = "0303 0030 2002 0200"
NO_GPU = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")


@pytest.mark.parametrize("device", ["tpu", "cuda:x", "", "mps", "meta"])
def test_unknown_devices_are_refused_everywhere(device):
    for local in (True, False):
        with pytest.raises(UserError, match="unknown device"):
            check_device(device, local=local)


def test_cpu_is_always_fine_and_cuda_names_pass_on_a_cluster():
    check_device("cpu")
    check_device("cuda", local=False)
    check_device("cuda:1", local=False)


@NO_GPU
@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_cuda_without_a_gpu_is_refused_locally(device):
    with pytest.raises(UserError, match="no CUDA GPU"):
        check_device(device)


@pytest.mark.parametrize(("per_worker", "whole"), [(0, 0), (0.25, 1), (1, 1), (1.5, 2)])
def test_gpus_needed_per_worker(per_worker, whole):
    assert gpus_needed(per_worker) == whole


@pytest.mark.parametrize("out", ["s3://bucket/x", "gs://b/runs", "hdfs://nn/x", "file:///tmp/x"])
def test_uri_outputs_are_refused(out):
    with pytest.raises(UserError, match="shared file system mounted on every node"):
        check_local_out(out)


@pytest.mark.parametrize("out", [None, "runs/a", "/mnt/shared/runs/a", "s3:/not-a-uri", "C:/runs"])
def test_paths_are_accepted(out):
    check_local_out(out)


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and lines[0].startswith("snasray: error: "), captured
    return lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "--cell", CELL, "--dataset", "synthetic", "--device", "tpu"],
        ["evaluate", "--checkpoint", "nowhere", "--device", "tpu"],
        ["search", "--dataset", "synthetic", "--device", "tpu"],
    ],
    ids=["score", "evaluate", "search"],
)
def test_cli_unknown_device_is_one_line(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert "unknown device" in _one_line(capsys)
    assert list(tmp_path.iterdir()) == []


@NO_GPU
@pytest.mark.parametrize(
    "argv",
    [
        ["score", "--cell", CELL, "--dataset", "synthetic", "--device", "cuda"],
        ["evaluate", "--checkpoint", "nowhere", "--device", "cuda"],
        ["train", "--cell", CELL, "--dataset", "synthetic", "--gpu", "--out", "run"],
    ],
    ids=["score", "evaluate", "train"],
)
def test_cli_gpu_without_a_gpu_is_one_line(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path / "no-cluster"))  # no `ray start` cluster to join
    assert main(argv) == 2
    assert "GPU" in _one_line(capsys)
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize("command", ["search", "train", "report"])
def test_cli_uri_out_is_one_line_and_writes_nothing(command, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = {"train": ["--cell", CELL, "--dataset", "synthetic"], "search": ["--dataset", "synthetic"]}
    assert main([command, *source.get(command, ["run"]), "--out", "s3://bucket/run"]) == 2
    assert "s3://bucket/run" in _one_line(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def bootstrap(tmp_path, monkeypatch):
    """Stand in for the launcher's ~/ray_bootstrap_config.yaml on a head node: the prepared config `ray up` writes."""
    path = tmp_path / "ray_bootstrap_config.yaml"
    monkeypatch.setattr(devices, "BOOTSTRAP_CONFIG", str(path))

    def write(config_path):
        path.write_text(yaml.safe_dump(prepare_config(yaml.safe_load(config_path.read_text()))))

    return write


def test_the_aws_cluster_can_add_gpu_nodes_but_not_tpu_nodes(ray_local, bootstrap):
    bootstrap(AWS_CONFIG)
    assert scalable_node_types("GPU", 0.25) == ["gpu_worker"]
    assert scalable_node_types("GPU", 2) == []
    assert scalable_node_types("TPU", 1) == []


def test_a_local_provider_cluster_adds_no_gpu_nodes(ray_local, bootstrap):
    bootstrap(LOCAL_CONFIG)
    assert scalable_node_types("GPU", 1) == []
    with pytest.raises(UserError, match="no node of the Ray cluster has 1 GPU and its autoscaler has no node type"):
        require_on_cluster("GPU", 1, "--gpu")


def test_a_cluster_without_autoscaler_refuses_a_resource_no_node_has(ray_local, bootstrap):
    assert scalable_node_types("GPU", 1) is None
    with pytest.raises(UserError, match="--gpus-per-worker 0.5: no node .* reports no node types"):
        require_on_cluster("GPU", 0.5, "--gpus-per-worker 0.5")
    require_on_cluster("CPU", 1, "--cpus-per-worker 1")  # the nodes have it: no wait, no request


def test_waiting_asks_the_autoscaler_and_reports_until_the_node_is_there(ray_local, bootstrap, monkeypatch):
    """With the AWS node types, a GPU no node has is requested from the autoscaler and waited for; here the
    'node' arrives after the first poll (the cluster's resource count is read through `_slots`)."""
    bootstrap(AWS_CONFIG)
    requests, lines, polls = [], [], iter([0, 0, 1])
    monkeypatch.setattr(devices, "_slots", lambda resource, amount: next(polls))
    monkeypatch.setattr("ray.autoscaler.sdk.request_resources", lambda bundles: requests.append(bundles))
    require_on_cluster("GPU", 0.25, "--gpus-per-worker 0.25", progress=lines.append, poll_s=0.01)
    assert requests == [[{"GPU": 0.25}], []]
    assert lines == ["waiting for the autoscaler to add a node with GPU (gpu_worker) for --gpus-per-worker 0.25"]
