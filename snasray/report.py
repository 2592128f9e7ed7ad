"""`write_report`: PNG figures and a one-page Markdown summary of a run directory."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from snasray import analysis
from snasray.cells import Cell
from snasray.cells.drawing import draw_cell
from snasray.rundir import check_output_folder, io_error

REPORT_DIR = "_report"  # inside the run directory, "_" keeps pandas.read_parquet(run_dir) away from it
SETTINGS = ("space", "searcher", "budget", "seed", "dataset", "preset", "batch_size", "repeat", "workers")


@dataclass(frozen=True)
class Report:
    markdown: Path
    figures: tuple[Path, ...]
    cells: int
    best_key: str


def write_report(run_dir: str | Path, out_dir: str | Path | None = None, top_k: int = 3) -> Report:
    """Write best_so_far.png, score_histogram.png, pareto_firing_rate.png and report.md into `out_dir`
    (default RUN_DIR/_report). Raises ValueError for a folder that is not a run or holds no scored cell, UserError
    for an output folder that is a file, on /proc or /sys, or cannot be written (read-only, full, no permission)."""
    run_dir = Path(run_dir)
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    if not run_dir.is_dir():
        raise ValueError(f"run directory {run_dir} does not exist")
    settings = analysis.run_settings(run_dir)
    df = analysis.load_runs(run_dir)
    ranked = analysis.ranked_cells(df)
    if ranked.empty:
        raise ValueError(f"{run_dir} holds no cell with a finite score to report on")
    out = Path(out_dir) if out_dir is not None else run_dir / REPORT_DIR
    check_output_folder(out)
    figures = {
        "best_so_far.png": analysis.plot_best_so_far(analysis.best_so_far(df)),
        "score_histogram.png": analysis.plot_score_histogram(df),
        "pareto_firing_rate.png": analysis.plot_pareto(df, "firing_rate"),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, figure in figures.items():
            figure.savefig(out / name, dpi=100)
    except OSError as err:
        raise io_error("write the report into", out, err) from None
    training = analysis.load_training(run_dir)
    text = "\n".join(
        [
            f"# snasray run {settings['run_id']}",
            "",
            f"Run directory `{run_dir}`.",
            "",
            *_settings_section(settings),
            *_counts_section(df, settings),
            *_best_cells_section(ranked, top_k, _op_table(settings)),
            *_top_cells_section(df, ops=_op_table(settings)),
            "## Figures",
            "",
            *(f"![{name[:-4].replace('_', ' ')}]({name})" for name in figures),
            "",
            *_trained_cells_section(df, training, _op_table(settings)),
            *_correlation_section(df, training),
            *_rank_section(ranked, training),
            *_pareto_section(df),
        ]
    )
    markdown = out / "report.md"
    try:
        markdown.write_text(text)
    except OSError as err:
        raise io_error("write the report into", out, err) from None
    return Report(markdown, tuple(out / name for name in figures), len(df), ranked["key"].iloc[0])


def markdown_table(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> list[str]:
    formats = formats or {}
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    lines = [header, rule]
    for row in frame.itertuples(index=False):
        cells = [_format(value, formats.get(column, "")) for column, value in zip(frame.columns, row, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _format(value: object, spec: str) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return format(value, spec) if spec else str(value)


def _settings_section(settings: dict) -> list[str]:
    values = {name: settings.get(name) for name in SETTINGS}
    values["proxy"] = settings.get("proxy") or "sahd"  # runs before proxies scored with sahd
    values["workers"] = settings.get("workers") or "one per CPU (or GPU) slot"
    frame = pd.DataFrame({"setting": list(values), "value": list(values.values())})
    return ["## Settings", "", *markdown_table(frame), ""]


def _counts_section(df: pd.DataFrame, settings: dict) -> list[str]:
    dist = analysis.score_distribution(df).iloc[0]
    wall = (df["timestamp"].max() - df["timestamp"].min()).total_seconds()
    return [
        "## Counts",
        "",
        f"- cells scored: {len(df)} of a budget of {settings['budget']} ({df['key'].nunique()} distinct)",
        f"- finite scores: {int(dist['finite'])}, -inf scores (a singular kernel, or no path from input to output):"
        f" {int(dist['singular'])},"
        f" failed: {int(dist['failed'])}",
        f"- nodes: {df['node_id'].nunique()}, rounds: {df['round'].nunique()}",
        f"- scoring time: {df['seconds'].sum():.1f} s summed over cells, {wall:.1f} s from first to last row",
        f"- score: median {dist['median']:.4f}, best {dist['max']:.4f}",
        "",
    ]


def _op_table(settings: dict) -> tuple:
    """The op table of the run's space, to name its ops (the built-in one when the space cannot be read now)."""
    from snasray.cells import OPS, load_space

    try:
        return load_space(settings["space"]).op_table
    except (KeyError, ValueError):
        return OPS


def _best_cells_section(ranked: pd.DataFrame, top_k: int, ops: tuple) -> list[str]:
    lines = ["## Best cells", ""]
    for rank, row in enumerate(ranked.head(top_k).itertuples(index=False), 1):
        lines += [
            f"### #{rank}  `{row.key}`",
            "",
            f"score {row.score:.4f}, firing rate {row.firing_rate:.4f}, {row.synops:,.0f} synaptic ops,"
            f" {row.params:,} parameters",
            "",
            "```text",
            draw_cell(Cell.parse(row.key), ops),
            "```",
            "",
        ]
    return lines


