"""The README's Python API and Tune examples, run exactly as written (so the README cannot drift)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def example(name: str) -> str:
    """The python block that follows the README's `<!-- example: NAME ... -->` marker."""
    found = re.search(rf"<!-- example: {name}\b[^>]*-->\n```python\n(.*?)```", README.read_text(), re.S)
    assert found, f"README.md has no example {name!r}"
    return found.group(1)


def run(code: str, folder: Path, monkeypatch) -> dict:
    monkeypatch.chdir(folder)
    scope: dict = {"__name__": "readme_example"}
    exec(compile(code, str(README), "exec"), scope)
    return scope


def test_python_api_example(ray_local, tmp_path, monkeypatch, capsys):
    scope = run(example("python-api"), tmp_path, monkeypatch)
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == "8 2" and shown[1] == "{'seed': (0, 1)}"
    assert scope["outcome"].evaluations == 6 and scope["more"].finished
    assert scope["result"].key == scope["cell"].canonical_key()
    assert 0.0 <= scope["trained"].test_acc <= 1.0
    assert scope["report"].markdown.is_file() and (tmp_path / "runs/api-demo/_report").is_dir()


def test_tune_example(ray_local, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", raising=False)  # a user's Tune writes its results
    scope = run(example("tune"), tmp_path, monkeypatch)
    frame = scope["frame"]
    assert len(frame) == 4 and frame["key"].str.fullmatch(r"(\d{4} ){3}\d{4}").all()
    assert {"score", "firing_rate", "synops", "config/p01", "config/space"} <= set(frame.columns)
    assert frame["score"].notna().any()
    assert capsys.readouterr().out.splitlines()[-1] == "True"


def test_proxies_example(tmp_path, monkeypatch, capsys):
    scope = run(example("proxies"), tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    assert "hd" in printed and "synflow" in printed and scope["result"].proxy == "hd"
    assert {"sahd", "params", "synflow"} <= set(scope["result"].proxies)


@pytest.mark.parametrize("name", ["python-api", "tune", "proxies"])
def test_examples_are_marked_and_compile(name):
    compile(example(name), name, "exec")
