"""`snasray bench spikenas`: the proxies against SpikeNAS-Bench's trained cells."""

from __future__ import annotations

from pathlib import Path

from snasray.cli.common import user_input
from snasray.cli.score_cmd import add_score_options, score_config_from
from snasray.devices import check_local_out
from snasray.errors import UserError
from snasray.limits import MAX_COUNT, check_count, check_seed


def register(commands) -> None:
    p = commands.add_parser("bench", help="judge the proxies against a table of trained networks")
    benches = p.add_subparsers(dest="bench", required=True, parser_class=type(p))
    s = benches.add_parser(
        "spikenas",
        help="score SpikeNAS-Bench's space and report how each proxy ranks its trained cells",
        description="Scores every canonical cell of the spikenas-bench space (a resumable sweep search) and writes"
        " RUN/_bench-<set>/report.md: Kendall tau and Spearman rho of each proxy with bootstrap intervals, top-k"
        " accuracy, and searchers driven by proxies on the table.",
    )
    s.add_argument("--data", required=True, help="a SpikeNAS-Bench checkout (git clone of tju-sun-lab/SpikeNAS-Bench)")
    s.add_argument(
        "--set", default="cifar10", help="trained table to report on: cifar10 (default), cifar100 or tinyimagenet"
    )
    s.add_argument("--out", required=True, help="run directory of the sweep (created, or continued with --resume)")
    s.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in --out with its own settings (a larger --budget, --workers and --set are taken)"
        " and report again",
    )
    s.add_argument("--budget", type=int, help="canonical keys to score (default: all 8,765)")
    add_score_options(s, preset_default="spikenas-tiny")
    s.add_argument("--seed", type=int, help="seeds the sweep's order, the networks and the batches (default 0)")
    s.add_argument("--workers", type=int, help="concurrent scoring workers (default: one per CPU)")
    s.add_argument("--address", help="Ray cluster address ('auto' for the cluster this machine belongs to)")
    s.add_argument(
        "--bootstrap", type=int, default=200, help="bootstrap resamplings for the 95%% intervals (default 200)"
    )
    s.add_argument(
        "--search-seeds", type=int, default=10, help="seeds per searcher in the search on the table (default 10)"
    )
    s.add_argument(
        "--search-proxy",
        action="append",
        metavar="NAME",
        help="a proxy that drives the searchers on the table (repeatable; default: --proxy and params)",
    )
    s.set_defaults(run=_spikenas)


def _spikenas(args) -> int:
    from snasray.bench.run import run_spikenas_bench
    from snasray.proxies import get_proxy

    check_local_out(args.out)
    if args.seed is not None:
        user_input(lambda: check_seed(args.seed))
    user_input(lambda: check_count("--bootstrap", args.bootstrap, 0, 100_000))
    if 0 < args.bootstrap < 20:
        raise UserError(f"--bootstrap must be 0 (no intervals) or at least 20 draws, got {args.bootstrap}")
    user_input(lambda: check_count("--search-seeds", args.search_seeds, 1, 10_000))
    if args.budget is not None:
        user_input(lambda: check_count("--budget", args.budget, 1, MAX_COUNT))
    for name in args.search_proxy or []:
        user_input(lambda name=name: get_proxy(name))
    score = score_config_from(args)
    outcome = user_input(
        lambda: run_spikenas_bench(
            Path(args.data),
            Path(args.out),
            args.set,
            None if args.resume else score,
            budget=args.budget,
            seed=args.seed,
            resume=args.resume,
            score_overrides=_written(score) if args.resume else None,
            workers=args.workers,
            address=args.address,
            bootstrap=args.bootstrap,
            search_seeds=args.search_seeds,
            search_proxies=args.search_proxy,
            on_step=lambda text: print(f"bench: {text}", flush=True),
        )
    )
    if not outcome.finished:
        print(f"\nbench stopped early ({outcome.scored:,} of {outcome.space_keys:,} keys scored); continue it with:")
        print(f"  snasray bench spikenas --data {args.data} --out {args.out} --resume")
        return 130
    if outcome.report.correlations["n"].max() == 0:
        print(f"none of the {outcome.scored:,} scored keys is a trained id of the {args.set} table yet")
    corr = outcome.report.correlations
    learns = corr[corr["subset"] == "learns"].sort_values("tau", ascending=False)
    odd = corr[corr["subset"] == "learns, odd ids"].set_index("proxy")["tau"]
    print(f"\nSpikeNAS-Bench {args.set}: {outcome.scored:,} of {outcome.space_keys:,} keys scored")
    print(" proxy                tau, ids that learn [95% CI]    rho   tau, odd ids (a fitted proxy's held-out half)")
    for row in learns.itertuples():
        print(
            f" {row.proxy:<20} {row.tau:>7.3f} [{row.tau_low:.3f}, {row.tau_high:.3f}]  {row.rho:>6.3f}"
            f"  {odd.get(row.proxy, float('nan')):>6.3f}"
        )
    print(f"\nreport: {outcome.report.markdown}")
    return 0


def _written(score) -> dict:
    """The score settings that differ from the command's defaults: those a resume must check against the run."""
    from dataclasses import asdict

    from snasray.cli import build_parser

    defaults = build_parser().parse_args(["bench", "spikenas", "--data", ".", "--out", "."])
    base = asdict(score_config_from(defaults))
    return {name: value for name, value in asdict(score).items() if value != base[name]}
