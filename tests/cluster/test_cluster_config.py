"""The cluster launcher configs and the `ray submit` entry points, checked offline.

`ray up` checks a config with `validate_config(prepare_config(config))` before it contacts the cloud (the
provider bootstrap that follows needs AWS credentials and network); these tests run exactly that. It is a
private Ray API: pyproject pins ray>=2.60,<2.61.
"""

from __future__ import annotations

import copy
import re
import runpy
import subprocess
from pathlib import Path

import click
import jsonschema
import pytest
import ray
import yaml
from ray.autoscaler._private.util import prepare_config, validate_config

import snasray.cli

ROOT = Path(__file__).resolve().parents[2]
AWS_CONFIG = ROOT / "ray_cluster.yaml"
LOCAL_CONFIG = ROOT / "cluster" / "local_cluster.yaml"
SUBMIT = ROOT / "cluster" / "submit.py"
COMMANDS = ["search", "train"]
LOCAL_NODE_TYPE = "local.cluster.node"  # the one node type Ray builds for a `local` provider


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def validate(config: dict) -> dict:
    """Fill Ray's provider defaults (read from files in the wheel, no network) and check the result."""
    prepared = prepare_config(config)
    validate_config(prepared)
    return prepared


def commented_local_variant() -> dict:
    """The `local` provider block that ray_cluster.yaml shows in comments, uncommented."""
    match = re.search(
        r"^# >>> local provider variant\n(.*?)^# <<< local provider variant$", AWS_CONFIG.read_text(), re.M | re.S
    )
    assert match, "ray_cluster.yaml lost its commented local provider variant"
    return yaml.safe_load(re.sub(r"^# ?", "", match.group(1), flags=re.M))


SETUP_KEYS = ("initialization_commands", "setup_commands", "head_setup_commands", "worker_setup_commands")
START_KEYS = ("head_start_ray_commands", "worker_start_ray_commands")
CPU_INDEX = "--index-url https://download.pytorch.org/whl/cpu"


def shell_commands(config: dict, keys=SETUP_KEYS) -> list[str]:
    return [cmd for key in keys for cmd in config.get(key, [])]


LOCAL_VARIANTS = {"local_cluster.yaml": lambda: load(LOCAL_CONFIG), "commented variant": commented_local_variant}


def test_aws_config_is_valid_for_ray_up():
    config = validate(load(AWS_CONFIG))
    assert config["provider"]["type"] == "aws"
    head = config["available_node_types"][config["head_node_type"]]
    assert head["max_workers"] == 0 and "GPU" not in head["resources"]
    workers = [t for name, t in config["available_node_types"].items() if name != config["head_node_type"]]
    assert any(t["resources"].get("GPU", 0) >= 1 and t["max_workers"] >= 1 for t in workers)
    assert config["max_workers"] >= max(t["max_workers"] for t in workers)


@pytest.mark.parametrize("variant", LOCAL_VARIANTS)
def test_local_provider_variants_are_valid_for_ray_up(variant):
    raw = LOCAL_VARIANTS[variant]()
    assert raw["provider"]["type"] == "local"
    assert "available_node_types" not in raw and "head_node_type" not in raw
    config = validate(raw)
    assert list(config["available_node_types"]) == [LOCAL_NODE_TYPE]
    assert config["max_workers"] == len(raw["provider"]["worker_ips"])


def test_commented_local_variant_matches_local_file():
    variant, local = commented_local_variant(), load(LOCAL_CONFIG)
    assert {key: local.get(key) for key in variant} == variant


@pytest.mark.parametrize("path", [AWS_CONFIG, LOCAL_CONFIG], ids=lambda p: p.name)
def test_nodes_get_this_checkout_and_the_pinned_stack(path):
    config = load(path)
    assert config["file_mounts"] == {"~/snasray": ".", "~/.ray/auth_token": "~/.ray/auth_token"}
    commands = "\n".join(shell_commands(config))
    assert "pip install -q -e ~/snasray" in commands
    assert f'"ray[default]=={ray.__version__}"' in commands, "the cluster must run the Ray that launches it"
    torch_pin = re.search(r"torch==\S+ torchvision==\S+", (ROOT / "Makefile").read_text())
    assert torch_pin and torch_pin.group(0) in commands, "torch pins differ from the Makefile's"


