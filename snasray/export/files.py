"""Writing an export: to a temporary file beside the target, renamed into place only once complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from snasray.errors import UserError


def check_writable(path: str | Path) -> Path:
    """The output path, or UserError when it is a folder or its folder does not exist or is not writable."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"--out {path} is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise UserError(f"--out {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"--out {path}: the folder {folder} is not writable")
    return path


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it to `path` when the block succeeds, delete it otherwise."""
    path = check_writable(path)
    # the temporary name keeps the suffix: torch.export.save and load insist on ".pt2"
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent)
    os.close(handle)
    temp = Path(name)
    os.chmod(temp, 0o644)  # mkstemp's 0o600 would hide the export from other users
    try:
        yield temp
        os.replace(temp, path)
    except OSError as err:
        raise UserError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        temp.unlink(missing_ok=True)
