"""What a user can get wrong: one line on stderr, exit code 2, before any Ray work starts."""

import json

import pytest
import torch

from snasray.cli import main
from snasray.search import ScoreStore
from snasray.train import top_cells
from snasray.train.checkpoint import META_FILE, STATE_FILE

CELL = "0303 0030 2002 0200"


def scored_run(path, scores):
    rows = [
        {"run_id": "r", "key": key, "cell": key, "seed": 0, "config_hash": "h", "score": score}
        | ({"status": "ok", "attempt": 2} if status == "retried" else {"status": status, "attempt": 1})
        for key, score, status in scores
    ]
    ScoreStore(path).append(rows)
    return path


RUN = [
    (CELL, 5.0, "ok"),
    ("0302 0030 3003 0000", 7.0, "ok"),
    ("0300 0000 0000 0000", float("-inf"), "ok"),
    ("0100 0000 0000 0000", float("nan"), "error"),
    ("0100 0000 0000 0000", 6.0, "retried"),  # the failed cell's second attempt: its current row
]


def test_top_cells_are_the_best_distinct_finite_scores_of_the_latest_attempts(tmp_path):
    top = top_cells(scored_run(tmp_path, RUN), 3)
    assert [t["key"] for t in top] == ["0302 0030 3003 0000", "0100 0000 0000 0000", CELL]
    assert [t["score"] for t in top] == [7.0, 6.0, 5.0]


def fake_checkpoint(folder, meta=None, state=b"not a torch file"):
    folder.mkdir()
    (folder / META_FILE).write_text(meta or json.dumps({"format": "snasray-train-checkpoint/1", "cell": CELL}))
    if isinstance(state, bytes):
        (folder / STATE_FILE).write_bytes(state)
    else:
        torch.save(state, folder / STATE_FILE)
    return folder


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--run", "{tmp}/nowhere", "--top-k", "1"], "no search run at"),
        (["train", "--run", "{run}", "--top-k", "4"], "--top-k 4 exceeds the 3 scored cell(s)"),
        (["train", "--run", "{run}"], "needs --top-k"),
        (["train", "--run", "{run}", "--cell", CELL], "not allowed with argument"),
        (["train", "--cell", "0303 0030", "--out", "{tmp}/out"], "digits per row"),
        (
            ["train", "--cell", CELL, "--dataset", "cifar10-subset", "--data-dir", "{tmp}/no.npz", "--out", "{tmp}/o"],
            "cifar10-subset not found",
        ),
        (["train", "--cell", CELL, "--recipe", "long"], "unknown recipe"),
        (["evaluate", "--checkpoint", "{tmp}/nothing"], "no checkpoint at"),
        (["evaluate", "--checkpoint", "{bytes}"], "corrupt checkpoint"),
        (["evaluate", "--checkpoint", "{meta}"], "corrupt checkpoint"),
        (["evaluate", "--checkpoint", "{nomodel}"], "holds no model state"),
        (["evaluate", "--checkpoint", "{tmp}"], "is not a snasray checkpoint"),
    ],
)
def test_user_errors_give_one_line_and_exit_2(tmp_path, capsys, argv, message):
    places = {
        "tmp": tmp_path,
        "run": scored_run(tmp_path / "run", RUN),
        "bytes": fake_checkpoint(tmp_path / "bytes"),
        "meta": fake_checkpoint(tmp_path / "meta", meta="{not json"),
        "nomodel": fake_checkpoint(tmp_path / "nomodel", state={"epoch": 1}),
    }
    code = main([a.format(**places) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("snasray: error: ") and err.count("\n") == 1 and message in err, err
