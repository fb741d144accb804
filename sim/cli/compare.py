"""Commands that compare and explain runs (`sim compare`, `sim trace`), added to `sim.cli.app`.

As in `cli.py`, each command gathers its options and calls the library
(`sim.compare`, `sim.trace`); heavy modules are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli import common
from sim.cli.app import app
from sim.cli.common import (
    EXIT_BAD_INPUT,
    SetOption,
    err,
    guard,
    print_table,
    progress_bar,
    reps_option,
    seed_option,
)


@app.command()
def compare(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Scenario files or result folders; the first is the baseline.", show_default=False
        ),
    ],
    reps: int | None = reps_option(
        "Replications of each scenario file (default: a result folder's, if one is given, "
        "else the first scenario file's run.replications)."
    ),
    seed: int | None = seed_option(
        "Seed of each scenario file (default: a result folder's, if one is given, else the "
        "first scenario file's run.seed)."
    ),
    workers: common.WorkersOption = None,
    out: common.OutOption = Path("results"),
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or tables.")
    ] = False,
    set_: SetOption = None,
    confidence: Annotated[
        float,
        typer.Option(
            "--confidence",
            min=0.5,
            max=0.999,
            help="Confidence level of every interval of a difference, e.g. 0.90 or 0.99.",
        ),
    ] = 0.95,
    executor: common.ExecutorOption = common.ExecutorKind.local,
    scheduler: common.SchedulerOption = None,
) -> None:
    """Compare scenarios with a baseline: every figure's difference with its confidence interval.

    Scenario files are run with one seed and number of replications (common
    random numbers: replication i of each shares its random numbers), so the
    differences are paired. Result folders are read, not rerun; they pair with
    runs of the same seed and replications and are compared unpaired otherwise.
    --set applies to every scenario file given (a result folder is read as it
    was run). Writes results/compare/<id>/ with comparison.json, report.md and
    report.html.

    Examples:

        sim compare scenarios/stalled.yaml scenarios/freeze.yaml

        sim compare scenarios/stalled.yaml scenarios/freeze.yaml --reps 2000 --seed 7

        sim compare scenarios/stalled.yaml scenarios/freeze.yaml --set deal.relief=0.3

        sim compare scenarios/stalled.yaml scenarios/freeze.yaml --confidence 0.99

        sim compare results/stalled/20260101-120000-seed7-n2000 scenarios/freeze.yaml
    """
    if len(inputs) < 2:
        err("error: give at least two inputs: the baseline, then what to compare with it.")
        raise typer.Exit(EXIT_BAD_INPUT)
    with guard(), common.charts_ahead():
        where = common.where_to_run(executor, scheduler)
        from sim.analysis.compare import compare as compare_runs
        from sim.analysis.compare import gather
        from sim.api.progress import labelled
        from sim.engine.folders import check_out, check_within
        from sim.errors import ScenarioError
        from sim.report.comparison import save

        if set_ and all(path.is_dir() for path in inputs):
            raise ScenarioError.single(
                "applies to scenario files, and every input is a result folder, read as it was run",
                file="--set",
                hint="give the scenario files, to run them with --set",
            )
        check_out(out)  # before anything runs: a folder that cannot take the results is refused
        check_within(out, "compare")
        with progress_bar(quiet) as bar:
            progress = labelled(bar) if bar else None
            runs = gather(
                inputs,
                reps=reps,
                seed=seed,
                workers=workers,
                progress=progress,
                overrides=set_,
                **where,
            )
        data = compare_runs(runs, confidence=confidence)
        folder = save(data, runs, out)
        if not quiet:
            _print_comparison(data)
        typer.echo(f"Comparison: {folder}")


def _print_comparison(data: dict) -> None:
    """Per scenario against the baseline: weapons averted, every figure, parameters changed;
    then the figures that rest on too few replications to quote."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from sim.analysis.compare import CONDITIONAL_NOTE
    from sim.report.cautions import cautions
    from sim.report.comparison import ci_text, figure_cell, level
    from sim.report.markdown import overrides_text

    console = Console()
    base = data["baseline"]
    scenarios = data["scenarios"]
    ci = f"{level(data)} CI"
    for label, sc in scenarios.items():
        vs = sc["vs_baseline"]
        if vs is None:
            continue
        console.rule(f"{label} against {base}")
        console.print(f"Differences are {vs['pairing']}.", markup=False)
        for name in (base, label):
            given = overrides_text(scenarios[name].get("overrides"))
            if given:
                console.print(f"{name}: {given}", markup=False)
        table = Table(
            title=f"Weapons averted: {base} minus {label}, mean [{ci}]",
            title_justify="left",
            box=box.SIMPLE_HEAD,
        )
        table.add_column("by the end of")
        for col in ("warheads", "material"):
            table.add_column(col, justify="right")
        for w, m in zip(vs["averted"]["warheads"], vs["averted"]["material"], strict=True):
            table.add_row(f"year {w['year']} ({w['date']})", ci_text(w), ci_text(m))
        print_table(console, table)

        table = Table(
            title=f"Every figure (mean or probability ± s.e.) and the difference [{ci}]",
            title_justify="left",
            box=box.SIMPLE_HEAD,
        )
        table.add_column("figure", min_width=18)
        table.add_column(base, justify="right")
        table.add_column(label, justify="right")
        table.add_column(f"{label} − {base}", justify="right")
        for block in ("metrics", "probabilities"):
            for name, figure in scenarios[base][block].items():
                table.add_row(
                    f"P({name})" if block == "probabilities" else name,
                    figure_cell(block, name, figure),
                    figure_cell(block, name, sc[block][name]),
                    ci_text(vs[block][name]),
                )
        print_table(console, table)
        console.print(CONDITIONAL_NOTE, markup=False)

        if not vs["parameters"]:
            console.print(f"Parameters: {label} and {base} set the same values.\n")
            continue
        table = Table(title="Parameters that differ", title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("parameter", base, label):
            table.add_column(col)
        for row in vs["parameters"]:
            table.add_row(
                row["path"], row["baseline"] or "(not set)", row["scenario"] or "(not set)"
            )
        print_table(console, table)
    for label, sc in scenarios.items():
        for line in cautions(sc["metrics"], sc["probabilities"], sc["replications"]):
            console.print(f"caution: {label}: {line}", markup=False, soft_wrap=True)


@app.command()
def trace(
    file: Annotated[
        Path, typer.Argument(help="Scenario file or result folder.", show_default=False)
    ],
    rep: Annotated[
        int | None, typer.Option("--rep", "-r", min=0, help="The replication to tell (0-based).")
    ] = None,
    pick: Annotated[
        str | None,
        typer.Option(
            "--pick",
            metavar="median|min|max|pNN",
            help="Tell the replication whose --metric sits at this percentile: median, min, "
            "max, or pNN with 0 <= NN <= 100 (p5, p95, p2.5). Replications are ranked by "
            "value (ties in replication order); the one at rank round(NN/100 x (n - 1)) is told.",
        ),
    ] = None,
    metric: Annotated[
        str, typer.Option("--metric", "-m", help="The outcome --pick ranks replications by.")
    ] = "final_warheads",
    seed: int | None = seed_option("Seed of the run (default: the scenario's run.seed)."),
    reps: int | None = reps_option(
        "Replications of the run (default: the scenario's run.replications); --pick runs "
        "them all to rank them."
    ),
    set_: SetOption = None,
    workers: common.WorkersOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the event log as JSON lines.")
    ] = False,
) -> None:
    """Tell one replication as a dated story, ending with its outcomes.

    The story of replication K is that of row K of the run's replications.csv:
    same seed, same story. With a scenario file, the run's seed and replications
    default to its run: section; with a result folder, its own seed is used and
    --pick reads its replications.csv instead of running again. --json prints one
    JSON object per event, then one with the outcomes and the drawn parameters.

    Examples:

        sim trace scenarios/freeze.yaml --rep 17

        sim trace scenarios/freeze.yaml --pick median --metric final_warheads --reps 2000

        sim trace scenarios/freeze.yaml --pick max --metric months_frozen

        sim trace results/freeze/20260101-120000-seed7-n2000 --pick p95 --json
    """
    with guard():
        from sim.analysis.trace import story
        from sim.report.story import json_lines, lines

        with progress_bar(as_json or pick is None) as bar:
            told = story(
                file,
                rep=rep,
                how=pick,
                metric=metric,
                seed=seed,
                reps=reps,
                overrides=set_,
                workers=workers,
                progress=bar,
            )
        for line in json_lines(told) if as_json else lines(told):
            typer.echo(line)
