"""The `sim` application: the typer app every command registers on, and `main`.

Commands live in their own modules (`run`, `compare`, `sweep`, `backtest`,
`discover`) and register on `app` when `sim.cli` is imported; shared helpers
(error messages, exit codes, progress bars, signal handling, common options)
are in `common`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sim.version import __version__

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


def main() -> None:
    app()
