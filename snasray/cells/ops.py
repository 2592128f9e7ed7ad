"""Op tables: what an op id of a cell means.

The built-in table `OPS` is SNASNet's (SNASNET.md section 1). A space file may define its own table
(`op_table_from_spec`), for example SpikeNAS-Bench's spiking convolutions at three firing thresholds;
the codec stores op ids only, and the space's table gives them meaning for the model builder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from snasray.limits import shown

KINDS = ("zero", "identity", "spike_conv", "avgpool", "maxpool")
MAX_OP_ID = 9  # a cell writes each op id as one digit
MAX_OP_NAME = 40
_OP_FIELDS = {"kind", "kernel", "threshold", "tau"}  # what a space file sets
_ALL_FIELDS = {"id", "name", "description", *_OP_FIELDS}


@dataclass(frozen=True)
class Op:
    """One edge operation of a cell.

    kind: "zero" (no edge), "identity", "spike_conv" (BN(Conv(LIF(x))), padding kernel // 2, no bias),
    "avgpool" or "maxpool" (stride 1, padding kernel // 2). threshold and tau: the LIF settings of a
    spike_conv; None takes the network's (`ModelConfig.threshold`, `ModelConfig.tau`).
    """

    id: int
    name: str
    kind: str
    kernel: int = 0
    description: str = ""
    threshold: float | None = None
    tau: float | None = None

    @property
    def spiking(self) -> bool:
        """Whether the op feeds its input through a LIF neuron (a spiking convolution)."""
        return self.kind == "spike_conv"

    def neuron(self, default: dict) -> dict:
        """The LIF settings of this op: `default` (tau, threshold, alpha) with this op's own where set."""
        own = {k: v for k, v in (("threshold", self.threshold), ("tau", self.tau)) if v is not None}
        return {**default, **own}


OPS: tuple[Op, ...] = (
    Op(0, "none", "zero", 0, "no edge"),
    Op(1, "skip", "identity", 0, "x"),
    Op(2, "conv1x1", "spike_conv", 1, "BN(Conv1x1(LIF(x)))"),
    Op(3, "conv3x3", "spike_conv", 3, "BN(Conv3x3(LIF(x))), padding 1"),
    Op(4, "avgpool3x3", "avgpool", 3, "AvgPool(3, stride 1, padding 1)(x)"),
)
OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
NONE = 0


def op_by_id(op_id: int, table: tuple[Op, ...] = OPS) -> Op:
    """The op of an id in `table` (the built-in one by default). Raises ValueError for an unknown id."""
    if not isinstance(op_id, int) or not 0 <= op_id < len(table):
        raise ValueError(f"unknown op id {shown(op_id)}; known ids are 0..{len(table) - 1}")
    return table[op_id]


def op_by_name(name: str) -> Op:
    try:
        return OPS_BY_NAME[name]
    except KeyError:
        known = ", ".join(OPS_BY_NAME)
        raise ValueError(f"unknown op {shown(name)}; known ops are {known}") from None


def op_table(value: object) -> tuple[Op, ...]:
    """An op table from `Op`s or their dicts (as JSON gives them back); () or None is the built-in `OPS`.

    Raises ValueError for a table that `check_table` refuses.
    """
    if not value:
        return OPS
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"an op table is a list of ops, got {type(value).__name__}")
    if len(value) > MAX_OP_ID + 1:
        raise ValueError(f"an op table has 2..{MAX_OP_ID + 1} ops, got {len(value)}")
    ops = []
    for item in value:
        if isinstance(item, Op):
            ops.append(item)
        elif isinstance(item, dict) and {"id", "name", "kind"} <= set(item) <= _ALL_FIELDS:
            ops.append(Op(**item))
        else:
            raise ValueError(f"an op is an Op or a mapping of its fields, got {shown(item)}")
    table = tuple(ops)
    check_table(table)
    return table


def check_table(table: tuple[Op, ...]) -> None:
    """Raises ValueError unless ids run 0..k-1 (k <= 10), op 0 is the only zero op, names are unique ASCII words of
    1..MAX_OP_NAME characters, and every kind, kernel, threshold and tau is valid (a pool or spike_conv has an odd
    integer kernel of 1..7, other ops none; threshold > 0; tau >= 1, both finite numbers)."""
    if not 2 <= len(table) <= MAX_OP_ID + 1:
        raise ValueError(f"an op table has 2..{MAX_OP_ID + 1} ops, got {len(table)}")
    for op in table:
        check_op_name(op.name)
    names = [op.name for op in table]
    if len(set(names)) < len(names):
        raise ValueError(f"op names must be unique, got {shown(names)}")
    for index, op in enumerate(table):
        if isinstance(op.id, bool) or op.id != index:
            raise ValueError(f"op {shown(op.name)} has id {shown(op.id)}; ids run 0..{len(table) - 1} in order")
        if not isinstance(op.kind, str) or op.kind not in KINDS:
            raise ValueError(f"op {shown(op.name)}: unknown kind {shown(op.kind)}; kinds are {', '.join(KINDS)}")
        if (op.kind == "zero") != (index == 0):
            raise ValueError("op 0, and only op 0, is the zero op (no edge)")
        sized = op.kind in ("spike_conv", "avgpool", "maxpool")
        integer = isinstance(op.kernel, int) and not isinstance(op.kernel, bool)
        if sized and (not integer or op.kernel not in (1, 3, 5, 7)):
            raise ValueError(f"op {shown(op.name)}: kernel must be 1, 3, 5 or 7, got {shown(op.kernel)}")
        if not sized and not (integer and op.kernel == 0):
            raise ValueError(f"op {shown(op.name)}: only a spike_conv or a pool has a kernel")
        for field, low in (("threshold", 0.0), ("tau", 1.0)):
            value = getattr(op, field)
            if value is None:
                continue
            if op.kind != "spike_conv":
                raise ValueError(f"op {shown(op.name)}: only a spike_conv has a {field}")
            _check_setting(op.name, field, value, low)


def check_op_name(name: object) -> None:
    """Raises ValueError unless `name` is 1..MAX_OP_NAME ASCII letters, digits, '_' or '-'."""
    ok = isinstance(name, str) and 0 < len(name) <= MAX_OP_NAME and name.isascii()
    if not ok or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"op name {shown(name)} must be 1..{MAX_OP_NAME} letters, digits, '_' or '-'")


