"""`snasray bench spikenas`'s report: rank correlations, top-k accuracy, search on the table, a scatter figure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from snasray.bench.correlation import correlations, key_accuracy, top_k  # noqa: E402
from snasray.bench.search_quality import BUDGETS, search_quality, summarise  # noqa: E402
from snasray.report import markdown_table  # noqa: E402
from snasray.rundir import check_output_folder, io_error  # noqa: E402

BASELINES = ("bench_params", "final_val_accuracy")  # the table's own parameter count; the noise ceiling


@dataclass(frozen=True)
class BenchReport:
    folder: Path
    markdown: Path
    correlations: pd.DataFrame
    top: pd.DataFrame
    search: pd.DataFrame | None


def write_bench_report(
    frame: pd.DataFrame,
    proxies: list[str],
    out: Path,
    title: str,
    notes: list[str],
    bootstrap: int = 200,
    search_proxies: list[str] | None = None,
    seeds: int = 10,
    space=None,
    on_step=None,
) -> BenchReport:
    """Write report.md, correlations.csv, top_k.csv, search.csv and scatter.png into `out`.

    frame: a row per architecture id (`join_proxies`); proxies: its proxy columns to judge, beside the `BASELINES`;
    search_proxies: the proxies that drive the searchers on the table (none: no search section; needs `space`).
    Raises UserError for an output folder that cannot be written.
    """
    check_output_folder(out)
    columns = [*proxies, *(c for c in BASELINES if c in frame)]
    say = on_step or (lambda text: None)
    say(f"rank correlations of {len(columns)} columns over {len(frame):,} ids ({bootstrap} bootstrap draws)")
    corr = correlations(frame, columns, bootstrap=bootstrap)
    odd = correlations(frame[frame["id"] % 2 == 1], columns, bootstrap=bootstrap, groups=None)
    odd = odd[odd["subset"] == "learns"].assign(subset="learns, odd ids")
    corr = pd.concat([corr, odd], ignore_index=True)
    top = top_k(frame, columns)
    search = None
    if search_proxies:
        say(f"search on the table: {len(search_proxies)} proxies x 3 searchers x {seeds} seeds")
        total, done = len(search_proxies) * 3 * seeds, []

        def ran(searcher: str, proxy: str, seed: int) -> None:
            done.append(seed)
            if len(done) % max(1, total // 10) == 0 or len(done) == total:
                say(f"search on the table: {len(done)}/{total} runs ({searcher} by {proxy}, seed {seed})")

        search = search_quality(key_accuracy(frame), space, search_proxies, seeds=seeds, on_run=ran)
    try:
        out.mkdir(parents=True, exist_ok=True)
        corr.to_csv(out / "correlations.csv", index=False)
        top.to_csv(out / "top_k.csv", index=False)
        if search is not None:
            search.to_csv(out / "search.csv", index=False)
        _scatter(frame, columns).savefig(out / "scatter.png", dpi=90)
        text = _markdown(frame, columns, corr, top, search, title, notes)
        (out / "report.md").write_text(text)
    except OSError as err:
        raise io_error("write the report into", out, err) from None
    return BenchReport(out, out / "report.md", corr, top, search)


def _markdown(frame, columns, corr, top, search, title, notes) -> str:
    keys = frame["key"].nunique()
    learns = frame[frame["learns"]]
    lines = [f"# {title}", "", *notes, ""]
    lines += [
        f"{len(frame):,} architecture ids ({int(frame['learns'].sum()):,} learn: test accuracy above chance + 1),"
        f" {keys:,} canonical keys. Test accuracy {learns['test_accuracy'].min():.2f}-"
        f"{learns['test_accuracy'].max():.2f}% (median {learns['test_accuracy'].median():.2f}%) over the ids that"
        " learn. Ids sharing a key share its proxy values. Intervals: percentile bootstrap 95% over the ids.",
        "",
        "## Kendall tau and Spearman rho against test accuracy",
        "",
    ]
    main = corr[corr["subset"].isin(["all", "learns", "learns, odd ids"])].copy()
    main["tau [95% CI]"] = [f"{r.tau:.3f} [{r.tau_low:.3f}, {r.tau_high:.3f}]" for r in main.itertuples()]
    main["rho [95% CI]"] = [f"{r.rho:.3f} [{r.rho_low:.3f}, {r.rho_high:.3f}]" for r in main.itertuples()]
    lines += markdown_table(main[["proxy", "subset", "n", "tau [95% CI]", "rho [95% CI]"]])
    lines += ["", "## Kendall tau within groups of equal conv count (ids that learn)", ""]
    grouped = corr[corr["subset"].str.startswith("convs=")]
    if len(grouped):
        pivot = grouped.pivot(index="proxy", columns="subset", values="tau").reindex(columns)
        sizes = grouped.drop_duplicates("subset").set_index("subset")["n"]
        pivot.columns = [f"{c} (n={sizes[c]})" for c in pivot.columns]
        lines += markdown_table(pivot.reset_index(), dict.fromkeys(pivot.columns, ".3f"))
    lines += ["", "## Test accuracy of the top-ranked keys (mean over each key's ids)", ""]
    lines += markdown_table(top, {c: ".2f" for c in top.columns if c != "proxy"})
    if search is not None:
        summary = summarise(search)
        lines += [
            "",
            "## Search on the table",
            "",
            "Test accuracy (%) of the best-scored key after n evaluations: median [min, max] over seeds; the oracle is"
            " the table's best key. Percentile: the pick's rank among all keys (100 = best).",
            "",
        ]
        summary["pick"] = [f"{r.median:.2f} [{r.low:.2f}, {r.high:.2f}]" for r in summary.itertuples()]
        wide = summary.pivot(index=["searcher", "proxy"], columns="budget", values="pick")
        wide.columns = [f"n={b}" for b in wide.columns]
        lines += markdown_table(wide.reset_index())
        pct = summary.pivot(index=["searcher", "proxy"], columns="budget", values="median_percentile")
        pct.columns = [f"pct n={b}" for b in BUDGETS if b in pct.columns]
        lines += ["", *markdown_table(pct.reset_index(), dict.fromkeys(pct.columns, ".1f"))]
    lines += ["", "![proxies against test accuracy](scatter.png)", ""]
    return "\n".join(lines)


def _scatter(frame: pd.DataFrame, columns: list[str]):
    learns = frame[frame["learns"]]
    count = len(columns)
    wide = min(4, count)
    rows = -(-count // wide)
    figure, axes = plt.subplots(rows, wide, figsize=(3.2 * wide, 2.8 * rows), squeeze=False)
    for ax, column in zip(axes.flat, columns, strict=False):
        ax.scatter(learns[column], learns["test_accuracy"], s=2, c=learns["convs"], cmap="viridis", alpha=0.5)
        ax.set_xlabel(column)
        ax.set_ylabel("test accuracy (%)")
    for ax in list(axes.flat)[count:]:
        ax.axis("off")
    figure.suptitle("ids that learn; colour: conv count of the pruned cell")
    figure.tight_layout()
    return figure