@pytest.mark.parametrize("path", [AWS_CONFIG, LOCAL_CONFIG], ids=lambda p: p.name)
def test_setup_commands_are_valid_shell(path):
    for command in shell_commands(load(path), SETUP_KEYS + START_KEYS):
        result = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True)
        assert result.returncode == 0, f"{command}\n{result.stderr}"


def test_shared_storage_must_be_chosen_before_the_first_ray_up():
    mount = load(AWS_CONFIG)["setup_commands"][0]
    assert "SHARED_FS=fs-REPLACE_ME" in mount
    # With the placeholder, the command stops before it reaches sudo or mount.
    unset = subprocess.run(["bash", "-c", mount], capture_output=True, text=True)
    assert unset.returncode == 1 and "set SHARED_FS" in unset.stderr
    s3 = subprocess.run(["bash", "-c", re.sub(r"SHARED_FS=\S+;", "SHARED_FS=none;", mount)], capture_output=True)
    assert s3.returncode == 0


def _drop_head_type(config: dict) -> None:
    config["available_node_types"].pop(config["head_node_type"])


def _add_node_types(config: dict) -> None:
    config["available_node_types"] = {"gpu": {"resources": {"GPU": 1}, "node_config": {}}}


BROKEN = {
    "unknown top-level key": (AWS_CONFIG, lambda c: c.update(gpu_nodes=2), jsonschema.ValidationError),
    "negative max_workers": (AWS_CONFIG, lambda c: c.update(max_workers=-1), jsonschema.ValidationError),
    "no provider": (AWS_CONFIG, lambda c: c.pop("provider"), KeyError),
    "GPU count as text": (
        AWS_CONFIG,
        lambda c: c["available_node_types"]["gpu_worker"]["resources"].update(GPU="1"),
        jsonschema.ValidationError,
    ),
    "min_workers above max_workers": (
        AWS_CONFIG,
        lambda c: c["available_node_types"]["gpu_worker"].update(min_workers=c["max_workers"] + 1),
        ValueError,
    ),
    "head_node_type not a node type": (AWS_CONFIG, _drop_head_type, ValueError),
    "local provider with node types": (LOCAL_CONFIG, _add_node_types, click.ClickException),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_configs_are_rejected(case):
    path, breaks, error = BROKEN[case]
    config = copy.deepcopy(load(path))
    breaks(config)
    with pytest.raises(error):
        validate(config)


@pytest.fixture
def snasray_calls(monkeypatch):
    """Replace `snasray.cli.main` by a recorder that returns 3."""
    calls: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        calls.append(argv)
        return 3

    monkeypatch.setattr(snasray.cli, "main", fake_main)
    return calls


def test_submit_script_does_nothing_on_import(snasray_calls):
    namespace = runpy.run_path(str(SUBMIT), run_name="submit_script")
    assert snasray_calls == []
    assert "build_argv" in namespace


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ["--address", "auto"]),
        (["--out", "/mnt/shared/runs/a"], ["--address", "auto", "--out", "/mnt/shared/runs/a"]),
        (["--out", "o", "--address", "ray://h:10001"], ["--out", "o", "--address", "ray://h:10001"]),
        (["--address=10.0.0.5:6379", "--out", "o"], ["--address=10.0.0.5:6379", "--out", "o"]),
    ],
)
def test_submit_script_puts_address_auto_first_unless_given(command, args, expected):
    build_argv = runpy.run_path(str(SUBMIT), run_name="submit_script")["build_argv"]
    assert build_argv([command, *args]) == [command, *expected]


@pytest.mark.parametrize("args", [[], ["--out", "o"]])
def test_submit_script_needs_a_command(args):
    build_argv = runpy.run_path(str(SUBMIT), run_name="submit_script")["build_argv"]
    with pytest.raises(SystemExit, match="usage: cluster/submit.py COMMAND"):
        build_argv(args)


