"""Cells, their op table, search spaces, sampling and enumeration. Pure Python and numpy."""

from snasray.cells.cell import Cell
from snasray.cells.enumeration import SpaceCounts, canonical_cells, count_space
from snasray.cells.ops import OPS, Op, op_by_id, op_by_name
from snasray.cells.sampling import as_rng, mutate, neighbour_matrices, neighbours, sample_cell, sample_matrices
from snasray.cells.space import SearchSpace, builtin_space_names, load_space, parse_space

__all__ = [
    "OPS",
    "Cell",
    "Op",
    "SearchSpace",
    "SpaceCounts",
    "as_rng",
    "builtin_space_names",
    "canonical_cells",
    "count_space",
    "load_space",
    "mutate",
    "neighbour_matrices",
    "neighbours",
    "op_by_id",
    "op_by_name",
    "parse_space",
    "sample_cell",
    "sample_matrices",
]
