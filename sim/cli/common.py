"""What every command shares: messages, exit codes, signals, progress bars, tables, options.

Expected failures become messages and exit codes, never tracebacks: bad input
exits 2, Ctrl-C 130, SIGTERM 143, a failure of the machine or of a worker 1.
Tables are printed whole (`show`): no figure is ever cut to `0.6…`.
Everything here is public to the command modules of `sim.cli`.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

EXIT_BAD_INPUT = 2


EXIT_INTERRUPTED = 130  # 128 + SIGINT


EXIT_TERMINATED = 143  # 128 + SIGTERM


def err(text: str) -> None:
    typer.echo(text, err=True)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main process so it stops exactly as Ctrl-C does."""


def interrupted_code(exc: KeyboardInterrupt) -> int:
    """128 + the signal: 143 for SIGTERM, 130 for Ctrl-C."""
    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


@contextmanager
def sigterm_as_interrupt():
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
def guard():
    """Turn expected failures into messages and exit codes, never tracebacks.

    Bad input exits 2; Ctrl-C 130 and SIGTERM 143, after cleaning up; results
    that could not be written where asked (`SaveError`, which says where they
    went instead), other failures of the system (a disk error) and a failed
    replication (a bug, `SimulationError`) exit 1.
    """
    from sim.engine.folders import SaveError
    from sim.engine.pool import WorkerLost
    from sim.errors import ScenarioError, SimulationError

    try:
        with sigterm_as_interrupt():
            yield
    except ScenarioError as exc:
        for problem in exc.problems:
            err(f"error: {problem}")
        n = len(exc.problems)
        err(f"{n} problem{'s' if n != 1 else ''} found; nothing was run.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except WorkerLost as exc:  # worker processes kept dying (killed, or out of memory)
        err(f"error: {exc}")
        raise typer.Exit(1) from None
    except SimulationError as exc:  # a replication failed: the engine's fault, not the input's
        err(f"error: {exc}")
        err("This is a bug in sim; please report it with the scenario and seed.")
        raise typer.Exit(1) from None
    except KeyboardInterrupt as exc:
        err("Interrupted: stopped cleanly; no result folder was written.")
        raise typer.Exit(interrupted_code(exc)) from None
    except SaveError as exc:
        err(f"error: {exc}")
        raise typer.Exit(1) from None
    except OSError as exc:  # the machine, not the input: a disk that filled up, a lost mount
        err(f"error: {exc}")
        err("Nothing was saved; fix the cause and run the command again.")
        raise typer.Exit(1) from None


WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        "-w",
        min=1,
        help="Processes (default: as many as the work pays for, up to all cores; 1 = serial).",
    ),
]


OutOption = Annotated[Path, typer.Option("--out", "-o", help="Results root folder.")]


def reps_option(help: str) -> Any:
    """`--reps`/`-n`, a number of replications (at least 1; None: a default the help says)."""
    return typer.Option(None, "--reps", "-n", min=1, help=help)


def seed_option(help: str) -> Any:
    """`--seed`/`-s`, a seed (not negative; None: a default the help says)."""
    return typer.Option(None, "--seed", "-s", min=0, help=help)


SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Override a parameter (value read as YAML), e.g. --set talks.rounds_per_year=3. "
        "Repeatable.",
    ),
]


#: The widest a table is printed when the output is not a terminal.
WIDEST = 10_000


def print_table(console, table) -> None:
    """Print a rich table whole, never cutting a cell to `…`.

    In a terminal, at the terminal's width: cells that do not fit wrap, and a
    word longer than its column folds onto the next line. Elsewhere (a pipe,
    a file, a test runner), as wide as the table needs, whatever the
    terminal's width or COLUMNS: a table in a log or a report is read whole.
    """
    for column in table.columns:
        column.no_wrap = False
        column.overflow = "fold"
    if console.is_terminal:
        console.print(table)
        return
    natural = console.measure(table, options=console.options.update_width(WIDEST)).maximum
    width = console.width
    console.width = max(width, natural)
    try:
        console.print(table)
    finally:
        console.width = width


#: The columns of the command line's bar (`sim.api.progress.rich_bar`): no percentage, the
#: rate instead, and `eta` before the time remaining.
BAR_COLUMNS = ("label", "bar", "count", "rate", "elapsed", "eta", "remaining")


@contextmanager
def progress_bar(quiet: bool):
    """Yield `update(done, total)` drawing the command's bar on standard error, or None when
    quiet or standard error is not a terminal. The bar is one line, `replications`, drawn
    from the start and cleared at the end."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    from sim.api.progress import rich_bar

    label = "replications"
    with rich_bar(Console(stderr=True), columns=BAR_COLUMNS, first=label, transient=True) as update:
        yield lambda done, total: update(label, done, total)


# --------------------------------------------------------------------------- where runs go


class ExecutorKind(StrEnum):
    local = "local"
    dask = "dask"


ExecutorOption = Annotated[
    ExecutorKind,
    typer.Option(
        "--executor",
        "-e",
        help="Where replications run: local processes, or dask (a local Dask cluster of "
        "--workers).",
    ),
]


SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="Run the replications on this existing Dask cluster (same numbers).",
    ),
]


def where_to_run(executor: ExecutorKind, scheduler: str | None) -> dict:
    """--executor and --scheduler as keywords of `run` and `gather`; a bad --scheduler
    address is refused (ScenarioError) before anything is read or run."""
    from sim.engine.executors import check_scheduler

    return {
        "executor": executor.value,
        "scheduler": check_scheduler(scheduler) if scheduler else None,
    }


def charts_ahead():
    """The command's charts drawn by a helper process that starts now and imports
    matplotlib while the replications run (`sim.report.plots.charts_ahead`)."""
    from sim.report.plots import charts_ahead as ahead

    return ahead()