def _check_setting(name: str, field: str, value: object, low: float) -> None:
    bound = "> 0" if field == "threshold" else ">= 1"
    if isinstance(value, str):
        raise ValueError(
            f"op {shown(name)}: {field} must be a number {bound}, got the text {shown(value)}"
            " (YAML reads 5e-1 as text: write 0.5)"
        )
    try:
        number = float(value) if not isinstance(value, bool) and isinstance(value, (int, float)) else math.nan
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or number < low or (field == "threshold" and number == 0):
        raise ValueError(f"op {shown(name)}: {field} must be a finite number {bound}, got {shown(value)}")


def op_table_from_spec(spec: dict) -> tuple[Op, ...]:
    """A space file's own op table: a mapping name -> {kind, kernel, threshold, tau}, ids in listing order.

    Example: ``{none: {kind: zero}, skip: {kind: identity}, conv3x3_th05: {kind: spike_conv, kernel: 3,
    threshold: 0.5}}``. Raises ValueError for unknown fields or a table that `check_table` refuses.
    """
    ops = []
    for index, (name, fields) in enumerate(spec.items()):
        check_op_name(name)
        if not isinstance(fields, dict):
            raise ValueError(f"op {shown(name)} must be a mapping of {', '.join(sorted(_OP_FIELDS))}")
        unknown = sorted(str(k) for k in set(fields) - _OP_FIELDS)
        if unknown:
            fields_known = ", ".join(sorted(_OP_FIELDS))
            raise ValueError(f"op {shown(name)}: unknown field {shown(unknown[0])}; fields are {fields_known}")
        kind = fields.get("kind")
        kernel = fields.get("kernel", 0)
        ops.append(
            Op(index, name, kind, kernel, _describe(kind, kernel, fields), fields.get("threshold"), fields.get("tau"))
        )
    table = tuple(ops)
    check_table(table)
    return table


def _describe(kind: object, kernel: object, fields: dict) -> str:
    if kind == "spike_conv":
        lif = ", ".join(f"{k} {fields[k]}" for k in ("threshold", "tau") if k in fields)
        return f"BN(Conv{kernel}x{kernel}(LIF(x){'; ' + lif if lif else ''}))"
    if not isinstance(kind, str):
        return ""
    return {"zero": "no edge", "identity": "x"}.get(kind, f"{kind}({kernel}, stride 1)(x)")
