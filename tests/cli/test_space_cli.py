import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snasray.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_count_reproduces_paper_counts(capsys):
    code, out, _ = run(capsys, "space", "count", "--space", "snasnet-backward", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["distinct"] == 104_708 and data["raw"] == 531_441


def test_sample_is_reproducible(capsys):
    _, first, _ = run(capsys, "space", "sample", "--space", "snasnet-backward", "-n", "5", "--seed", "3")
    _, again, _ = run(capsys, "space", "sample", "--space", "snasnet-backward", "-n", "5", "--seed", "3")
    _, other, _ = run(capsys, "space", "sample", "--space", "snasnet-backward", "-n", "5", "--seed", "4")
    assert first == again != other
    assert len(first.split("\n")) == 6


def test_show_draws_edges(capsys):
    code, out, _ = run(capsys, "space", "show", "0303 0030 2002 0200")
    assert code == 0
    assert "n2 ~~conv1x1~~> in (t+1)" in out and "in --conv3x3--> out" in out
    code, out, _ = run(capsys, "space", "show", "[[0,3,0,3],[0,0,3,0],[2,0,0,2],[0,2,0,0]]", "--json")
    assert json.loads(out)["backward_edges"] == [[2, 0, 2], [3, 1, 2]]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["space", "show", "0303 0030"], "digits per row"),
        (["space", "show", "0303 0030 2002 0200", "--space", "snasnet-forward"], "no backward edges"),
        (["space", "count", "--space", "nope"], "unknown space"),
        (["space", "count", "--space", "missing.yaml"], "does not exist"),
        (["space", "sample", "--space", "snasnet-forward", "-n", "-1"], "-n must be"),
        (["space", "sample", "--space", "snasnet-forward", "-n", "x"], "invalid int"),
        (["space", "frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_user_errors_give_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_malformed_space_file_names_the_field(capsys, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nnodes: 4\nops: [skip]\nedges: diagonal\n")
    code, _, err = run(capsys, "space", "count", "--space", str(path))
    assert code == 2 and "'edges'" in err


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30))
def test_cli_fuzz_gives_only_success_or_exit_2(text):
    assert main(["space", "show", text]) in (0, 2)


def test_console_script_exit_code():
    proc = subprocess.run([sys.executable, "-m", "snasray", "space", "show", "99"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("snasray: error:") and proc.stderr.count("\n") == 1


def test_an_unknown_argument_is_one_line_without_a_doubled_prefix(capsys):
    assert main(["space", "count", "--space", "snasnet-forward", "extra"]) == 2
    assert capsys.readouterr().err == "snasray: error: unrecognized arguments: extra\n"
