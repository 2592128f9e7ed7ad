"""A training checkpoint: a folder with ``state.pt`` (weights, optimizer, schedule, RNG) and ``meta.json``.

``meta.json`` carries the cell, the model config and the data set's shape, so that a checkpoint alone
rebuilds its network (`load_network`).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from snasray.cells import Cell
from snasray.errors import UserError
from snasray.limits import shown
from snasray.model import ModelConfig
from snasray.strict_json import dumps
from snasray.train.network import build_snasnet

STATE_FILE = "state.pt"
META_FILE = "meta.json"
FORMAT = "snasray-train-checkpoint/1"


def rng_states() -> dict:
    """The RNG states of this process (torch, numpy, python), in a form torch.load(weights_only) reads."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        },
        "python": random.getstate(),
    }


def set_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    n = states["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))


def save_checkpoint(directory: str | Path, state: dict, meta: dict) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    torch.save(state, directory / STATE_FILE)
    (directory / META_FILE).write_text(dumps({"format": FORMAT, **meta}, indent=2, default=str))
    return directory


def checkpoint_meta(cell: Cell, model_config: ModelConfig, spec, train_config: dict, **extra) -> dict:
    return {
        "cell": str(cell),
        "key": cell.canonical_key(),
        "model_config": asdict(model_config),
        "dataset": spec.name,
        "in_channels": spec.in_channels,
        "image_size": spec.image_size,
        "num_classes": spec.num_classes,
        "train_config": train_config,
        **extra,
    }


def _folder(path: str | Path) -> Path:
    path = Path(path)
    if path.is_file() and path.name in (STATE_FILE, META_FILE):
        path = path.parent
    if not path.exists():
        raise UserError(f"no checkpoint at {path}")
    if not (path / META_FILE).is_file() or not (path / STATE_FILE).is_file():
        raise UserError(f"{path} is not a snasray checkpoint (it needs {STATE_FILE} and {META_FILE})")
    return path


def read_meta(path: str | Path) -> dict:
    folder = _folder(path)
    try:
        meta = json.loads((folder / META_FILE).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise UserError(f"corrupt checkpoint {folder}: {META_FILE} is unreadable ({shown(str(err))})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise UserError(f"corrupt checkpoint {folder}: {META_FILE} is not a {FORMAT} description")
    return meta


def _meta_problem(meta: dict) -> str | None:
    """What is wrong with the fields of a checkpoint's meta that rebuild its network, or None."""
    for name, kind in (("cell", str), ("key", str), ("dataset", str), ("model_config", dict)):
        if not isinstance(meta.get(name), kind):
            return f"lacks a {kind.__name__} {name!r}"
    for name in ("in_channels", "image_size", "num_classes"):
        value = meta.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"lacks a positive integer {name!r}"
    try:
        key = Cell.parse(meta["cell"]).canonical_key()
    except ValueError as err:
        return f"holds a bad cell ({err})"
    if key != meta["key"]:
        return f"names key {shown(meta['key'])}, but its cell's key is {key}"
    return None


def read_state(path: str | Path, device: torch.device | str = "cpu") -> dict:
    folder = _folder(path)
    try:
        state = torch.load(folder / STATE_FILE, map_location=device, weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch's unpickler raises many kinds (KeyError, struct.error, ...)
        reason = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
        raise UserError(f"corrupt checkpoint {folder}: {STATE_FILE} is unreadable ({reason})") from None
    if not isinstance(state, dict) or "model" not in state:
        raise UserError(f"corrupt checkpoint {folder}: {STATE_FILE} holds no model state")
    return state


def build_network(meta: dict) -> nn.Module:
    return build_snasnet(
        Cell.parse(meta["cell"]),
        ModelConfig(**meta["model_config"]),
        meta["in_channels"],
        meta["image_size"],
        meta["num_classes"],
        meta.get("neuron", "lif"),
    )


def load_network(path: str | Path, device: torch.device | str = "cpu") -> tuple[nn.Module, dict]:
    """The trained network of a checkpoint (eval mode, on `device`) and the checkpoint's meta.

    Raises UserError when the path holds no checkpoint, or one whose meta or weights are other data;
    the network is first built without memory (on the meta device) to compare its shapes with the weights.
    """
    meta = read_meta(path)
    state = read_state(path, device)
    folder = _folder(path)
    problem = _meta_problem(meta)
    if problem:
        raise UserError(f"corrupt checkpoint {folder}: {META_FILE} {problem}")
    try:
        with torch.device("meta"):
            shapes = {name: tuple(t.shape) for name, t in build_network(meta).state_dict().items()}
        weights = state["model"]
        given = {name: tuple(t.shape) for name, t in weights.items()} if isinstance(weights, dict) else None
        if given != shapes:
            raise ValueError("the weights do not fit its network")
        network = build_network(meta)
        network.load_state_dict(weights)
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError, OverflowError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise UserError(f"corrupt checkpoint {folder}: {shown(reason)}") from None
    return network.to(device).eval(), meta