@pytest.mark.parametrize("command", COMMANDS)
def test_submit_script_runs_the_command_and_exits_with_its_code(command, snasray_calls, monkeypatch):
    monkeypatch.setattr("sys.argv", [SUBMIT.name, command, "--out", "o"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(SUBMIT), run_name="__main__")
    assert exit_info.value.code == 3
    assert snasray_calls == [[command, "--address", "auto", "--out", "o"]]


@pytest.mark.parametrize("path", [AWS_CONFIG, LOCAL_CONFIG], ids=lambda p: p.name)
def test_ray_starts_with_token_authentication_and_a_loopback_dashboard(path):
    """Explicit start commands (no provider default with --dashboard-host=0.0.0.0), the token on, the venv's ray."""
    config = load(path)
    head, worker = config["head_start_ray_commands"], config["worker_start_ray_commands"]
    assert head[0] == worker[0] == "~/snasray-venv/bin/ray stop"
    (head_start,) = [c for c in head if " start " in c]
    (worker_start,) = [c for c in worker if " start " in c]
    assert "RAY_AUTH_MODE=token ~/snasray-venv/bin/ray start --head --port=6379" in head_start
    assert "--autoscaling-config=~/ray_bootstrap_config.yaml" in head_start
    assert "--dashboard-host=127.0.0.1" in head_start and "0.0.0.0" not in " ".join(head + worker)
    assert "RAY_AUTH_MODE=token ~/snasray-venv/bin/ray start --address=$RAY_HEAD_IP:6379" in worker_start
    assert "chmod 600 ~/.ray/auth_token" in config["setup_commands"]
    prepared = validate(load(path))
    assert prepared["head_start_ray_commands"] == head and prepared["worker_start_ray_commands"] == worker


@pytest.mark.parametrize("path", [AWS_CONFIG, LOCAL_CONFIG], ids=lambda p: p.name)
def test_only_the_heads_bashrc_is_edited(path):
    config = load(path)
    assert not any("bashrc" in c for c in shell_commands(config, ("setup_commands", "worker_setup_commands")))
    (line,) = [c for c in config["head_setup_commands"] if "bashrc" in c]
    assert "export RAY_AUTH_MODE=token" in line


def test_aws_cpu_head_gets_cpu_torch_and_gpu_workers_cuda_torch():
    config = load(AWS_CONFIG)
    head_torch = [c for c in config["head_setup_commands"] if "torch==" in c]
    worker_torch = [c for c in config["worker_setup_commands"] if "torch==" in c]
    assert len(head_torch) == 1 and CPU_INDEX in head_torch[0]
    assert len(worker_torch) == 1 and "--index-url" not in worker_torch[0]
    for commands in (config["head_setup_commands"], config["worker_setup_commands"]):
        order = [i for i, c in enumerate(commands) if "torch==" in c or "-e ~/snasray" in c]
        assert len(order) == 2 and "torch==" in commands[order[0]], "torch must be installed before snasray"


@pytest.mark.parametrize(("gpu", "cpu_wheels"), [(True, False), (False, True)])
def test_local_machines_get_cpu_torch_unless_a_gpu_answers(tmp_path, gpu, cpu_wheels):
    """The local provider's torch command, run with a recording stand-in for the venv's python and nvidia-smi."""
    (install,) = [c for c in load(LOCAL_CONFIG)["setup_commands"] if "torch==" in c]
    venv_bin, tools = tmp_path / "snasray-venv" / "bin", tmp_path / "tools"
    venv_bin.mkdir(parents=True)
    tools.mkdir()
    record = tmp_path / "pip-args"
    (venv_bin / "python").write_text(f'#!/bin/sh\necho "$@" >> {record}\n')
    (tools / "nvidia-smi").write_text(f"#!/bin/sh\nexit {0 if gpu else 9}\n")
    for script in (venv_bin / "python", tools / "nvidia-smi"):
        script.chmod(0o755)
    env = {"HOME": str(tmp_path), "PATH": f"{tools}:/usr/bin:/bin"}
    subprocess.run(["bash", "-c", install], env=env, check=True)
    (args,) = record.read_text().splitlines()
    assert args.startswith("-m pip install -q torch==") and (CPU_INDEX in args) == cpu_wheels


def test_single_machine_local_cluster_is_valid():
    config = copy.deepcopy(load(LOCAL_CONFIG))
    config["provider"]["worker_ips"] = []
    prepared = validate(config)
    assert prepared["max_workers"] == 0
