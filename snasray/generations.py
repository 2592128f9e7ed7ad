"""Where a run's score parts live, and compaction: many parts merged into one file, switched in by one rename.

Layout of a run directory (names starting with "_" or "." are skipped by pyarrow, so ``pandas.read_parquet(RUN)``
reads exactly the parts of the current generation)::

    RUN/scores -> _store/gen-000002     symlink: the current generation, the only store entry pyarrow sees
    RUN/_store/gen-000002/scores-*.parquet
    RUN/_store/gen-000002/_absorbed.json  names of root parts (older layout) merged into this generation
    RUN/_store/gen-000001/...           a retired generation, removed by the next compaction
    RUN/scores-*.parquet                parts of runs written before generations existed (read until compacted)

A search appends parts to the current generation. `compact_locked` merges every part into one file of a new
generation and then switches the link with ``os.replace`` (one atomic rename over the old link). What a reader
that runs during a compaction sees:

- The package's readers (`read_score_parts`: `ScoreStore.read`, ``snasray.analysis.load_runs``) resolve the
  link once and read the generation's folder by its own path, so they read the old parts or the merged file,
  never both or neither. A retired generation stays on disk until the next compaction, so a read that resolved
  it finishes; should two compactions pass during one read, it lists again.
- ``pandas.read_parquet(RUN)`` lists ``RUN/scores/`` and opens the files later through the link. It reads
  either generation whole. The one window: a read that listed the old parts before the rename and opens one
  after it raises FileNotFoundError (never partial or doubled rows); reading again reads the merged file.
- A run of the older layout (parts in RUN itself) is migrated by its first compaction: between the rename and
  the removal of the root parts, plain pandas sees both (the package's readers skip the root parts the new
  generation lists in ``_absorbed.json``).
- A run copied by a tool that follows links (``shutil.copytree``, ``cp -rL``) has a folder ``scores``; its first
  compaction moves it to ``_store/gen-000000`` and links it: between the two, plain pandas sees no parts.

Crash safety: every step before the rename writes only under names pyarrow skips or into a generation that is
not current (a run of the older layout gets an empty linked generation first, so a link always exists before a
merged generation does); after it, the merged file is complete. The next compaction (at the end of the next search, or
``snasray compact``) removes what a killed one left: unused generations, the link it was making, absorbed root
parts.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyarrow as pa

from snasray.parts import read_files, write_table

SCORES_LINK = "scores"
GENERATIONS_DIR = "_store"
ABSORBED_FILE = "_absorbed.json"
PREFIX = "scores"
_NEW_LINK = ".scores.new"
_GENERATION = "gen-{:06d}"
READ_TRIES = 5
T = TypeVar("T")
_ADOPTED = _GENERATION.format(0)  # a copied run's "scores" folder, moved here to be linked


def _link(run_dir: Path) -> Path:
    return run_dir / SCORES_LINK


def current_generation(run_dir: str | Path) -> Path | None:
    """The folder of the current generation (its own path, not through the link), or None before the first part.
    A run copied by a tool that follows links has a folder ``scores`` instead: that folder (or, once moved to be
    linked, `_ADOPTED`)."""
    link = _link(Path(run_dir))
    if link.is_symlink():
        return link.parent / os.readlink(link)
    if link.is_dir():
        return link
    adopted = link.parent / GENERATIONS_DIR / _ADOPTED
    return adopted if adopted.is_dir() else None


def part_directory(run_dir: str | Path) -> Path:
    """The folder that new score parts go to: the current generation, made (with its link) if there is none."""
    run_dir = Path(run_dir)
    generation = current_generation(run_dir)
    if generation is None:  # a new name: a folder a killed compaction left is not adopted
        generation = _next_generation(run_dir)
        generation.mkdir(parents=True, exist_ok=True)
        _switch_link(run_dir, generation)
    return generation


def _next_generation(run_dir: Path) -> Path:
    root = run_dir / GENERATIONS_DIR
    numbers = [_number(p) for p in root.glob("gen-*")] if root.is_dir() else []
    return root / _GENERATION.format(max(numbers, default=0) + 1)


def score_part_files(run_dir: str | Path) -> list[Path]:
    """Every score part of the run, oldest first (part names start with their time): those of the current
    generation and root parts of the older layout that the generation has not absorbed."""
    run_dir = Path(run_dir)
    legacy = [f for f in run_dir.glob(f"{PREFIX}-*.parquet") if f.is_file()]  # listed before the link is read
    generation = current_generation(run_dir)
    files = sorted(generation.glob(f"{PREFIX}-*.parquet")) if generation and generation.is_dir() else []
    absorbed = _absorbed(generation) if generation else set()
    return sorted([f for f in legacy if f.name not in absorbed] + files, key=lambda f: f.name)


def read_score_parts(run_dir: str | Path, read: Callable[[list[Path]], T]) -> T:
    """``read(score_part_files(run_dir))``, listed and read again when a part vanished meanwhile (a compaction
    retired its generation and a later one removed it). Raises FileNotFoundError after `READ_TRIES` such reads."""
    for _ in range(READ_TRIES - 1):
        try:
            return read(score_part_files(run_dir))
        except FileNotFoundError:
            continue
    return read(score_part_files(run_dir))


def _absorbed(generation: Path) -> set[str]:
    path = generation / ABSORBED_FILE
    return set(json.loads(path.read_text())) if path.is_file() else set()


@dataclass(frozen=True)
class Compaction:
    """What a compaction did: parts read, rows written into `generation` (None when there was nothing to do)."""

    parts: int
    rows: int
    generation: Path | None


def compact_locked(run_dir: str | Path, schema: pa.Schema, on_step: Callable[[str], None] | None = None) -> Compaction:
    """Merge every score part of `run_dir` into one Parquet file under `schema` (columns an older part lacks
    read as null), in a new generation that the ``scores`` link is switched to. The caller holds the run's
    lock (`snasray.rundir.run_lock`). `on_step`, if given, is called after each step with its name:
    "adopted" (a copied run only), "cleaned", "written", "linked", "switched", "absorbed", "retired".

    Raises ValueError, one line naming the file, for an unreadable part; nothing is changed then.
    """
    run_dir = Path(run_dir)
    step = on_step or (lambda name: None)
    current = _adopt_copied_folder(run_dir, step)
    _remove_leftovers(run_dir, current)
    step("cleaned")
    files = score_part_files(run_dir)
    legacy = [f.name for f in files if f.parent == run_dir]
    if len(files) <= 1 and not legacy:
        return Compaction(len(files), 0, None)
    if current is None:  # the older layout: an empty generation is linked first, so a link exists from here on
        current = part_directory(run_dir)
    table = read_files(files, schema)
    generation = _next_generation(run_dir)
    generation.mkdir(parents=True)
    write_table(generation, table, PREFIX)
    if legacy:
        _write_durably(generation / ABSORBED_FILE, json.dumps(sorted(legacy)))
    _fsync_dir(generation)
    step("written")
    _switch_link(run_dir, generation, step)
    step("switched")
    for name in legacy:
        (run_dir / name).unlink(missing_ok=True)
    step("absorbed")
    _remove_leftovers(run_dir, generation, keep=current)
    step("retired")
    return Compaction(len(files), table.num_rows, generation)


def _number(generation: Path | None) -> int:
    return int(generation.name.removeprefix("gen-")) if generation else 0


def _adopt_copied_folder(run_dir: Path, step: Callable[[str], None]) -> Path | None:
    """The current generation; a copied run's ``scores`` folder is first moved to `_ADOPTED` and linked. Between
    the move and the link plain pandas sees no parts (`current_generation` still finds them): compact a copy
    before reading it concurrently."""
    link = _link(run_dir)
    if link.is_symlink() or not link.is_dir():
        return current_generation(run_dir)
    root = run_dir / GENERATIONS_DIR
    shutil.rmtree(root, ignore_errors=True)  # copies of generations: the current one is the "scores" folder
    root.mkdir()
    adopted = root / _ADOPTED
    os.rename(link, adopted)
    step("adopted")
    _switch_link(run_dir, adopted)
    return adopted


def _switch_link(run_dir: Path, generation: Path, step: Callable[[str], None] = lambda name: None) -> None:
    """Point RUN/scores at `generation` with one rename over the old link."""
    new_link = run_dir / _NEW_LINK
    new_link.unlink(missing_ok=True)
    os.symlink(generation.relative_to(run_dir), new_link)
    step("linked")
    os.replace(new_link, _link(run_dir))
    _fsync_dir(run_dir)


def _remove_leftovers(run_dir: Path, current: Path | None, keep: Path | None = None) -> None:
    """Remove generations other than `current` (and `keep`), a half-made link, and root parts `current` absorbed.
    A retired generation is kept (`keep`) until the next compaction, for readers that resolved it."""
    (run_dir / _NEW_LINK).unlink(missing_ok=True)
    if current is None:
        return  # no generation is current yet: nothing is known to be a leftover
    root = run_dir / GENERATIONS_DIR
    for folder in root.iterdir() if root.is_dir() else []:
        if folder not in (current, keep):
            shutil.rmtree(folder, ignore_errors=True)
    for name in _absorbed(current):
        (run_dir / name).unlink(missing_ok=True)


def _write_durably(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
