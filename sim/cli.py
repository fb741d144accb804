"""The `sim` command line: a thin layer over the Python API.

Each command gathers its options and calls the library; presentation (tables,
progress bars, error formatting) is the only thing that lives here. Heavy
modules are imported inside the commands so that `sim --help` and
`sim validate` start fast.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from .version import __version__

app = typer.Typer(
    name="sim",
    help="Scenario simulation of nuclear diplomacy: YAML scenarios, a SimPy model, "
    "Monte Carlo figures you can quote.\n\n"
    "Start with:  sim run scenarios/freeze.yaml",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """sim: scenario simulation of nuclear diplomacy."""


def _err(text: str) -> None:
    typer.echo(text, err=True)


@contextmanager
def _guard():
    """Turn expected failures into messages and exit codes, never tracebacks."""
    from .errors import ScenarioError

    try:
        yield
    except ScenarioError as exc:
        for problem in exc.problems:
            _err(f"error: {problem}")
        n = len(exc.problems)
        _err(f"{n} problem{'s' if n != 1 else ''} found; nothing was run.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt:
        _err("Interrupted: stopped cleanly; no result folder was written.")
        raise typer.Exit(EXIT_INTERRUPTED) from None


WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, help="Processes (default: all cores; 1 = serial)."),
]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Results root folder.")]

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Override a parameter (value read as YAML), e.g. --set talks.rounds_per_year=3. "
        "Repeatable.",
    ),
]


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    reps: Annotated[
        int | None,
        typer.Option(
            "--reps", "-n", min=1, help="Replications (default: the scenario's run.replications)."
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", "-s", min=0, help="Seed (default: the scenario's run.seed)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=1, help="Processes (default: all cores; 1 = serial)."),
    ] = None,
    set_: SetOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Results root folder.")] = Path(
        "results"
    ),
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
) -> None:
    """Run a scenario's Monte Carlo replications and write a result folder.

    Examples:

        sim run scenarios/freeze.yaml

        sim run scenarios/freeze.yaml --reps 5000 --seed 7 --workers 2

        sim run scenarios/stalled.yaml --set arsenal.production_rate=15 --out /tmp/results

        sim run scenarios/freeze.yaml --precision 0.005

        sim run scenarios/stalled.yaml --reps 2000000 --no-trajectories
    """
    if reps is not None and max_reps is not None and reps > max_reps:
        _err(
            f"error: --reps {reps:,} is more than --max-reps {max_reps:,}, the cap on the "
            "replications run. Lower --reps or raise --max-reps."
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    with _guard():
        from .loader import load_scenario
        from .runner import SimulationError
        from .runner import run as run_scenario

        scenario = load_scenario(file, overrides=set_)
        try:
            with _progress(quiet) as progress:
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
                    spool_dir=_spool_dir(out) if no_trajectories else None,
                )
        except SimulationError as exc:
            _err(f"error: {exc}")
            _err("This is a bug in sim; please report it with the scenario and seed.")
            raise typer.Exit(1) from None
        folder = results.save(out)
        summary = results.summary()
        if not quiet:
            _print_summary(summary)
        if precision is not None:
            typer.echo(_precision_message(summary))
        typer.echo(f"Results: {folder}")


def _precision_message(summary: dict) -> str:
    """Whether --precision was reached, and if not which figures fell short, at the cap."""
    from .runner import shortfalls

    prov = summary["provenance"]
    target, n = prov["precision"], prov["replications"]
    if prov["precision_met"]:
        return f"Precision {target:g} reached with {n:,} replications."
    short = shortfalls(summary, target)
    return (
        f"Stopped at the cap, --max-reps {prov['max_reps']:,}, before reaching precision "
        f"{target:g}" + (f": {'; '.join(short)}." if short else ".")
    )


def _spool_dir(out: Path) -> str | None:
    """Spool big tables beside the results, on the same disk, so saving them is a link."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        return str(out)
    except OSError:
        return None


@contextmanager
def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]replications"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("run", total=None, rate="")

        def update(done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:,.0f} reps/s" if elapsed > 0 and done else ""
            bar.update(task, completed=done, total=total, rate=rate)

        yield update


def _print_summary(summary: dict) -> None:
    """The run's figures in two tables, written by the rules of `sim.rounding`."""
    from rich.console import Console
    from rich.table import Table

    from .rounding import estimate, fmt, percentile, probability
    from .summary import DESCRIPTIONS, HEADLINE_EVENTS

    console = Console()
    sc = summary["scenario"]
    prov = summary["provenance"]
    table = Table(
        title=f"{sc.get('title') or sc['name']}: {prov['replications']:,} replications, "
        f"seed {prov['seed']}, from {sc['start']} for {sc['horizon_months'] // 12} years",
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
            DESCRIPTIONS[name],
            estimate(m["mean"], m["mcse"]),
            fmt(m["p5"]),
            percentile(m, 50),
            fmt(m["p95"]),
        )
    console.print(table)
    events = Table(title="Probabilities over the horizon", title_justify="left")
    events.add_column("event")
    events.add_column("p ± s.e. [95% MC interval]", justify="right")
    for name in ("talks_opened", *HEADLINE_EVENTS, "unsc_resolution"):
        events.add_row(DESCRIPTIONS[name], probability(summary["probabilities"][name]))
    console.print(events)
    console.print(f"[dim]{prov['wall_seconds']:.1f} s on {prov['workers']} worker(s)[/dim]")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files.", show_default=False)],
    set_: SetOption = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Also require every numeric parameter to cite a source or judgment."
        ),
    ] = False,
) -> None:
    """Check scenario files without running them (exit code 2 if any is invalid).

    Examples:

        sim validate scenarios/*.yaml

        sim validate --strict scenarios/freeze.yaml
    """
    from .errors import ScenarioError
    from .loader import load_scenario
    from .schema import leaves

    failed = 0
    for file in files:
        try:
            scenario = load_scenario(file, overrides=set_, require_sources=strict)
        except ScenarioError as exc:
            failed += 1
            for problem in exc.problems:
                _err(f"error: {problem}")
            continue
        params = leaves(scenario)
        uncertain = sum(1 for s in params.values() if s.random)
        typer.echo(
            f"ok  {file}: {scenario.name} — {len(params)} parameters ({uncertain} uncertain), "
            f"{len(scenario.calendar)} calendar events, {len(scenario.facts_cited)} facts cited"
        )
    if failed:
        _err(f"{failed} of {len(files)} file(s) invalid.")
        raise typer.Exit(EXIT_BAD_INPUT)


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
    with _guard():
        import json
        import os

        import yaml

        from .loader import load_scenario

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
        from .facts import FactsFile

        doc = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **FactsFile.model_json_schema(),
        }
    else:
        from .schema import file_schema

        doc = file_schema()
    typer.echo(json.dumps(doc, indent=2))


def main() -> None:
    app()


# Commands defined in their own modules register themselves on `app` when imported.
from . import cli_backtest, cli_compare, cli_discover, cli_sweep  # noqa: E402, F401
