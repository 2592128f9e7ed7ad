"""Ctrl-C during `snasray train` (fifo): one line, exit 130, the epochs done kept for --resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from snasray.train import read_training

ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_c_during_a_training_is_one_line_and_exit_130(tmp_path):
    out = tmp_path / "train"
    argv = ["train", "--cell", "0303 0030 2002 0200", "--dataset", "digits", "--preset", "tiny"]
    argv += ["--recipe", "short", "--epochs", "40", "--train-images", "256", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "snasray", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's foreground job
    )
    lines = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "epoch   2/40" in line or not line:
            break
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, "".join(lines) + stdout + stderr
    assert stderr.strip().splitlines()[-1] == "snasray: interrupted"
    assert "Traceback" not in stderr
    rows = read_training(out, latest=False)
    assert (rows["kind"] == "epoch").sum() >= 2 and not (rows["kind"] == "final").any()
