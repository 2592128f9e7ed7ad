"""Ground truth from trained networks: SpikeNAS-Bench's table, its architecture ids, and the proxy report."""

from snasray.bench.spikenas import (
    EDGE_ORDER,
    SPIKENAS_SETS,
    SPIKENAS_SPACE,
    read_spikenas,
    spikenas_cell,
    spikenas_id,
)

__all__ = ["EDGE_ORDER", "SPIKENAS_SETS", "SPIKENAS_SPACE", "read_spikenas", "spikenas_cell", "spikenas_id"]
