"""`snasray search`: a Ray Tune search into a run directory, resumable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from snasray.cli.common import space_arg, user_input
from snasray.cli.score_cmd import add_score_options, score_config_from
from snasray.devices import check_local_out
from snasray.errors import RunExists, StoreWriteFailed, UserError
from snasray.limits import MAX_COUNT, check_count, shown
from snasray.rundir import check_new_run_dir


def register(commands) -> None:
    p = commands.add_parser("search", help="search a space for the best-scoring cell")
    p.add_argument("--space", default="snasnet-backward", help="built-in space name or .yaml path")
    p.add_argument(
        "--searcher",
        default="random",
        help="random (default), evolution, tpe, nsga2, prune (LightSNN's pruning search) or sweep (every cell once)",
    )
    p.add_argument("--budget", type=int, default=100, help="distinct cells to evaluate")
    add_score_options(p)
    p.add_argument("--seed", type=int, default=0, help="seeds the searcher, the networks and the data batches")
    p.add_argument("--out", help="run directory (the Parquet store); default runs/<space>-<searcher>-s<seed>")
    p.add_argument(
        "--resume",
        nargs="?",
        const=True,
        metavar="RUN_DIR",
        help="continue a search (its settings come from the run directory); a larger --budget and flags that"
        " change only where or how fast it runs are taken, flags that change what is proposed or scored refused",
    )
    p.add_argument("--address", help="Ray cluster address ('auto' for the cluster this machine belongs to)")
    p.add_argument("--workers", type=int, help="concurrent scoring workers (default: one per CPU or GPU)")
    p.add_argument("--cells-per-trial", type=int, default=4, help="cells per worker in a round")
    p.add_argument("--cpus-per-worker", type=float, default=1.0)
    p.add_argument("--gpus-per-worker", type=float, default=0.0, help="fractions share one GPU")
    p.add_argument("--objective", default="firing_rate", help="nsga2's cost: firing_rate or synops")
    p.add_argument(
        "--searcher-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a searcher setting, repeatable: evolution population, tournament, screen (1/0); tpe startup;"
        " prune restarts, mode (train/eval), batches (fixed/fresh), rank (score/score+rate)",
    )
    p.add_argument("--top-k", type=int, default=5, help="cells shown in the summary")
    p.add_argument("--train-top-k", type=int, default=0, help="then fine-train the K best cells (snasray train)")
    p.add_argument("--train-recipe", default="short", help="recipe of that training: paper or short")
    p.add_argument("--train-epochs", type=int, help="override the training recipe's epochs")
    p.set_defaults(run=_search)


def _config(args):
    from snasray.search import SearchConfig

    space_arg(args.space)
    options = {"objective": args.objective} if args.searcher == "nsga2" else {}
    options.update(parse_searcher_options(args.searcher_option))
    return user_input(
        lambda: SearchConfig(
            space=args.space,
            searcher=args.searcher,
            budget=args.budget,
            seed=args.seed,
            score=score_config_from(args),
            workers=args.workers,
            cells_per_trial=args.cells_per_trial,
            cpus_per_worker=args.cpus_per_worker,
            gpus_per_worker=args.gpus_per_worker,
            searcher_options=options,
        )
    )


def parse_searcher_options(items: list[str]) -> dict[str, object]:
    """["population=16", "screen=0"] -> {"population": 16, "screen": 0}; numbers become int or float."""
    options: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not (sep and key):
            raise UserError(f"--searcher-option takes KEY=VALUE, got {item!r}")
        options[key] = _number_or_text(value)
    return options


def _number_or_text(value: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


# On --resume: flags taken (where and how fast the run goes), and flags refused unless they equal the run's own
# setting, because they change what is proposed or scored. The run's round size is kept, so --workers and
# --cells-per-trial change only how the rounds are spread over the workers.
RESUME_TAKES_RUN = ("budget", "workers", "cells_per_trial", "cpus_per_worker", "gpus_per_worker")
RESUME_TAKES = (*RESUME_TAKES_RUN, "device", "data_dir", "download", "address")  # --address: as given
RESUME_REFUSES = (
    "space",
    "searcher",
    "searcher_option",
    "objective",
    "seed",
    "dataset",
    "preset",
    "batch_size",
    "repeat",
    "timesteps",
    "table",
    "layout",
    "gram",
    "binning",
    "downsample",
    "proxy",
    "record_proxy",
)
RESUME_OTHER = ("out", "resume", "top_k", "train_top_k", "train_recipe", "train_epochs")  # not search settings


class _OneCommand:
    """Stands in for the subcommands object so that `register` builds a parser of its own."""

    def add_parser(self, name: str, **kwargs):
        from snasray.cli import _Parser

        kwargs.pop("help", None)
        self.parser = _Parser(prog=f"snasray {name}", **kwargs)
        return self.parser


def given_options(argv: list[str]) -> dict[str, object]:
    """The options written on a `snasray search` command line (argv without the program name), by dest, with
    their parsed values; options left at their defaults are absent."""
    shim = _OneCommand()
    register(shim)
    parser = shim.parser
    parser.set_defaults(**dict.fromkeys(vars(parser.parse_args([]))))  # None: no option parses to None
    parsed = vars(parser.parse_args(argv[1:] if argv[:1] == ["search"] else argv))
    return {dest: value for dest, value in parsed.items() if value is not None}


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


# the setting of `snasray.search.resume` that each refused flag would change
_SETTING = {
    "space": "space",
    "searcher": "searcher",
    "seed": "seed",
    "searcher_option": "searcher_options",
    "objective": "searcher_options",
    **{dest: f"score.{dest}" for dest in ("dataset", "preset", "batch_size", "repeat", "timesteps", "table", "layout")},
    **{dest: f"score.{dest}" for dest in ("binning", "downsample")},
    "gram": "score.gram",
    "proxy": "score.proxy",
    "record_proxy": "score.proxies",
}


def _as_setting(dest: str, value: object, config) -> object:
    """A refused flag's value as the run's setting it would change."""
    if dest == "searcher_option":
        return {**config.searcher_options, **parse_searcher_options(value)}
    if dest == "objective" and config.searcher == "nsga2":  # the other searchers have no objective
        return {**config.searcher_options, "objective": value}
    if dest == "objective":
        return config.searcher_options
    if dest == "record_proxy":
        return tuple(sorted(set(value)))
    return value


def resumed_config(config, given: dict[str, object], run_dir: Path):
    """The run's settings with the flags a resume takes; raises UserError, one line naming them, for flags that
    would change what is proposed or scored (`snasray.search.resume` decides which)."""
    from snasray.search.resume import resume_config, setting_differs

    refused = [
        d
        for d in RESUME_REFUSES
        if d in given and user_input(lambda d=d: setting_differs(config, _SETTING[d], _as_setting(d, given[d], config)))
    ]
    if refused:
        named = ", ".join(_flag(d) for d in refused)
        raise UserError(
            f"--resume {run_dir} cannot take {named}: they change what is proposed or scored; the run keeps its"
            f" own settings (see {run_dir}/_run.json), or start a new search with another --out"
        )
    if 1 <= given.get("budget", config.budget) < config.budget:  # a budget below 1 is refused as any other
        raise UserError(
            f"--resume {run_dir} --budget {given['budget']}: the run's budget is {config.budget}; a resume can raise"
            " it, not lower it (the cells already scored stay in the store)"
        )
    data_dir = given.get("data_dir")
    score = replace(
        config.score,
        device=given.get("device", config.score.device),
        data_dir=str(Path(data_dir).resolve()) if data_dir else config.score.data_dir,
        download=config.score.download or "download" in given,
    )
    taken = {d: given[d] for d in RESUME_TAKES_RUN if d in given}
    return resume_config(config, user_input(lambda: replace(config, score=score, **taken)), run_dir)


def _search(args) -> int:
    from snasray.search import load_run, run_search
    from snasray.search.searchers import SEARCHERS

    check_local_out(args.out)
    user_input(lambda: _check_summary_counts(args))
    if args.resume:
        target = args.resume if isinstance(args.resume, str) else args.out
        if not target:
            raise UserError("--resume needs the run directory (--resume RUN_DIR)")
        if args.out and Path(args.out).resolve() != Path(target).resolve():
            raise UserError(f"--resume {target} and --out {args.out} name two folders; a resume writes into its run")
        run_dir = Path(target)
        config = resumed_config(load_run(run_dir)[1], given_options(getattr(args, "argv", [])), run_dir)
    else:
        if args.searcher not in SEARCHERS:
            raise UserError(f"unknown searcher {shown(args.searcher)}; searchers are {', '.join(sorted(SEARCHERS))}")
        config = _config(args)
        run_dir = Path(args.out or f"runs/{Path(args.space).stem}-{args.searcher}-s{args.seed}")
        check_new_run_dir(run_dir)
    try:
        outcome = user_input(lambda: run_search(config, run_dir, resume=bool(args.resume), address=args.address))
    except (RunExists, StoreWriteFailed) as err:
        raise UserError(_with_flags(err)) from None
    print_summary(outcome, config, args.top_k)
    if not outcome.finished:
        print(f"search stopped early; continue it with: snasray search --resume {outcome.run_dir}")
        return 130
    if args.train_top_k:
        from snasray.cli.train_cmd import train_top_cells

        return train_top_cells(
            outcome.run_dir,
            args.train_top_k,
            config.score,
            args.train_recipe,
            args.train_epochs,
            config.seed,
            resume=bool(args.resume),
            address=args.address,
        )
    return 0


def _with_flags(err: RunExists | StoreWriteFailed) -> str:
    """The library's error as one line that says which command goes on from here."""
    if isinstance(err, RunExists):
        return f"{err.run_dir} already holds a search; pass --resume to continue it or choose another --out"
    return (
        f"cannot write to {err.run_dir}: {err.reason}; {err.rows_stored} row(s) were stored before it; free the"
        f" space and continue with: snasray search --resume {err.run_dir}"
    )


