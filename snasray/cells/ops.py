"""The operation table: the one place that defines what an op id means.

The codec, the sampler, the model builder and the docs all read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from snasray.limits import shown


@dataclass(frozen=True)
class Op:
    """One edge operation of a cell."""

    id: int
    name: str
    kind: str  # "zero", "identity", "spike_conv" or "avgpool"
    kernel: int = 0
    description: str = ""

    @property
    def spiking(self) -> bool:
        """Whether the op feeds its input through a LIF neuron (a spiking convolution)."""
        return self.kind == "spike_conv"


OPS: tuple[Op, ...] = (
    Op(0, "none", "zero", 0, "no edge"),
    Op(1, "skip", "identity", 0, "x"),
    Op(2, "conv1x1", "spike_conv", 1, "BN(Conv1x1(LIF(x)))"),
    Op(3, "conv3x3", "spike_conv", 3, "BN(Conv3x3(LIF(x))), padding 1"),
    Op(4, "avgpool3x3", "avgpool", 3, "AvgPool(3, stride 1, padding 1)(x)"),
)
OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
NONE = 0


def op_by_id(op_id: int) -> Op:
    if not 0 <= op_id < len(OPS):
        raise ValueError(f"unknown op id {shown(op_id)}; known ids are 0..{len(OPS) - 1}")
    return OPS[op_id]


def op_by_name(name: str) -> Op:
    try:
        return OPS_BY_NAME[name]
    except KeyError:
        known = ", ".join(OPS_BY_NAME)
        raise ValueError(f"unknown op {shown(name)}; known ops are {known}") from None
