"""The `sim backtest` command, added to `sim.cli.app`: the model held against history.

Option gathering and printing only; the comparison is `sim.analysis.backtest`, the
folder and the model card section `sim.report.backtest`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from sim.cli.app import app
from sim.cli.common import (
    OutOption,
    SetOption,
    WorkersOption,
    err,
    guard,
    print_table,
    progress_bar,
    reps_option,
    seed_option,
)

DEFAULT_SCENARIOS = Path("scenarios/backtests")
DEFAULT_HISTORY = Path("seeds/history.yaml")


@app.command()
def backtest(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Back-test scenario files (default: every scenarios/backtests/*.yaml).",
            show_default=False,
        ),
    ] = None,
    history: Annotated[
        Path, typer.Option("--history", help="The historical record to compare with.")
    ] = DEFAULT_HISTORY,
    reps: int | None = reps_option("Replications (default: each scenario's run:)."),
    seed: int | None = seed_option("Seed (default: each scenario's run:)."),
    workers: WorkersOption = None,
    set_: SetOption = None,
    out: OutOption = Path("results"),
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Exit with code 1 if a checked figure falls outside its 90% band."
        ),
    ] = False,
    model_card: Annotated[
        Path | None,
        typer.Option(
            "--model-card",
            help="Also rewrite the generated sections of this model card: the back-test "
            "tables, the shipped scenarios' parameters and what drives their headline "
            "figures (between <!-- NAME:begin --> and <!-- NAME:end --> markers).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """Hold the model against history: run back-test scenarios, compare with published figures.

    Each back-test scenario starts in the past (the state then estimated, history's
    calendar); every published estimate, yearly count and freeze in the history that
    falls in its window is set beside the model's distribution: its percentile
    (PIT), whether it is inside the 50% and 90% bands, and the interval score.
    Writes results/backtests/<id>/ with backtest.json, report.md and report.html.
    --set applies to every scenario, to hold another judgment against history.

    Examples:

        sim backtest

        sim backtest --check --reps 2000

        sim backtest --set "arsenal.assembly_lag={uniform: [8, 12]}"

        sim backtest scenarios/backtests/from_2017.yaml --history seeds/history.yaml
    """
    with guard():
        from sim.analysis.backtest import backtest as run_backtest
        from sim.engine.folders import check_out, check_within
        from sim.errors import ScenarioError
        from sim.report.backtest import write_backtest
        from sim.report.model_card import update

        if not files:
            files = sorted(DEFAULT_SCENARIOS.glob("*.yaml"))
            if not files:
                raise ScenarioError.single(
                    f"no back-test scenarios in {DEFAULT_SCENARIOS}/",
                    file=str(DEFAULT_SCENARIOS),
                    hint="run from the repository root, or name the scenario files",
                )
        if model_card is not None and not model_card.is_file():
            raise ScenarioError.single("the model card does not exist", file=str(model_card))
        check_out(out)  # before anything runs: a folder that cannot take the results is refused
        check_within(out, "backtests")
        with progress_bar(quiet) as progress:
            result = run_backtest(
                files,
                history,
                reps=reps,
                seed=seed,
                workers=workers,
                overrides=set_,
                progress=progress,
            )
        data = result.to_json()
        folder = write_backtest(data, out)  # a SaveError exits 1 in `guard`, saying where it went
        if model_card is not None:
            update(model_card, data, Path("scenarios"), workers)
        if not quiet:
            _print_backtest(data)
        typer.echo(f"Back-test: {folder}")
        if model_card is not None:
            typer.echo(f"Model card updated: {model_card}")
        if check and data["totals"]["failures"]:
            err(f"check failed: {len(data['totals']['failures'])} outside the 90% band")
            raise typer.Exit(1)


def _print_backtest(data: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.report.backtest import MEASURES, band, published, totals_text
    from sim.report.rounding import fmt

    console = Console()
    for s in data["scenarios"]:
        points = [p for p in data["points"] if p["scenario"] == s["name"]]
        if not points:
            continue
        table = Table(
            title=f"{s['title'] or s['name']}: {s['start']} to {s['end']}, "
            f"{s['replications']:,} replications",
            title_justify="left",
        )
        columns: tuple[tuple[str, Literal["left", "right"]], ...] = (
            ("figure", "left"),
            ("date", "left"),
            ("measure", "left"),
            ("published", "right"),
            ("model median", "right"),
            ("90% band", "right"),
            ("PIT", "right"),
            ("in 90%", "left"),
        )
        for col, justify in columns:
            table.add_column(col, justify=justify)
        for p in points:
            mark = "" if p["checked"] else f" ({p['kind']})"
            inside = "yes" if p["in90"] else "[bold red]no[/bold red]"
            table.add_row(
                p["id"] + mark,
                p["when"],
                MEASURES.get(p["measure"], p["measure"]),
                published(p),
                fmt(p["p50"]),
                band(p, "p5", "p95"),
                f"{p['pit']:.2f}",
                inside,
            )
        print_table(console, table)
    for block in data["freezes"]:
        table = Table(
            title=f"Freeze survival ({block['scenario']}): {block['freezes']:,} model freezes",
            title_justify="left",
        )
        for col in (
            "episode",
            "months held",
            "P(model freeze lasts longer)",
            "outlasted by",
            "model 90%",
            "inside",
        ):
            table.add_column(col)
        for e in block["episodes"]:
            table.add_row(
                e["id"],
                f"{e['months']:.1f}",
                f"{e['model_survival']:.2f}",
                str(e["outlasted"]),
                f"{e['band'][0]}–{e['band'][1]}",
                "yes" if e["inside"] else "[bold red]no[/bold red]",
            )
        print_table(console, table)
    console.print(totals_text(data))
