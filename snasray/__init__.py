"""snasray: neural architecture search for spiking neural networks (SNASNet) on Ray."""

from snasray.cells import Cell, SearchSpace, load_space

__all__ = ["Cell", "SearchSpace", "load_space"]
__version__ = "0.1.0"
