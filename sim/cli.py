"""The `sim` command line: a thin layer over the Python API.

Each command gathers its options and calls the library; presentation (tables,
progress bars, error formatting) is the only thing that lives here. Heavy
modules are imported inside the commands so that `sim --help` and
`sim validate` start fast.
"""

from __future__ import annotations

import os
import signal
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
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main process so it stops exactly as Ctrl-C does."""


def interrupted_code(exc: KeyboardInterrupt) -> int:
    """128 + the signal: 143 for SIGTERM, 130 for Ctrl-C."""
    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


@contextmanager
def _sigterm_as_interrupt():
    """Handle SIGTERM like Ctrl-C: cleanup runs, temporary folders and spools are removed.

    A forked worker inherits the handler; there it ends the process as SIGTERM
    would, so a pool can still be terminated. A second SIGTERM while cleaning
    up is ignored, so the cleanup finishes.
    """
    main = os.getpid()

    def handler(signum, _frame):
        if os.getpid() != main:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        signal.signal(signum, signal.SIG_IGN)
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding application): leave it alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _guard():
    """Turn expected failures into messages and exit codes, never tracebacks.

    Bad input exits 2; Ctrl-C 130 and SIGTERM 143, after cleaning up; results
    that could not be written where asked (`SaveError`, which says where they
    went instead) and other failures of the system (a disk error) exit 1.
    """
    from .errors import ScenarioError
    from .folders import SaveError
    from .pool import WorkerLost

    try:
        with _sigterm_as_interrupt():
            yield
    except ScenarioError as exc:
        for problem in exc.problems:
            _err(f"error: {problem}")
        n = len(exc.problems)
        _err(f"{n} problem{'s' if n != 1 else ''} found; nothing was run.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except WorkerLost as exc:  # worker processes kept dying (killed, or out of memory)
        _err(f"error: {exc}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt as exc:
        _err("Interrupted: stopped cleanly; no result folder was written.")
        raise typer.Exit(interrupted_code(exc)) from None
    except SaveError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(1) from None
    except OSError as exc:  # the machine, not the input: a disk that filled up, a lost mount
        _err(f"error: {exc}")
        _err("Nothing was saved; fix the cause and run the command again.")
        raise typer.Exit(1) from None


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
        from .folders import SaveError, check_name, check_out, check_within
        from .loader import load_scenario
        from .runner import SimulationError, check_size
        from .runner import run as run_scenario
        from .writers import needed_bytes

        scenario = load_scenario(file, overrides=set_)
        check_name(scenario.name, "scenario name", str(file))
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
        check_within(out, scenario.name)
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
                    spool_dir=str(out) if no_trajectories else None,  # same disk: saved by a link
                )
        except SimulationError as exc:
            _err(f"error: {exc}")
            _err("This is a bug in sim; please report it with the scenario and seed.")
            raise typer.Exit(1) from None
        except OSError as exc:
            if not no_trajectories:
                raise
            _err(f"error: the table spooled in --out {out} could not be written: {exc}")
            _err("Nothing was saved; free some space, or give another --out, and run again.")
            raise typer.Exit(1) from None
        summary = results.summary()
        try:
            folder = results.save(out)
        except SaveError as exc:  # written elsewhere, or not at all: show the figures anyway
            if not quiet:
                _print_summary(summary)
            _err(f"error: {exc}")
            raise typer.Exit(1) from None
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
