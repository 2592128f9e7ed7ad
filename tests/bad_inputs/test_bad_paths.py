"""Missing paths, folders for files, files for folders, and files that hold something else."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from snasray.cells import Cell
from snasray.data import dataset_spec
from snasray.model import model_preset
from snasray.train.checkpoint import FORMAT, META_FILE, STATE_FILE, checkpoint_meta, save_checkpoint
from snasray.train.network import build_snasnet

BAD = settings.get_profile("bad_inputs")
CELL = "0303 0030 2002 0200"


def missing(folder: Path) -> None:
    pass


def a_folder(folder: Path) -> None:
    (folder / "x").mkdir()
    (folder / "x" / "notes.txt").write_text("not a run\n")


def a_text_file(folder: Path) -> None:
    (folder / "x").write_text("hello\n")


def an_empty_file(folder: Path) -> None:
    (folder / "x").write_bytes(b"")


def a_torch_file(folder: Path) -> None:
    torch.save({"weights": torch.zeros(3), "note": "not a checkpoint"}, folder / "x")


PATHS = {"missing": missing, "folder": a_folder, "text": a_text_file, "empty": an_empty_file, "torch": a_torch_file}
COMMANDS = {
    "evaluate": ["evaluate", "--checkpoint", "x"],
    "export": ["export", "--checkpoint", "x", "--format", "nir", "--out", "net.nir"],
    "report": ["report", "x"],
    "train-run": ["train", "--run", "x", "--top-k", "1"],
    "resume": ["search", "--resume", "x"],
    "score-table": ["score", "--cell", CELL, "--table", "x"],
    "search-table": ["search", "--table", "x", "--dataset", "digits", "--budget", "2", "--out", "run"],
    "space": ["space", "count", "--space", "x"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("path", sorted(PATHS))
def test_wrong_path_is_refused(refused, command, path):
    refused(COMMANDS[command], PATHS[path])


def test_report_into_a_file_is_refused(refused):
    refused(["report", "x", "--out", "notes.txt"], lambda f: (a_folder(f), (f / "notes.txt").write_text("mine\n")))


def tables(frame: pd.DataFrame):
    def setup(folder: Path) -> None:
        frame.to_parquet(folder / "x")

    return setup


@pytest.mark.parametrize("command", ["score-table", "search-table"])
@pytest.mark.parametrize(
    "frame",
    [pd.DataFrame({"key": [CELL]}), pd.DataFrame({"score": [1.0]}), pd.DataFrame({"cell": [CELL], "value": [1.0]})],
    ids=["no-score", "no-key", "neither"],
)
def test_table_without_its_columns_is_refused(refused, command, frame):
    refused(COMMANDS[command], tables(frame))


@pytest.mark.parametrize("command", ["score-table", "search-table"])
def test_unknown_table_name_is_refused(refused, command):
    refused(
        [*COMMANDS[command][:-1], "no-such-table"]
        if command == "score-table"
        else ["search", "--table", "no-such-table", "--dataset", "digits", "--budget", "2", "--out", "run"]
    )


def _checkpoint_parts() -> tuple[dict, dict]:
    cell, spec, model = Cell.parse(CELL), dataset_spec("digits"), model_preset("tiny")
    network = build_snasnet(cell, model, spec.in_channels, spec.image_size, spec.num_classes)
    return {"model": network.state_dict()}, {"format": FORMAT, **checkpoint_meta(cell, model, spec, {}, epoch=1)}


STATE, META = _checkpoint_parts()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def spoiled_meta(draw) -> dict:
    meta = dict(META)
    network_keys = ["cell", "key", "model_config", "dataset", "in_channels", "image_size", "num_classes"]
    for key in draw(st.lists(st.sampled_from(network_keys), min_size=1, max_size=3, unique=True)):
        if draw(st.booleans()):
            del meta[key]
        else:
            meta[key] = draw(json_values.filter(lambda v, old=META[key]: v != old))
    return meta


other_states = st.one_of(
    st.just({}),
    st.just({"model": 5}),
    st.just({"model": {"weight": torch.zeros(2)}}),
    st.just([1, 2, 3]),
    st.just(torch.zeros(4)),
    st.just({"optimizer": STATE["model"]}),
)


def checkpoint(meta: dict | str | None, state: object) -> callable:
    def setup(folder: Path) -> None:
        save_checkpoint(folder / "ck", STATE, META)
        if isinstance(meta, dict):
            (folder / "ck" / META_FILE).write_text(json.dumps(meta))
        elif isinstance(meta, str):
            (folder / "ck" / META_FILE).write_text(meta)
        if isinstance(state, bytes):
            (folder / "ck" / STATE_FILE).write_bytes(state)
        elif state is not None:
            torch.save(state, folder / "ck" / STATE_FILE)

    return setup


@settings(BAD, max_examples=40)
@given(meta=spoiled_meta())
def test_checkpoint_with_other_meta_is_refused(refused, meta):
    refused(["evaluate", "--checkpoint", "ck"], checkpoint(meta, None))


@settings(BAD, max_examples=20)
@given(meta=json_values.map(json.dumps) | st.text(max_size=30))
def test_checkpoint_with_meta_of_other_json_is_refused(refused, meta):
    refused(["evaluate", "--checkpoint", "ck"], checkpoint(meta, None))


@settings(BAD, max_examples=12)
@given(state=other_states)
def test_checkpoint_with_other_state_is_refused(refused, state):
    refused(["evaluate", "--checkpoint", "ck"], checkpoint(None, state))


@settings(BAD, max_examples=12)
@given(state=st.binary(max_size=64) | st.text(max_size=30).map(str.encode))
def test_checkpoint_whose_state_is_not_a_torch_file_is_refused(refused, state):
    refused(["evaluate", "--checkpoint", "ck"], checkpoint(None, state))


@pytest.mark.parametrize("setting", ["timesteps", "width", "hidden", "population", "second_avgpool"])
def test_checkpoint_asking_for_a_network_too_large_to_build_is_refused(refused, setting):
    meta = {**META, "model_config": {**META["model_config"], setting: 10**9}}
    refused(["evaluate", "--checkpoint", "ck"], checkpoint(meta, None))
