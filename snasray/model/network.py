"""The SNASNet macro network (SNASNET.md section 3)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from snasray.cells import OPS, Cell, Op
from snasray.model.cell_module import SpikingCell
from snasray.model.neurons import LIF, reset_states
from snasray.model.presets import ModelConfig


class SNASNet(nn.Module):
    """SNASNet's macro network around one cell; `forward` takes static images or event frames.

    `ops` is the op table that gives the cell's op ids their meaning (the built-in `OPS` by default; a space's
    own table, `SearchSpace.op_table`, for its cells).
    """

    def __init__(
        self,
        cell: Cell,
        config: ModelConfig,
        in_channels: int,
        image_size: int,
        num_classes: int,
        ops: tuple[Op, ...] = OPS,
    ) -> None:
        super().__init__()
        self.ops = ops
        c1, c2 = config.width, 2 * config.width
        side = image_size // config.stem_stride // config.input_pool // 2 // config.second_avgpool
        if side < 1:
            raise ValueError(f"images of {image_size} px are too small for this preset")
        self.config, self.num_classes = config, num_classes
        neuron = {"tau": config.tau, "threshold": config.threshold, "alpha": config.surrogate_alpha}
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, stride=config.stem_stride, padding=1, bias=False), nn.BatchNorm2d(c1)
        )
        self.cell1 = self.make_cell(cell, c1, neuron)
        self.down_bn = nn.BatchNorm2d(c1)
        self.down_lif = LIF(fanout=c2 * 9, **neuron)
        self.down_conv = nn.Conv2d(c1, c2, 3, padding=1, bias=False)
        self.down_bn2 = nn.BatchNorm2d(c2)
        self.cell2 = self.make_cell(cell, c2, neuron)
        self.head_bn = nn.BatchNorm2d(c2)
        features = c2 * side * side
        self.head_lif = LIF(fanout=config.hidden / config.second_avgpool**2, **neuron)
        self.fc1 = nn.Linear(features, config.hidden, bias=False)
        self.fc_lif = LIF(fanout=config.population * num_classes, **neuron)
        self.fc2 = nn.Linear(config.hidden, config.population * num_classes)
        self._initialise()

    def make_cell(self, cell: Cell, channels: int, neuron: dict) -> nn.Module:
        """The module of one cell of the network (a subclass builds another, e.g. `Supernet`)."""
        return SpikingCell(cell, channels, neuron, self.ops)

    def _initialise(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, a=2)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def _stem(self, images: torch.Tensor) -> torch.Tensor:
        x = self.stem(images)
        return F.max_pool2d(x, self.config.input_pool) if self.config.input_pool > 1 else x

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Time-averaged class scores (B x classes); neuron and feedback states are reset first.

        `images` is either static images B x C x H x W, whose stem output feeds every one of the preset's
        timesteps (SNASNet), or event frames B x T x C x H x W, where timestep t feeds frame t through the
        stem and T sets the number of timesteps.
        Raises ValueError for a tensor of another rank.
        """
        if images.dim() not in (4, 5):
            raise ValueError(
                f"expected images B x C x H x W or frames B x T x C x H x W, got shape {tuple(images.shape)}"
            )
        reset_states(self)
        cfg = self.config
        frames = images.dim() == 5
        steps = images.shape[1] if frames else cfg.timesteps
        stem = None if frames else self._stem(images)
        pool = F.max_pool2d if cfg.pool == "max" else F.avg_pool2d
        mask = None
        if self.training and cfg.dropout > 0:  # one mask per sample, shared by all timesteps
            keep = 1 - cfg.dropout  # drawn on the CPU so that a seed gives the same mask on every device
            mask = torch.bernoulli(torch.full((images.shape[0], self.fc1.in_features), keep))
            mask = (mask / keep).to(images.device)
        out = 0
        for t in range(steps):
            x = self.cell1(self._stem(images[:, t]) if frames else stem)
            x = self.down_bn2(self.down_conv(self.down_lif(self.down_bn(x))))
            x = pool(x, 2)
            x = self.cell2(x)
            x = self.head_lif(self.head_bn(x))
            x = pool(x, cfg.second_avgpool).flatten(1)
            if mask is not None:
                x = x * mask
            x = self.fc2(self.fc_lif(self.fc1(x)))
            out = out + F.avg_pool1d(x.unsqueeze(1), cfg.population).squeeze(1)
        return out / steps


def spiking_layers(network: nn.Module) -> dict[str, LIF]:
    return {name: m for name, m in network.named_modules() if isinstance(m, LIF)}
