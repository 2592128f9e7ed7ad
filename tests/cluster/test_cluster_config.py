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


def shell_commands(config: dict) -> list[str]:
    keys = ("initialization_commands", "setup_commands", "head_setup_commands", "worker_setup_commands")
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
    assert config["file_mounts"] == {"~/snasray": "."}
    commands = "\n".join(shell_commands(config))
    assert "pip install -q -e ~/snasray" in commands
    assert f'"ray[default]=={ray.__version__}"' in commands, "the cluster must run the Ray that launches it"
    torch_pin = re.search(r"torch==\S+ torchvision==\S+", (ROOT / "Makefile").read_text())
    assert torch_pin and torch_pin.group(0) in commands, "torch pins differ from the Makefile's"


@pytest.mark.parametrize("path", [AWS_CONFIG, LOCAL_CONFIG], ids=lambda p: p.name)
def test_setup_commands_are_valid_shell(path):
    for command in shell_commands(load(path)):
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
