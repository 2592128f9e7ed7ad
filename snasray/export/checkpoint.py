"""`export_checkpoint`: a trained checkpoint written out in one of the export formats."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from snasray.errors import UserError
from snasray.export.files import check_writable
from snasray.export.graph import network_graph
from snasray.export.nir_format import DEFAULT_DT, write_nir
from snasray.export.spikingjelly_format import runtime_path, write_spikingjelly
from snasray.export.torch_format import write_torch

FORMATS = ("nir", "torch", "spikingjelly")


@dataclass(frozen=True)
class ExportResult:
    format: str
    checkpoint: str
    files: tuple[str, ...]  # what was written: the export, and for spikingjelly its runtime beside it
    cell: str
    key: str
    timesteps: int
    lif_layers: tuple[str, ...]
    recurrent_edges: tuple[str, ...]  # "source->target": the backward edges, next-timestep
    seconds: float


MIN_DT, MAX_DT = 1e-9, 1.0  # seconds: a NIR time step, from a nanosecond to a second


def export_checkpoint(checkpoint: str | Path, format: str, out: str | Path, dt: float | None = None) -> ExportResult:
    """Export the network of a `snasray train` checkpoint (folder, or its state.pt/meta.json) to `out`.

    ``format``: ``nir`` (`snasray.export.write_nir`, time step ``dt`` seconds, default `DEFAULT_DT`), ``torch``
    (`snasray.export.write_torch`) or ``spikingjelly`` (`snasray.export.write_spikingjelly`). Raises UserError
    for an unknown format, an unreadable or corrupt checkpoint, an output that cannot be written, a missing
    optional package (the ``export`` extra) or a network that cannot be exported; nothing is left half-written.
    """
    from snasray.train import load_network

    tick = time.perf_counter()
    if format not in FORMATS:
        raise UserError(f"unknown export format {format!r}; choose {', '.join(FORMATS)}")
    dt = DEFAULT_DT if dt is None else dt
    if not (isinstance(dt, float | int) and MIN_DT <= dt <= MAX_DT):  # tau = 4/3 dt stays a normal float32
        raise UserError(f"the time step must be between {MIN_DT:g} and {MAX_DT:g} seconds, got {dt!r}")
    out = check_writable(out)
    if format == "spikingjelly":
        check_writable(runtime_path(out))
    network, meta = load_network(checkpoint)
    image_size = meta["image_size"]
    graph = network_graph(network, image_size)
    if format == "nir":
        files = (write_nir(network, out, image_size, dt),)
    elif format == "torch":
        files = (write_torch(network, out, image_size),)
    else:
        files = write_spikingjelly(network, out, image_size)
    return ExportResult(
        format=format,
        checkpoint=str(checkpoint),
        files=tuple(str(f) for f in files),
        cell=meta["cell"],
        key=meta["key"],
        timesteps=graph.timesteps,
        lif_layers=tuple(graph.lif_names()),
        recurrent_edges=tuple(f"{e.source}->{e.target}" for e in graph.edges if e.recurrent),
        seconds=time.perf_counter() - tick,
    )
