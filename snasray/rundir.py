"""Run directories: one writer at a time (`run_lock`), and checks of a folder before anything is written to it.

The lock is ``fcntl.flock`` on ``RUN_DIR/.snasray-lock``. The kernel releases it when the holder closes the file
or dies (SIGKILL included), so a lock left by a killed process never blocks the next command; the file itself
stays, holding the last holder's pid for the message. A process may take the lock of a folder it already holds
(a search that then trains its best cells): the lock is counted, not taken twice.

Caveat: flock is reliable between processes of one machine. On NFS it is emulated with POSIX locks (Linux >= 2.6.12)
and works only where the server supports locking; two machines writing one run directory over a network file
system are not protected everywhere.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from snasray.errors import RunDirInUse, UserError

LOCK_FILE = ".snasray-lock"
RUN_FILE = "_run.json"  # a search's settings, written once its start has been checked
MAX_RUN_FILE_BYTES = 2**20
PSEUDO_FILE_SYSTEMS = (Path("/proc"), Path("/sys"))
_SHOWN_ENTRIES = 5

_held: dict[Path, tuple[int, int]] = {}  # resolved run dir -> (fd, depth) held by this process
_guard = threading.Lock()


def read_run_json(run_dir: str | Path) -> dict:
    """The run file of `run_dir`, parsed: a JSON object with a string ``run_id`` and a ``config`` object that holds
    a ``score`` object. Reads no torch or Ray, so the analysis loaders share it with the search.

    Raises FileNotFoundError when there is no run file, and ValueError (one line: "PATH is damaged (REASON); it
    is not a run file snasray wrote") for one over MAX_RUN_FILE_BYTES, not UTF-8 text, not JSON, or of another shape.
    """
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        if path.stat().st_size > MAX_RUN_FILE_BYTES:
            raise ValueError(f"larger than {MAX_RUN_FILE_BYTES:,} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("run_id"), str):
            raise ValueError("no run_id")
        if not isinstance(data.get("config"), dict) or not isinstance(data["config"].get("score"), dict):
            raise ValueError("no search settings")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is damaged (not text); it is not a run file snasray wrote") from None
    except (OSError, ValueError) as err:
        raise ValueError(damaged_run_file(path, err)) from None
    return data


def damaged_run_file(path: Path, err: Exception) -> str:
    reason = (str(err).splitlines() or [type(err).__name__])[0][:160]
    return f"{path} is damaged ({reason}); it is not a run file snasray wrote"


def io_error(action: str, path: Path, err: OSError) -> UserError:
    """One line for an I/O error a user can fix (full disk, read-only file system, permissions)."""
    reason = err.strerror or type(err).__name__
    return UserError(f"cannot {action} {path}: {reason}")


@contextmanager
def run_lock(run_dir: str | Path) -> Iterator[Path]:
    """Hold the lock of `run_dir` (created if missing) for the ``with`` block; yields the resolved folder. A folder
    this call created and left holding nothing but the lock (a start that failed before writing) is removed.

    Raises RunDirInUse (a UserError: one line, exit 2) at once when another process holds it, and UserError
    when the folder or the lock file cannot be created. Released on any exit, exceptions included.
    """
    run_dir = Path(run_dir).resolve()
    created = not run_dir.exists()
    with _guard:
        if run_dir in _held:
            fd, depth = _held[run_dir]
            _held[run_dir] = (fd, depth + 1)
        else:
            _held[run_dir] = (_acquire(run_dir), 1)
    try:
        yield run_dir
    finally:
        with _guard:
            fd, depth = _held.pop(run_dir)
            if depth > 1:
                _held[run_dir] = (fd, depth - 1)
            else:
                if created:
                    remove_empty_run_dir(run_dir)  # still under the lock
                os.close(fd)  # releases the flock


def _acquire(run_dir: Path) -> int:
    path = run_dir / LOCK_FILE
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise io_error("create the run directory", run_dir, err) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise RunDirInUse(f"{run_dir} is in use by another snasray process (pid {holder})") from None
        raise io_error("lock", path, err) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # the pid is only for the message of a second writer; a full disk must not stop the lock
    return fd


def holds_only_lock(run_dir: Path) -> bool:
    """Whether the folder holds nothing but a lock file (what a start that failed early leaves)."""
    return {p.name for p in run_dir.iterdir()} <= {LOCK_FILE}


def remove_empty_run_dir(run_dir: Path) -> None:
    """Remove a folder that holds nothing but its lock file (a start that failed before writing anything)."""
    try:
        if run_dir.is_dir() and holds_only_lock(run_dir):
            (run_dir / LOCK_FILE).unlink(missing_ok=True)
            run_dir.rmdir()
    except OSError:
        pass  # best effort: such a folder is reusable anyway


def check_output_folder(path: Path, flag: str = "--out") -> None:
    """Refuse, with one line, an output folder that is a file or lies on /proc or /sys; writes nothing."""
    resolved = Path(path).resolve()
    if any(resolved == root or root in resolved.parents for root in PSEUDO_FILE_SYSTEMS):
        raise UserError(f"{flag} {path} is on a kernel file system (/proc, /sys), not a place for files")
    if resolved.exists() and not resolved.is_dir():
        raise UserError(f"{flag} {path} is a file, not a folder")


def check_new_run_dir(run_dir: Path, flag: str = "--out") -> None:
    """Refuse, with one line, a path that cannot become a run directory; writes nothing.

    A run directory is a missing or empty folder, or one that holds a run file (a run). Refused: a file, a path on
    /proc or /sys, and a folder that holds other files (the first few named). Permissions and read-only file
    systems are found when the folder is created (see `run_lock`).
    """
    path = Path(run_dir)
    check_output_folder(path, flag)
    if not path.is_dir() or (path / RUN_FILE).exists():
        return
    try:
        entries = sorted(p.name for p in path.iterdir() if p.name != LOCK_FILE)
    except OSError as err:
        raise io_error("read", path, err) from None
    if entries:
        shown = ", ".join(entries[:_SHOWN_ENTRIES])
        if len(entries) > _SHOWN_ENTRIES:
            shown += f", ... ({len(entries)} in all)"
        raise UserError(f"{flag} {path} is a folder that holds other files ({shown}); choose a new or empty folder")
