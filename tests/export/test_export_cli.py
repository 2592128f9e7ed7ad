"""`snasray export` on bad input: one line, exit 2, nothing written."""

import json
import subprocess
import sys

import pytest
from export_checks import FORWARD_CELL


def run_cli(*args, cwd=None):
    done = subprocess.run(
        [sys.executable, "-m", "snasray", "export", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )
    return done.returncode, done.stdout, done.stderr


def test_json_summary(trained, tmp_path, capsys):
    from snasray.cli import main

    out = tmp_path / "net.nir"
    assert main(["export", "--checkpoint", str(trained[FORWARD_CELL]), "--format", "nir", "--out", str(out),
                 "--json"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert summary["files"] == [str(out)] and summary["format"] == "nir"
    assert summary["key"] == FORWARD_CELL and summary["recurrent_edges"] == [] and len(summary["lif_layers"]) == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.nir"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "nir", "--out", "{tmp}/x.nir", "--checkpoint", "{tmp}/missing"], "no checkpoint at"),
        (["--format", "nir", "--out", "{tmp}/x.nir", "--checkpoint", "{corrupt}"], "corrupt checkpoint"),
        (["--format", "nir", "--out", "{tmp}/no/such/x.nir", "--checkpoint", "{good}"], "does not exist"),
        (["--format", "nir", "--out", "{tmp}", "--checkpoint", "{good}"], "is a folder"),
        (["--format", "onnx", "--out", "{tmp}/x", "--checkpoint", "{good}"], "invalid choice"),
        (["--format", "spikingjelly", "--out", "{tmp}/x.py", "--checkpoint", "{good}"], "other than .py"),
        (["--format", "nir", "--out", "{tmp}/x.nir", "--dt", "-1", "--checkpoint", "{good}"], "time step"),
        (["--format", "nir", "--out", "{tmp}/x.nir", "--dt", "1e308", "--checkpoint", "{good}"], "time step"),
        (["--format", "nir", "--out", "{tmp}/x.nir", "--dt", "1e-50", "--checkpoint", "{good}"], "time step"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(args, message, trained, tmp_path, capsys):
    from snasray.cli import main

    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "meta.json").write_text("{not json")
    (corrupt / "state.pt").write_bytes(b"garbage")
    out = tmp_path / "out"
    out.mkdir()
    names = {"tmp": out, "corrupt": corrupt, "good": trained[FORWARD_CELL]}
    assert main(["export", *(a.format(**names) for a in args)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("snasray: error: ") and message in err and err.count("\n") == 1
    assert list(out.iterdir()) == []


def test_spikingjelly_export_never_overwrites_a_users_python_file(trained, tmp_path, capsys):
    from snasray.cli import main

    users = tmp_path / "net.py"
    users.write_text("print('my own code')\n")
    argv = ["export", "--checkpoint", str(trained[FORWARD_CELL]), "--format", "spikingjelly", "--out"]
    assert main([*argv, str(tmp_path / "net.pt")]) == 2
    assert "not a runtime snasray wrote" in capsys.readouterr().err
    assert users.read_text() == "print('my own code')\n" and not (tmp_path / "net.pt").exists()


def test_missing_extra_is_one_line(trained, tmp_path):
    """With nir unimportable (as without the export extra) the export stops with one line and writes nothing."""
    code = (
        "import sys; sys.modules['nir'] = None\n"
        "from snasray.cli import main\n"
        f"sys.exit(main(['export', '--checkpoint', {str(trained[FORWARD_CELL])!r}, '--format', 'nir',"
        f" '--out', {str(tmp_path / 'x.nir')!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.startswith("snasray: error: the export needs the package 'nir'")
    assert done.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_relu_baseline_is_refused():
    from snasray.cells import Cell
    from snasray.errors import UserError
    from snasray.export import to_nir
    from snasray.model import model_preset
    from snasray.train.network import build_snasnet

    network = build_snasnet(Cell.parse(FORWARD_CELL), model_preset("tiny"), 1, 8, 10, neuron="relu")
    with pytest.raises(UserError, match="LIF"):
        to_nir(network)
