"""A few cases through a real process: the exit code and stderr the shell sees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "argv",
    [
        ["space", "show", "[" * 50_000],
        ["space", "sample", "--space", "snasnet-backward", "-n", str(10**22)],
        ["space", "sample", "--space", "snasnet-backward", "--seed", "-1"],
        ["score", "--cell", "0303 0030 2002 0200", "--seed", "-3", "--dataset", "digits"],
        ["train", "--cell", "0303 0030 2002 0200", "--lr", "nan", "--dataset", "digits"],
    ],
    ids=["nested-cell", "huge-n", "negative-seed-sample", "negative-seed-score", "nan-lr"],
)
def test_real_process_exits_2_with_one_line(tmp_path, argv):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "snasray", *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr[-500:]
    assert done.stderr.startswith("snasray: error: ") and done.stderr.count("\n") == 1, done.stderr[-500:]
    assert len(done.stderr) < 400 and done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_alias_bomb_space_file_exits_2_with_a_short_line(tmp_path):
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 9)}]" for k in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join([*levels, "nodes: *a8"]) + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "snasray", "space", "count", "--space", "bomb.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and len(done.stderr) < 400, done.stderr[:300]