def _top_cells_section(df: pd.DataFrame, k: int = 10, ops: tuple | None = None) -> list[str]:
    stats = analysis.top_cell_stats(df, k, ops) if ops else analysis.top_cell_stats(df, k)
    shares = analysis.op_frequencies(stats)
    ops = ", ".join(f"{name} {share:.0%}" for name, share in shares.items())
    return [
        f"## The top {len(stats)} cells",
        "",
        f"- ops on their edges: {ops}",
        f"- backward edges per cell: mean {stats['backward_edges'].mean():.2f},"
        f" {int((stats['backward_edges'] > 0).sum())} of {len(stats)} cells have at least one",
        "",
    ]


def trained_cells_table(df: pd.DataFrame, training: pd.DataFrame) -> pd.DataFrame:
    """One row per trained cell and recipe, best score first: cell (canonical key), recipe, score (log|det K|),
    final test accuracy in percent (mean over seeds), epochs trained (most over its seeds), trainings (seeds)."""
    accuracy = analysis.trained_accuracy(training)
    columns = ["cell", "recipe", "score", "test accuracy %", "epochs", "trainings"]
    if accuracy.empty:
        return pd.DataFrame(columns=columns)
    epochs = training[training["kind"] == "epoch"].groupby(["recipe_hash", "key", "seed"])["epoch"].max()
    epochs = epochs.groupby(["recipe_hash", "key"]).max().rename("epochs")
    scores = analysis.ranked_cells(df).set_index("key")["score"]
    table = accuracy.join(epochs, on=["recipe_hash", "key"]).join(scores, on="key")
    table = table.sort_values("score", ascending=False, kind="stable", na_position="last")
    return pd.DataFrame(
        {
            "cell": table["key"],
            "recipe": table["recipe_hash"].str[:8],
            "score": table["score"].astype(float),
            "test accuracy %": table["test_acc"].astype(float) * 100,
            "epochs": table["epochs"].fillna(0).astype(int),
            "trainings": table["trainings"].astype(int),
        }
    ).reset_index(drop=True)[columns]


def _trained_cells_section(df: pd.DataFrame, training: pd.DataFrame, ops: tuple) -> list[str]:
    from snasray.cells import OPS

    table = trained_cells_table(df, training)
    lines = ["## Trained cells", ""]
    if table.empty and ops != OPS:
        return [*lines, "None: this space defines its own ops, and training builds the built-in ops only.", ""]
    if table.empty:
        return [*lines, "None yet: train the best cells with `snasray train --run RUN_DIR`.", ""]
    formats = {"score": ".4f", "test accuracy %": ".2f"}
    return [*lines, f"{len(table)} trained cell(s), best score first.", "", *markdown_table(table, formats), ""]


def _correlation_section(df: pd.DataFrame, training: pd.DataFrame) -> list[str]:
    lines = ["## Score against trained accuracy", ""]
    table = analysis.score_accuracy_correlation(df, training)
    if table["n"].max() == 0:
        return [*lines, f"Not available: {table['note'].iloc[0]}.", ""]
    formats = {name: ".3f" for name in ("kendall_tau", "kendall_p", "spearman_rho", "spearman_p")}
    return [*lines, "The parameter count is the baseline.", "", *markdown_table(table, formats), ""]


def _rank_section(ranked: pd.DataFrame, training: pd.DataFrame) -> list[str]:
    """Score rank against final rank of the trained cells (their latest final row). Final rank: cells trained for
    more epochs first (ASHA's verdict: a cell it stopped lost at that rung), then test accuracy."""
    final = training[training["kind"] == "final"].drop_duplicates("key", keep="last") if len(training) else training
    trained = ranked[["key", "score"]].merge(final, on="key") if len(final) else final
    if trained.empty:
        return []
    trained_epochs = training[training["kind"] == "epoch"].groupby("run_id")["epoch"].max()
    trained = trained.assign(epochs=trained["run_id"].map(trained_epochs).fillna(trained["epoch"]).astype(int))
    trained = trained.assign(score_rank=trained["score"].rank(ascending=False, method="first").astype(int))
    trained = trained.sort_values(["epochs", "test_acc"], ascending=False, kind="stable")
    # equal epochs and accuracy share a rank (the lowest), so ties never look like the score's order
    verdict = pd.Series(list(zip(trained["epochs"], trained["test_acc"], strict=True)), index=trained.index)
    groups = verdict.ne(verdict.shift()).cumsum()
    first_position = {group: i + 1 for i, group in reversed(list(enumerate(groups)))}
    trained = trained.assign(final_rank=groups.map(first_position))
    stopped = trained.get("early_stopped", pd.Series(dtype=object)).reindex(trained.index)
    rungs = trained.get("rung", pd.Series(dtype=float)).reindex(trained.index)
    finished = trained.get("scheduler", pd.Series(dtype=object)).reindex(trained.index) == "asha"
    trained = trained.assign(
        asha=[
            f"stopped at rung {int(r)}" if pd.notna(s) and s else ("trained to the end" if f else "")
            for s, r, f in zip(stopped, rungs, finished, strict=True)
        ]
    )
    table = trained[["key", "score_rank", "final_rank", "score", "epochs", "test_acc", "asha"]]
    lines = [
        "## Score rank against final rank",
        "",
        "Final rank: more epochs trained first, then test accuracy; equal epochs and accuracy share a rank.",
        "",
    ]
    return [*lines, *markdown_table(table, {"score": ".4f", "test_acc": ".2%"}), ""]


def _pareto_section(df: pd.DataFrame) -> list[str]:
    front = analysis.pareto_front(df, "firing_rate")[["key", "score", "firing_rate", "synops", "params"]]
    formats = {"score": ".4f", "firing_rate": ".4f", "synops": ",.0f", "params": ","}
    return ["## Pareto front: score against firing rate", "", *markdown_table(front, formats), ""]