def _check_summary_counts(args) -> None:
    check_count("--top-k", args.top_k, 1, MAX_COUNT)
    check_count("--train-top-k", args.train_top_k, 0, MAX_COUNT)
    if args.train_epochs is not None:
        check_count("--train-epochs", args.train_epochs, 1, MAX_COUNT)


def print_summary(outcome, config, top_k: int) -> None:
    from snasray.cells import Cell, load_space
    from snasray.cells.drawing import draw_cell

    table = outcome.table
    ok = table[table["status"] == "ok"]
    ranked = ok[np.isfinite(ok["score"].to_numpy(dtype=float))].sort_values("score", ascending=False)
    print()
    print(
        f"search {outcome.run_id}: {config.searcher} on {config.space}, {outcome.evaluations}/{config.budget} cells"
        f" ({outcome.scored_now} scored now), data {config.score.dataset}, preset {config.score.preset},"
        f" seed {config.seed}"
    )
    errors = int((table["status"] == "error").sum())
    if errors:
        print(f"{errors} cell(s) failed to score; their errors are in the store's 'error' column")
    if outcome.exhausted:
        print("the searcher stopped proposing new cells before the budget was spent")
    if len(ranked):
        print("\n rank      score  firing rate      params  cell")
        for rank, row in enumerate(ranked.head(top_k).itertuples(), 1):
            print(f" {rank:>4} {row.score:>10.4f} {row.firing_rate:>12.4f} {row.params:>11,}  {row.key}")
        print("\nbest cell:")
        print(draw_cell(Cell.parse(ranked.iloc[0]["key"]), load_space(config.space).op_table))
    print(f"\nstore: {outcome.run_dir} ({len(table)} rows; pandas.read_parquet('{outcome.run_dir}'))")
