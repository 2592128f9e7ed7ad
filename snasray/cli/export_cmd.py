"""`snasray export`: a trained checkpoint as NIR, a standalone torch.export program, or a spikingjelly module."""

from __future__ import annotations

from dataclasses import asdict

from snasray.cli.common import emit_json
from snasray.devices import check_local_out

FORMAT_CHOICES = ("nir", "torch", "spikingjelly")  # snasray.export.FORMATS, without importing the exporters


def register(commands) -> None:
    p = commands.add_parser("export", help="write a trained network as NIR, a torch.export program or spikingjelly")
    p.add_argument("--checkpoint", required=True, help="a checkpoint folder written by snasray train")
    p.add_argument("--format", required=True, choices=FORMAT_CHOICES)
    p.add_argument("--out", required=True, help="the file to write (.nir, .pt2, or .pt with a .py runtime beside)")
    p.add_argument("--dt", type=float, help="NIR time step in seconds, one SNASNet timestep (default 1e-4)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_export)


def _export(args) -> int:
    from snasray.export import export_checkpoint

    check_local_out(args.out)
    result = export_checkpoint(args.checkpoint, args.format, args.out, args.dt)
    if args.json:
        emit_json(asdict(result))
        return 0
    print(f"exported {result.cell} (key {result.key}) as {result.format} in {result.seconds:.1f} s")
    print(f"  {len(result.lif_layers)} LIF layers, {result.timesteps} timesteps, "
          f"{len(result.recurrent_edges)} backward (next-timestep) edges")  # fmt: skip
    for path in result.files:
        print(f"wrote {path}")
    return 0
