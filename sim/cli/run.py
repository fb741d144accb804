"""The commands about one scenario: `sim run`, `sim validate`, `sim show`, `sim schema`.

Each gathers its options and calls the library; the figures printed come from
the run's summary. The library is imported inside the commands, so that
`sim --help` and `sim validate` start without loading numpy or SimPy.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from sim.cli import common
from sim.cli.app import app
from sim.cli.common import EXIT_BAD_INPUT, SetOption, err, guard, print_table, progress_bar


def shortfalls(summary: dict, precision: float) -> list[str]:
    """The precision figures of a summary whose standard error is still above the target."""
    from sim.engine.runner import PRECISION_EVENTS, PRECISION_METRICS
    from sim.report.rounding import fmt

    out = []
    for event in PRECISION_EVENTS:
        se = summary["probabilities"][event]["mcse"]
        if se > precision:
            out.append(f"the s.e. of P({event}) is {fmt(se, 2)}")
    for name in PRECISION_METRICS:
        m = summary["metrics"][name]
        if m["mcse"] > precision * abs(m["mean"]):
            out.append(f"the s.e. of mean {name} is {fmt(m['mcse'] / abs(m['mean']), 2)} of it")
    return out


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    reps: int | None = common.reps_option(
        "Replications (default: the scenario's run.replications)."
    ),
    seed: int | None = common.seed_option("Seed (default: the scenario's run.seed)."),
    workers: common.WorkersOption = None,
    set_: SetOption = None,
    out: common.OutOption = Path("results"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
    precision: Annotated[
        float | None,
        typer.Option(
            "--precision",
            min=1e-6,
            max=0.5,
            help="Run batches until every headline probability has a standard error at most "
            "this, and mean warheads and material at most this fraction of the mean "
            "(--reps sets the first batch). At a probability of 0 or 1 the standard error is "
            "about 1/replications (Wilson), so that needs about 1/precision replications.",
        ),
    ] = None,
    max_reps: Annotated[
        int | None,
        typer.Option(
            "--max-reps",
            min=1,
            help="Hard cap on the replications run (default with --precision: 1,000,000).",
        ),
    ] = None,
    no_trajectories: Annotated[
        bool,
        typer.Option(
            "--no-trajectories",
            help="Keep nothing per replication in memory (statistics on the fly, table "
            "spooled to disk): flat memory for runs of millions; no fan charts.",
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="The result folder's scenario part, OUT/NAME/<run-id>/ (default: the "
            "scenario's name): letters, digits, '_', '-' and '.'.",
        ),
    ] = None,
    executor: common.ExecutorOption = common.ExecutorKind.local,
    scheduler: common.SchedulerOption = None,
) -> None:
    """Run a scenario's Monte Carlo replications and write a result folder.

    Examples:

        sim run scenarios/freeze.yaml

        sim run scenarios/freeze.yaml --reps 5000 --seed 7 --workers 2

        sim run scenarios/stalled.yaml --set arsenal.production_rate=15 --out /tmp/results

        sim run scenarios/freeze.yaml --precision 0.005

        sim run scenarios/stalled.yaml --reps 2000000 --no-trajectories

        sim run scenarios/freeze.yaml --set deal.relief=0.3 --name freeze_relief03
        sim run scenarios/freeze.yaml --reps 1000000 --scheduler tcp://10.0.0.5:8786
    """
    clock = time.perf_counter()
    if reps is not None and max_reps is not None and reps > max_reps:
        err(
            f"error: --reps {reps:,} is more than --max-reps {max_reps:,}, the cap on the "
            "replications run. Lower --reps or raise --max-reps."
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    with guard(), common.charts_ahead():
        where = common.where_to_run(executor, scheduler)
        from sim.api.runs import run as run_scenario
        from sim.engine.folders import SaveError, check_name, check_out, check_within
        from sim.engine.runner import check_size
        from sim.report.writers import needed_bytes
        from sim.scenario.loader import load_scenario

        scenario = load_scenario(file, overrides=set_)
        if name is not None:
            check_run_name(name)
        folder_name = check_name(name or scenario.name, "scenario name", str(file))
        check_size(  # a run that cannot fit is refused before its destination is looked at
            scenario,
            reps,
            precision=precision,
            max_reps=max_reps,
            stream=no_trajectories,
            trajectories=not no_trajectories,
        )
        at_least = reps or scenario.run.replications  # --precision may run more, never fewer
        months = scenario.horizon_months + 1
        check_out(out, needed_bytes(at_least, months, not no_trajectories))
        check_within(out, folder_name)
        try:
            with progress_bar(quiet) as progress:
                results = run_scenario(
                    scenario,
                    reps=reps,
                    seed=seed,
                    workers=workers,
                    progress=progress,
                    trajectories=not no_trajectories,
                    stream=no_trajectories,
                    precision=precision,
                    max_reps=max_reps,
                    spool_dir=str(out) if no_trajectories else None,  # same disk: saved by a link
                    **where,
                )
        except OSError as exc:
            if not no_trajectories:
                raise
            err(f"error: the table spooled in --out {out} could not be written: {exc}")
            err("Nothing was saved; free some space, or give another --out, and run again.")
            raise typer.Exit(1) from None
        summary = results.summary()
        if not quiet:  # the figures first, while the folder is written (and its charts drawn)
            _print_summary(summary)
        try:
            folder = results.save(out, name=name)
        except SaveError as exc:  # written elsewhere, or not at all: the figures are shown
            err(f"error: {exc}")
            raise typer.Exit(1) from None
        if not quiet:
            typer.echo(_timing(summary, time.perf_counter() - clock))
        if precision is not None:
            typer.echo(_precision_message(summary))
        typer.echo(f"Results: {folder}")


def _precision_message(summary: dict) -> str:
    """Whether --precision was reached, and if not which figures fell short, at the cap."""

    prov = summary["provenance"]
    target, n = prov["precision"], prov["replications"]
    if prov["precision_met"]:
        return f"Precision {target:g} reached with {n:,} replications."
    short = shortfalls(summary, target)
    return (
        f"Stopped at the cap, --max-reps {prov['max_reps']:,}, before reaching precision "
        f"{target:g}" + (f": {'; '.join(short)}." if short else ".")
    )


def check_run_name(name: str) -> None:
    """`--name` becomes a folder: the rule of scenario and sweep names applies (exit code 2)."""
    from sim.errors import ScenarioError
    from sim.scenario.params import name_problem

    problem = name_problem(name)
    if problem:
        raise ScenarioError.single(problem, file="--name", hint="for example --name freeze_relief")


def _print_summary(summary: dict) -> None:
    """The run's figures in two tables, written by the rules of `sim.report.rounding`, then
    the figures that rest on too few replications to quote."""
    from rich.console import Console
    from rich.table import Table

    from sim.engine.summary import HEADLINE_EVENTS
    from sim.plan.outcomes import describe
    from sim.report.cautions import run_cautions
    from sim.report.markdown import overrides_text
    from sim.report.rounding import estimate, fmt, percentile, probability

    console = Console()
    sc = summary["scenario"]
    prov = summary["provenance"]
    overrides = overrides_text(prov.get("overrides"))
    table = Table(
        title=f"{sc.get('title') or sc['name']}: {prov['replications']:,} replications, "
        f"seed {prov['seed']}, from {sc['start']} for {sc['horizon_months'] // 12} years"
        + (f"; {overrides}" if overrides else ""),
        title_justify="left",
        caption="[MC a–b]: 95% Monte Carlo interval of the median",
        caption_justify="left",
    )
    table.add_column("outcome")
    for col in ("mean ± s.e.", "p5", "median [MC]", "p95"):
        table.add_column(col, justify="right")
    for name in (
        "final_warheads",
        "final_material",
        "material_per_year",
        "months_frozen",
        "rounds_held",
        "missile_launches",
        "nuclear_tests",
        "unsc_vetoes",
        "unsc_resolutions",
    ):
        m = summary["metrics"][name]
        table.add_row(
            describe(name),
            estimate(m["mean"], m["mcse"]),
            fmt(m["p5"]),
            percentile(m, 50),
            fmt(m["p95"]),
        )
    print_table(console, table)
    events = Table(title="Probabilities over the horizon", title_justify="left")
    events.add_column("event")
    events.add_column("p ± s.e. [95% MC interval]", justify="right")
    for name in ("talks_opened", *HEADLINE_EVENTS, "unsc_resolution"):
        events.add_row(describe(name, True), probability(summary["probabilities"][name]))
    print_table(console, events)
    for line in run_cautions(summary):
        console.print(f"caution: {line}", markup=False, highlight=False, soft_wrap=True)


def _timing(summary: dict, total: float) -> str:
    """How long the run took: its replications, and the whole command, writing included."""
    prov = summary["provenance"]
    workers = prov["workers"]
    where = prov.get("executor") or (
        "this process" if workers == 1 else f"{workers} local processes"
    )
    return (
        f"{prov['replications']:,} replications in {prov['wall_seconds']:.2f} s on {where}; "
        f"{total:.2f} s in all, with reading the scenario and writing the results."
    )


@app.command()
def validate(
    files: Annotated[
        list[Path], typer.Argument(help="Scenario files or sweep files.", show_default=False)
    ],
    set_: SetOption = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Also require every numeric parameter to cite a source or judgment."
        ),
    ] = False,
) -> None:
    """Check scenario files (and sweep files) without running them (exit code 2 if any is
    invalid).

    A sweep file is checked as `sim sweep --dry-run` would: its scenario, every
    factor and every point; nothing runs.

    Examples:

        sim validate scenarios/*.yaml

        sim validate --strict scenarios/freeze.yaml

        sim validate scenarios/sweeps/production.sweep.yaml
    """
    from sim.errors import ScenarioError
    from sim.scenario.loader import load_scenario
    from sim.scenario.schema import leaves
    from sim.sweeps.files import is_sweep_file

    failed = 0
    for file in files:
        try:
            if is_sweep_file(file):
                typer.echo(_checked_sweep(file, set_))
                continue
            scenario = load_scenario(file, overrides=set_, require_sources=strict)
        except ScenarioError as exc:
            failed += 1
            for problem in exc.problems:
                err(f"error: {problem}")
            continue
        params = leaves(scenario)
        uncertain = sum(1 for s in params.values() if s.random)
        typer.echo(
            f"ok  {file}: {scenario.name} — {len(params)} parameters ({uncertain} uncertain), "
            f"{len(scenario.calendar)} calendar events, {len(scenario.facts_cited)} facts cited"
        )
    if failed:
        err(f"{failed} of {len(files)} file(s) invalid.")
        raise typer.Exit(EXIT_BAD_INPUT)


def _checked_sweep(file: Path, overrides: list[str] | None) -> str:
    """Plan a sweep file (raising ScenarioError on any problem) and say what it would run."""
    from sim.sweeps.files import build_spec
    from sim.sweeps.plan import plan_sweep

    plan = plan_sweep(build_spec(file, None, sets=overrides))
    return (
        f"ok  {file}: sweep '{plan.name}' of {plan.base.name} — {plan.design.kind} design, "
        f"{len(plan.points)} points x {plan.reps:,} replications"
    )


@app.command()
def show(
    file: Annotated[Path, typer.Argument(help="Scenario file.", show_default=False)],
    set_: SetOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of YAML.")] = False,
) -> None:
    """Print a scenario as resolved: after `extends` and `--set`, validated.

    Example:

        sim show scenarios/freeze.yaml --set deal.relief=0.3
    """
    with guard():
        import json
        import os

        import yaml

        from sim.scenario.loader import load_scenario

        scenario = load_scenario(file, overrides=set_)
        data = dict(scenario.resolved)
        if isinstance(data.get("facts"), str):
            data["facts"] = os.path.relpath(data["facts"])
        if as_json:
            typer.echo(json.dumps(data, indent=2, default=str))
        else:
            typer.echo(f"# {file} resolved (hash {scenario.content_hash()})")
            typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


@app.command()
def schema(
    facts: Annotated[
        bool, typer.Option("--facts", help="The schema of a facts file instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checks).

    Example (VS Code, YAML extension):

        sim schema > scenario.schema.json
        # then add "# yaml-language-server: $schema=scenario.schema.json" to a scenario
    """
    import json

    if facts:
        from sim.scenario.facts import FactsFile

        doc = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **FactsFile.model_json_schema(),
        }
    else:
        from sim.scenario.schema import file_schema

        doc = file_schema()
    typer.echo(json.dumps(doc, indent=2))
