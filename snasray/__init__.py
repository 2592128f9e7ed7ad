"""snasray: neural architecture search for spiking neural networks (SNASNet) on Ray."""

from snasray.cells import Cell, SearchSpace, load_space

__all__ = ["Cell", "SearchSpace", "load_space", "logdet_score", "sahd_kernel"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # the score functions need torch: import it only when they are asked for
    if name in ("logdet_score", "sahd_kernel"):
        from snasray.score import kernel

        return getattr(kernel, name)
    raise AttributeError(f"module 'snasray' has no attribute {name!r}")
