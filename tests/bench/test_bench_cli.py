"""`snasray bench spikenas` end to end on a small checkout, and its refusals."""

import subprocess
import sys

import pandas as pd
import pytest

from snasray.search.store import proxy_columns


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snasray", "bench", "spikenas", *args], capture_output=True, text=True, timeout=600
    )


def test_a_partial_sweep_scores_writes_a_report_and_resumes(small_checkout, tmp_path):
    run = tmp_path / "run"
    common = [
        "--data",
        str(small_checkout),
        "--out",
        str(run),
        "--dataset",
        "digits",
        "--preset",
        "tiny",
        "--batch-size",
        "16",
        "--bootstrap",
        "20",
    ]
    first = bench(*common, "--budget", "6")
    assert first.returncode == 0, first.stderr
    assert "6 of 8,765 keys scored" in first.stdout and "report:" in first.stdout
    rows = pd.read_parquet(run)
    assert len(rows) == 6 and set(rows["proxy"]) == {"sahd"}
    assert {"sahd", "hd", "sahd-spikenas", "params", "synops", "firing_rate"} <= set(proxy_columns(rows).columns)
    report = (run / "_bench-cifar10" / "report.md").read_text()
    assert "Kendall tau and Spearman rho" in report and "Search on the table: skipped" in report
    assert (run / "_bench-cifar10" / "scatter.png").stat().st_size > 1000
    again = bench(*common, "--budget", "6")
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "resume" in again.stderr
    more = bench("--data", str(small_checkout), "--out", str(run), "--budget", "9", "--resume")  # its own settings
    assert more.returncode == 0, more.stderr
    assert len(pd.read_parquet(run)) == 9 and "9 of 8,765 keys scored" in more.stdout
    other = bench("--data", str(small_checkout), "--out", str(run), "--resume", "--preset", "small")
    assert other.returncode == 2 and "score.preset 'tiny' -> 'small'" in other.stderr


def test_ctrl_c_stops_the_sweep_with_a_resume_hint_and_no_report(small_checkout, tmp_path):
    import signal
    import time

    run = tmp_path / "run"
    args = [
        "--data",
        str(small_checkout),
        "--out",
        str(run),
        "--dataset",
        "digits",
        "--preset",
        "tiny",
        "--batch-size",
        "16",
        "--budget",
        "400",
        "--workers",
        "1",
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "snasray", "bench", "spikenas", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 240
    while time.time() < deadline and not list(run.glob("_store/*/scores-*.parquet")):
        time.sleep(1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=240)
    assert process.returncode == 130, err
    assert "--resume" in out + err and not (run / "_bench-cifar10").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "{tmp}/none"], "is not a SpikeNAS-Bench checkout"),
        (["--set", "mnist"], "unknown SpikeNAS-Bench data set 'mnist'"),
        (["--proxy", "nope"], "unknown proxy 'nope'"),
        (["--search-proxy", "nope"], "unknown proxy 'nope'"),
        (["--budget", "0"], "--budget must be"),
        (["--bootstrap", "-1"], "--bootstrap must be"),
        (["--bootstrap", "1"], "--bootstrap must be 0 (no intervals) or at least 20"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(small_checkout, tmp_path, args, message):
    given = ["--data", str(small_checkout), "--out", str(tmp_path / "run")]
    given += [a.format(tmp=tmp_path) for a in args]
    done = bench(*given)
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "run").exists()
