"""The refusal check shared by the bad-input suite.

Every case runs the CLI's entry function in-process, in a fresh folder that holds only the case's
input files, and asserts: exit code 2, exactly one line on stderr that starts with "snasray: error:"
and stays short, nothing on stdout, no traceback, nothing written, Ray never started.

With SNASRAY_BAD_INPUT_TALLY=FILE every case appends its outcome to FILE (one JSON line) instead of
failing, so that one run counts how many generated inputs are tried and how many are mishandled.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import ray
from hypothesis import HealthCheck, settings

from snasray.cli import main

CASE_SECONDS = 20  # a case still running after this long is a hang
MAX_LINE = 400  # characters of the one error line: long enough for two paths and a reason
TALLY = os.environ.get("SNASRAY_BAD_INPUT_TALLY")


class RayStarted(BaseException):
    """Raised in place of ray.init: a bad input must be refused before Ray starts."""


def _refuse_ray(*args, **kwargs):
    raise RayStarted("ray.init was called")


class Hang(BaseException):
    """Raised by the alarm when a case runs past CASE_SECONDS."""


def _hang(signum, frame):
    raise Hang(f"still running after {CASE_SECONDS} s")


def snapshot(folder: Path) -> dict[str, tuple]:
    return {
        str(p.relative_to(folder)): (p.is_dir(), p.is_dir() or p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def problems_of(argv: list[str], setup: Callable[[Path], None] | None = None) -> list[str]:
    """Run `snasray argv` in a fresh folder prepared by `setup`; what went wrong, if anything."""
    folder = Path(tempfile.mkdtemp(prefix="snasray-bad-"))
    home, real_init = os.getcwd(), ray.init
    out, err = io.StringIO(), io.StringIO()
    problems: list[str] = []
    if ray.is_initialized():  # left by an earlier test: a case must show that the command itself starts no Ray
        ray.shutdown()
    try:
        if setup:
            setup(folder)
        before = snapshot(folder)
        os.chdir(folder)
        ray.init = _refuse_ray
        previous = signal.signal(signal.SIGALRM, _hang)
        signal.alarm(CASE_SECONDS)
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = main(list(argv))
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - a traceback is what this suite looks for
            code = None
            problems.append(f"raised {type(exc).__name__}: {str(exc)[:120]}")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
            ray.init = real_init
            os.chdir(home)
        if code is not None and code != 2:
            problems.append(f"exit code {code}")
        text = err.getvalue()
        lines = text.splitlines()
        if code is not None and (len(lines) != 1 or not text.endswith("\n")):
            problems.append(f"{len(lines)} lines on stderr: {text[:200]!r}")
        if lines and not lines[0].startswith("snasray: error: "):
            problems.append(f"stderr does not start with 'snasray: error: ': {text[:120]!r}")
        if len(text) > MAX_LINE + 1:
            problems.append(f"error line of {len(text):,} characters")
        if "Traceback" in text:
            problems.append("traceback on stderr")
        if out.getvalue():
            problems.append(f"stdout not empty: {out.getvalue()[:120]!r}")
        after = snapshot(folder)
        if after != before:
            changed = sorted(set(after.items()) ^ set(before.items()))
            problems.append(f"wrote {changed[0][0]!r} and {len(changed) - 1} more")
        if ray.is_initialized():
            problems.append("Ray is running")
            ray.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return problems


def check_refused(argv: list[str], setup: Callable[[Path], None] | None = None) -> None:
    """Assert the refusal (or, with SNASRAY_BAD_INPUT_TALLY, record its outcome)."""
    argv = [str(a) for a in argv]
    problems = problems_of(argv, setup)
    if TALLY:
        shown = [a if len(a) <= 60 else a[:60] + "..." for a in argv]
        with open(TALLY, "a") as handle:
            handle.write(json.dumps({"argv": shown, "problems": problems}) + "\n")
        return
    assert not problems, f"snasray {' '.join(argv)[:200]}: {'; '.join(problems)}"


@pytest.fixture(scope="session")
def refused():
    """The refusal check, session-scoped so that hypothesis tests can take it."""
    return check_refused


settings.register_profile(
    "bad_inputs",
    deadline=None,
    derandomize=True,  # the same inputs on every run, so counts compare across versions
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
