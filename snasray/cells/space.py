"""Search spaces as data: one small YAML file each, found by name or path."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from snasray.cells.cell import Cell
from snasray.cells.ops import OPS, Op, op_by_name, op_table_from_spec
from snasray.errors import UnknownSpace
from snasray.limits import MAX_SPACE_BYTES, MAX_YAML_DEPTH, shown

EDGE_MODES = ("forward", "forward-or-backward")
_BUILTIN = resources.files("snasray") / "search_spaces"
MAX_NAME_CHARS = 100
_FIELDS = {"name", "description", "nodes", "ops", "edges", "max_backward_edges", "require_input_output_edge"}


@dataclass(frozen=True)
class SearchSpace:
    """A space of cells: node count, allowed op ids of its op table, edge directions and constraints.

    op_table: what the op ids mean (the built-in `OPS`, or the space file's own ops); require_input_output_edge:
    whether a cell needs a direct input -> output edge after pruning (SNASNet's rule). Without it, a cell with
    no path from input to output belongs to the space and scores as non-finite with that reason.
    """

    name: str
    nodes: int
    ops: tuple[int, ...]  # allowed op ids, 0 (none) included
    edges: str
    max_backward_edges: int | None = None
    description: str = ""
    op_table: tuple[Op, ...] = OPS
    require_input_output_edge: bool = True

    @property
    def own_ops(self) -> bool:
        """Whether the space defines its own op table (not the built-in `OPS`)."""
        return self.op_table != OPS

    @property
    def allows_backward(self) -> bool:
        return self.edges == "forward-or-backward"

    def pairs(self) -> list[tuple[int, int]]:
        return [(i, j) for i in range(self.nodes) for j in range(i + 1, self.nodes)]

    def pair_states(self) -> list[tuple[int, int]]:
        """Every (forward op, backward op) that one node pair i < j can take."""
        live = [op for op in self.ops if op]
        states = [(0, 0)] + [(op, 0) for op in live]
        if self.allows_backward:
            states += [(0, op) for op in live]
        return states

    def violation(self, cell: Cell) -> str | None:
        """Why a cell lies outside this space, or None."""
        if cell.n_nodes != self.nodes:
            return f"space {self.name} has {self.nodes}-node cells, got {cell.n_nodes} nodes"
        bad = sorted({op for *_, op in cell.edges() if op not in self.ops})
        if bad:
            return f"op ids {bad} are not in space {self.name}"
        back = cell.backward_edges()
        if back and not self.allows_backward:
            return f"space {self.name} has no backward edges"
        if self.max_backward_edges is not None and len(back) > self.max_backward_edges:
            return f"space {self.name} allows at most {self.max_backward_edges} backward edges, got {len(back)}"
        if self.require_input_output_edge and not cell.has_input_output_edge:
            return "a cell needs a direct input -> output edge (C[0][n-1] != 0)"
        return None

    def holds(self, pruned: np.ndarray) -> np.ndarray:
        """Which pruned matrices of a stack, drawn from `pair_states`, belong to the space."""
        n = self.nodes
        ok = pruned[:, 0, n - 1] != 0 if self.require_input_output_edge else np.ones(len(pruned), dtype=bool)
        if self.max_backward_edges is not None:
            lower = np.tril(np.ones((n, n), dtype=bool), -1)
            ok &= ((pruned > 0) & lower).sum(axis=(1, 2)) <= self.max_backward_edges
        return ok

    def check(self, cell: Cell) -> Cell:
        reason = self.violation(cell)
        if reason:
            raise ValueError(reason)
        return cell


def builtin_space_names() -> list[str]:
    """The names of the spaces shipped in the package (search_spaces/*.yaml), sorted."""
    return sorted(p.name[:-5] for p in _BUILTIN.iterdir() if p.name.endswith(".yaml"))


def load_space(name_or_path: str | Path) -> SearchSpace:
    """A built-in space by name (``snasnet-backward``) or a YAML file by path.

    Raises UnknownSpace (a UserError and ValueError) for an unknown name; ValueError for a missing or unreadable
    file, one over MAX_SPACE_BYTES,
    or a definition that `parse_space` refuses.
    """
    if not isinstance(name_or_path, str | Path):
        raise UnknownSpace(name_or_path, f"a space is a name or a .yaml path, got {type(name_or_path).__name__}")
    text_path = str(name_or_path)
    try:
        path = Path(text_path)
        is_path = path.suffix in (".yaml", ".yml") or path.exists()
    except (OSError, ValueError):  # a name too long or with a NUL byte is neither a file nor a space
        is_path = False
    if is_path:
        return parse_space(_read_space_file(path), source=shown(text_path))
    resource = _BUILTIN / f"{text_path}.yaml"
    if "/" in text_path or "\\" in text_path or not resource.is_file():
        known = ", ".join(builtin_space_names())
        raise UnknownSpace(
            text_path, f"unknown space {shown(text_path)}; built-in spaces are {known} (or give a .yaml path)"
        )
    return parse_space(resource.read_text(), source=text_path)


def _read_space_file(path: Path) -> str:
    try:
        if not path.exists():
            raise ValueError(f"space file {shown(str(path))} does not exist")
        if not path.is_file():
            raise ValueError(f"space file {shown(str(path))} is not a file")
        if path.stat().st_size > MAX_SPACE_BYTES:
            size = path.stat().st_size
            raise ValueError(
                f"space file {shown(str(path))} has {size:,} bytes; a space file is at most {MAX_SPACE_BYTES:,}"
            )
        data = path.read_bytes()
    except OSError as err:
        raise ValueError(
            f"space file {shown(str(path))} is unreadable ({err.strerror or type(err).__name__})"
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"space file {shown(str(path))} is not UTF-8 text") from None


class _Refused(Exception):
    """A YAML construct a space file may not use."""


class _SpaceLoader(yaml.SafeLoader):
    """safe_load without aliases (no alias bombs) and with nesting at most MAX_YAML_DEPTH."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the mapping's own construction refuses it
                continue
            if duplicate:
                raise _Refused(f"the key {shown(key)} appears twice in one mapping")
        return super().construct_mapping(node, deep)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _Refused("YAML aliases (*name) are not allowed in a space file")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(f"nested deeper than {MAX_YAML_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _load_yaml(text: str, source: str) -> object:
    if len(text) > MAX_SPACE_BYTES:
        raise ValueError(f"{source}: a space definition is at most {MAX_SPACE_BYTES:,} characters, got {len(text):,}")
    loader = None
    try:
        loader = _SpaceLoader(text)  # its reader refuses control characters at once
        return loader.get_single_data()
    except _Refused as err:
        raise ValueError(f"{source}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"{source}: not valid YAML ({err.__class__.__name__}{where})") from None
    finally:
        if loader is not None:
            loader.dispose()


def parse_space(text: str, source: str = "<space>") -> SearchSpace:
    """A space from the text of its YAML definition. Raises ValueError with the reason: not YAML, aliases,
    nesting or size over the limits, unknown or missing fields, values of the wrong kind or range."""
    data = _load_yaml(text, source)
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a space definition must be a YAML mapping")
    unknown = sorted(str(key) for key in set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"{source}: unknown field {shown(unknown[0])}; fields are {', '.join(sorted(_FIELDS))}")

    def need(field: str, kind: type) -> object:
        if field not in data:
            raise ValueError(f"{source}: missing field {field!r}")
        value = data[field]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"{source}: field {field!r} must be a {kind.__name__}")
        return value

    name = need("name", str)
    if not 0 < len(name) <= MAX_NAME_CHARS:
        raise ValueError(f"{source}: field 'name' must be 1..{MAX_NAME_CHARS} characters, got {shown(name)}")
    nodes = need("nodes", int)
    if not 3 <= nodes <= 6:
        raise ValueError(f"{source}: field 'nodes' must be 3..6, got {shown(nodes)}")
    if isinstance(data.get("ops"), dict):  # the space's own op table
        try:
            table = op_table_from_spec(data["ops"])
        except (ValueError, TypeError) as err:
            raise ValueError(f"{source}: field 'ops': {err}") from None
        ops = tuple(op.id for op in table)
    else:
        table = OPS
        op_names = need("ops", list)
        if len(set(map(repr, op_names))) < len(op_names):
            raise ValueError(f"{source}: field 'ops' names an op twice: {shown(op_names)}")
        try:
            ops = tuple(sorted({op_by_name(n if isinstance(n, str) else shown(n)).id for n in op_names} | {0}))
        except ValueError as err:
            raise ValueError(f"{source}: field 'ops': {err}") from None
    if len(ops) < 2:
        raise ValueError(f"{source}: field 'ops' needs at least one op besides 'none'")
    edges = need("edges", str)
    if edges not in EDGE_MODES:
        raise ValueError(f"{source}: field 'edges' must be one of {', '.join(EDGE_MODES)}, got {shown(edges)}")
    max_back = data.get("max_backward_edges")
    if max_back is not None and (not isinstance(max_back, int) or isinstance(max_back, bool) or max_back < 0):
        raise ValueError(f"{source}: field 'max_backward_edges' must be a non-negative integer or null")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"{source}: field 'description' must be a string")
    require = data.get("require_input_output_edge", True)
    if not isinstance(require, bool):
        raise ValueError(f"{source}: field 'require_input_output_edge' must be true or false")
    return SearchSpace(name, nodes, ops, edges, max_back, description.strip(), table, require)
