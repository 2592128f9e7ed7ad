"""Take a trained network out of snasray: NIR (neuromorphic hardware and simulators), a standalone `torch.export`
program, or a spikingjelly module. The optional packages (the ``export`` extra) are imported only when used."""

from snasray.export.checkpoint import FORMATS, ExportResult, export_checkpoint
from snasray.export.graph import Edge, NetworkGraph, Node, network_graph
from snasray.export.nir_format import DEFAULT_DT, to_nir, write_nir
from snasray.export.spikingjelly_format import to_spikingjelly, write_spikingjelly
from snasray.export.torch_format import to_torch_program, write_torch

__all__ = [
    "DEFAULT_DT",
    "FORMATS",
    "Edge",
    "ExportResult",
    "NetworkGraph",
    "Node",
    "export_checkpoint",
    "network_graph",
    "to_nir",
    "to_spikingjelly",
    "to_torch_program",
    "write_nir",
    "write_spikingjelly",
    "write_torch",
]
