"""Cells, snasray's reference forward and the comparisons shared by the export tests."""

FORWARD_CELL = "0143 0030 0002 0000"  # 0->1 skip, 0->2 avgpool, convs 0->3, 1->2, 2->3
BACKWARD_CELL = "0303 0030 4002 0200"  # backward 2->0 avgpool and 3->1 conv1x1 (next timestep)
CELLS = (FORWARD_CELL, BACKWARD_CELL)


def reference(network, images):
    """snasray's own eval-mode forward: logits (B, classes) and spikes per LIF layer (T, B, *neurons)."""
    import torch

    from snasray.model import spiking_layers

    steps = {name: [] for name in spiking_layers(network)}
    hooks = [
        layer.register_forward_hook(lambda module, inputs, output, name=name: steps[name].append(output))
        for name, layer in spiking_layers(network).items()
    ]
    try:
        with torch.no_grad():
            logits = network.eval()(images)
    finally:
        for hook in hooks:
            hook.remove()
    return logits, {name: torch.stack(s) for name, s in steps.items()}


def spike_mismatches(expected: dict, got: dict) -> dict:
    """Per layer, how many spikes differ (every layer of `expected` must be in `got`, same shape)."""
    assert set(got) == set(expected)
    for name in expected:
        assert got[name].shape == expected[name].shape, name
    return {name: int((got[name] != expected[name]).sum()) for name in expected}


def relative_error(expected, got) -> float:
    return float((got.detach() - expected).abs().max() / expected.abs().max())
