"""Which settings a resumed search takes and which it refuses.

A resume continues the run's own search: settings that change what is proposed or scored (`REFUSED`) must equal
the run's; settings of where and how fast it runs (`TAKEN`) come from the new config; the budget may grow, not
shrink. The run's round size is kept (in the run file), so other workers only spread the rounds differently.
Settings are named as dotted paths into `SearchConfig` (``"seed"``, ``"score.dataset"``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from snasray.cells import load_space
from snasray.errors import ResumeMismatch, UserError

REFUSED = (
    "space",
    "searcher",
    "searcher_options",
    "seed",
    "score.dataset",
    "score.preset",
    "score.batch_size",
    "score.repeat",
    "score.timesteps",
    "score.table",
    "score.layout",
    "score.gram",
    "score.binning",
    "score.downsample",
    "score.proxy",
    "score.proxies",
)
TAKEN = (
    "budget",
    "workers",
    "cells_per_trial",
    "cpus_per_worker",
    "gpus_per_worker",
    "max_failures",
    "score.device",
    "score.data_dir",
    "score.download",
)


def setting(config, name: str) -> object:
    """The value of a dotted setting of a `SearchConfig`."""
    head, _, tail = name.partition(".")
    value = getattr(config, head)
    return getattr(value, tail) if tail else value


def setting_differs(stored, name: str, value: object) -> bool:
    """Whether `value` for the refused setting `name` changes what the run `stored` proposes or scores. Timesteps
    compare as the model they give (None is the preset's own), tables as the files they name. Raises ValueError
    for timesteps out of range."""
    if name == "score.timesteps":
        return replace(stored.score, timesteps=value).model_config() != stored.score.model_config()
    if name == "score.table":
        return value != stored.score.table and _table_file(value) != _table_file(stored.score.table)
    return value != setting(stored, name)


def _table_file(name: str | None) -> Path | None:
    from snasray.score.table import table_path

    try:
        return table_path(name).resolve() if name else None
    except ValueError:
        return None


def resume_config(stored, config, run_dir: str | Path):
    """The settings a resume of the run `stored` (its `SearchConfig`, from `run_dir`) runs with, given `config`:
    the run's own, with `TAKEN` settings from `config`.

    Raises ResumeMismatch naming every refused setting that differs, and a budget below the run's."""
    changes = {
        name: (setting(stored, name), setting(config, name))
        for name in REFUSED
        if setting_differs(stored, name, setting(config, name))
    }
    if config.budget < stored.budget:
        changes["budget"] = (stored.budget, config.budget)
    if changes:
        raise ResumeMismatch(run_dir, changes)
    score = replace(stored.score, **{n[6:]: setting(config, n) for n in TAKEN if n.startswith("score.")})
    return replace(stored, score=score, **{n: setting(config, n) for n in TAKEN if "." not in n})


def check_space_ops(config, run_dir: str | Path) -> None:
    """Refuse, with a UserError naming the changes, a resume whose space file now defines other ops than the run
    `config` (its `SearchConfig`) was scored with."""
    space = load_space(config.space)
    before, now = config.score.op_table, space.op_table
    if before == now:
        return
    changes = [
        f"op {a.name}: {field} {getattr(a, field)} -> {getattr(b, field)}"
        for a, b in zip(before, now, strict=False)
        for field in ("name", "kind", "kernel", "threshold", "tau")
        if getattr(a, field) != getattr(b, field)
    ]
    if len(before) != len(now):
        changes.append(f"{len(before)} ops -> {len(now)}")
    raise UserError(
        f"run {run_dir} cannot be resumed: the ops of space {space.name} changed since the run began"
        f" ({'; '.join(changes[:4])}); restore the space file, or start a new run"
    )


def space_location(space: str) -> str:
    """A space file's absolute path (a resume may run from another folder); a built-in space's name as it is."""
    try:
        path = Path(space)
        return str(path.resolve()) if path.suffix in (".yaml", ".yml") or path.exists() else space
    except (OSError, ValueError):
        return space
