"""Errors a user can cause. Each states the fact (which run, which value, why) and carries it as attributes;
the CLI turns them into one line that names its own flags, and exit code 2."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class UserError(Exception):
    """Bad input: a malformed cell, an unknown space, missing data, a bad path."""


class RunDirInUse(UserError):
    """Another process holds the run directory's lock (`snasray.rundir.run_lock`)."""


class RunNotFound(UserError):
    """A resume of a folder that holds no search (no run file)."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        super().__init__(f"{self.run_dir} holds no search to resume (no _run.json)")


class RunExists(UserError):
    """A new search into a folder that already holds a search with scored cells."""

    def __init__(self, run_dir: str | Path, run_id: str | None = None) -> None:
        self.run_dir, self.run_id = Path(run_dir), run_id
        which = f" (run {run_id})" if run_id else ""
        super().__init__(f"{self.run_dir} already holds a search{which}; resume it or write into another folder")


class ResumeMismatch(UserError):
    """A resume with settings the run cannot take: ones that change what is proposed or scored, or a budget below
    the run's. `changes` maps each setting (``"seed"``, ``"score.dataset"``, ``"budget"``...) to (the run's value,
    the value asked for)."""

    def __init__(self, run_dir: str | Path, changes: Mapping[str, tuple[object, object]]) -> None:
        self.run_dir, self.changes = Path(run_dir), dict(changes)
        parts = [f"{name} {old!r} -> {new!r}" for name, (old, new) in self.changes.items() if name != "budget"]
        reasons = [f"{', '.join(parts)} would change what is proposed or scored"] if parts else []
        if "budget" in self.changes:
            old, new = self.changes["budget"]
            reasons.append(f"budget {new} is below the run's budget {old} (a resume can raise it, not lower it)")
        super().__init__(f"run {self.run_dir} cannot be resumed with these settings: {'; '.join(reasons)}")


class StoreWriteFailed(UserError):
    """The store could not be written (full disk, read-only folder); the rows written before stay, and the run
    can be resumed once the cause is fixed."""

    def __init__(self, run_dir: str | Path, reason: str, rows_stored: int) -> None:
        self.run_dir, self.reason, self.rows_stored = Path(run_dir), reason, rows_stored
        super().__init__(
            f"cannot write to {self.run_dir}: {reason}; {rows_stored} row(s) were stored before it,"
            " and the run can be resumed once there is room"
        )


class InvalidCell(UserError, ValueError):
    """A cell description (a Tune config of pair states, see `snasray.param_space`) that names no valid cell of the
    space: an unknown state, or a cell that prunes to one outside the space. `reason` says which."""

    def __init__(self, reason: str, config: Mapping[str, object] | None = None) -> None:
        self.reason, self.config = reason, dict(config or {})
        super().__init__(reason)


class UnknownSpace(UserError, ValueError):
    """A search space given by a name that no built-in space has, or by something that is neither a name nor a
    path. `name` is what was given."""

    def __init__(self, name: object, message: str) -> None:
        self.name = name
        super().__init__(message)
