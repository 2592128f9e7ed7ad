"""SNASNet as a `torch.export` program (``.pt2``): runs with torch alone, for any batch size.

The program takes images ``(B, C, H, W)`` (normalised as in training) and returns ``(logits, spikes)``:
logits ``(B, classes)`` as the network in eval mode gives them, and spikes a dict from each LIF layer's name
(``cell1.lifs.0``, ``down_lif``, ...) to its spikes ``(T, B, *neurons)`` at every timestep. Load it with::

    program = torch.export.load("net.pt2")
    logits, spikes = program.module()(images)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from snasray.errors import UserError
from snasray.export.graph import network_graph

MIN_BATCH = 1
MAX_BATCH = 65_536


class SpikeRecorder(nn.Module):
    """The network's logits and, per LIF layer, its spikes stacked over the timesteps (hooks only record)."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        from snasray.model import spiking_layers

        self.network = network
        self.names = list(spiking_layers(network))
        self._record: dict[str, list[torch.Tensor]] = {}
        self._hooks = [layer.register_forward_hook(self._hook(name)) for name, layer in spiking_layers(network).items()]

    def remove_hooks(self) -> None:
        for hook in self._hooks:
            hook.remove()

    def _hook(self, name: str):
        def record(module, inputs, output):
            self._record[name].append(output)

        return record

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        self._record = {name: [] for name in self.names}
        logits = self.network(images)
        spikes = {name: torch.stack(steps) for name, steps in self._record.items()}
        self._record = {}
        return logits, spikes


def to_torch_program(network: nn.Module, image_size: int | None = None) -> torch.export.ExportedProgram:
    """`torch.export` of the network in eval mode with a dynamic batch dimension (module docstring).

    Raises UserError for a network that cannot be exported (see `network_graph`) or that torch cannot trace.
    """
    graph = network_graph(network, image_size)
    network = network.eval()
    example = torch.zeros(2, *graph.node("input").shape)
    batch = torch.export.Dim("batch", min=MIN_BATCH, max=MAX_BATCH)
    recorder = SpikeRecorder(network)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # the neuron and feedback states are plain attributes, reset at every forward: nothing to keep
            warnings.filterwarnings("ignore", message="The tensor attributes", category=UserWarning)
            return torch.export.export(recorder, (example,), dynamic_shapes={"images": {0: batch}})
    except Exception as err:  # noqa: BLE001 - torch.export raises many kinds; one line for the user
        raise UserError(f"torch.export failed: {str(err).splitlines()[0][:200]}") from None
    finally:
        recorder.remove_hooks()


def write_torch(network: nn.Module, path: str | Path, image_size: int | None = None) -> Path:
    """Write `to_torch_program(network)` to `path` with ``torch.export.save`` and check it loads back."""
    from snasray.export.files import atomic_output

    program = to_torch_program(network, image_size)
    with atomic_output(path) as temp:
        torch.export.save(program, temp)
        torch.export.load(temp)
    return Path(path)
