"""Analysis of runs: pandas functions over the score store (and training results) and matplotlib figures."""

from snasray.analysis._cells import EDGE_OPS, op_frequencies, top_cell_stats
from snasray.analysis._correlation import score_accuracy_correlation, top_k_hit_rate, trained_accuracy
from snasray.analysis._load import load_runs, load_training, run_settings
from snasray.analysis._pareto import COSTS, pareto_front
from snasray.analysis._plots import (
    AXIS_LABELS,
    axis_label,
    dataset_classes,
    plot_best_so_far,
    plot_hit_rates,
    plot_pareto,
    plot_scatter,
    plot_score_histogram,
)
from snasray.analysis._scores import best_so_far, finite_scores, ranked_cells, score_distribution

__all__ = [
    "AXIS_LABELS",
    "COSTS",
    "EDGE_OPS",
    "axis_label",
    "best_so_far",
    "dataset_classes",
    "finite_scores",
    "load_runs",
    "load_training",
    "op_frequencies",
    "pareto_front",
    "plot_best_so_far",
    "plot_hit_rates",
    "plot_pareto",
    "plot_scatter",
    "plot_score_histogram",
    "ranked_cells",
    "run_settings",
    "score_accuracy_correlation",
    "score_distribution",
    "top_cell_stats",
    "top_k_hit_rate",
    "trained_accuracy",
]
