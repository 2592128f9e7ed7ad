"""The README's first command on a fresh clone: a search on the default data set, with nothing beside the clone.

The clone is of the checkout's HEAD commit (uncommitted changes are not in it), in an empty temporary folder, and
runs with this interpreter and PYTHONPATH pointing at the clone, the way `make search` runs the installed package.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of the project")
    head = _git("rev-parse", "HEAD", cwd=ROOT)
    folder = tmp_path_factory.mktemp("fresh")
    _git("clone", "--quiet", "--no-checkout", str(ROOT), "snasray", cwd=folder)
    target = folder / "snasray"
    _git("checkout", "--quiet", "--detach", head, cwd=target)
    assert sorted(p.name for p in folder.iterdir()) == ["snasray"]  # no ../shared beside the clone
    return target


def _snasray(clone: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(clone)}
    env.pop("SNASRAY_CIFAR10_SUBSET", None)
    return subprocess.run(
        [sys.executable, *args], cwd=clone, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_the_clone_imports_its_own_package(clone):
    found = _snasray(clone, "-c", "import snasray.data.offline as o; print(o.SAMPLE_PATH)")
    assert found.returncode == 0, found.stderr
    sample = Path(found.stdout.strip())
    assert sample.is_relative_to(clone.resolve()) and sample.is_file()


def test_a_search_runs_end_to_end_on_the_default_data(clone):
    argv = "-m snasray search --space snasnet-backward --searcher evolution --budget 4 --seed 0"
    argv += " --preset tiny --workers 1 --out runs/quickstart"
    done = _snasray(clone, *argv.split())
    assert done.returncode == 0, done.stderr[-3000:]
    rows = pd.read_parquet(clone / "runs" / "quickstart")
    assert len(rows) == 4 and rows["key"].is_unique
    assert (rows["status"] == "ok").all() and rows["score"].notna().all()
    assert (rows["dataset"] == "cifar10-sample").all()
