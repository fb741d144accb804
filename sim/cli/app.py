"""The `sim` application: the typer app every command registers on, and `main`.

Commands live in their own modules (`run`, `compare`, `sweep`, `backtest`,
`discover`) and register on `app` when `sim.cli` is imported; shared helpers
(error messages, exit codes, progress bars, signal handling, common options)
are in `common`.

Flags show no value placeholder in help. Typer's rich help asks every option
for a type label (`TyperOption.display_type_rich`), and for a flag it gives
`<bool>` as if `--quiet` took a value; click's plain help leaves flags bare. A
metavar, when set, is what that label shows, so `Command` and `Group` give
every flag (including `--help`) an empty one.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from sim.version import __version__


def _bare_flags(params: list) -> list:
    """Give flags an empty metavar, so help shows no `<bool>` after them."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A command whose flags show no value placeholder in help."""

    def get_params(self, ctx):
        return _bare_flags(super().get_params(ctx))


class Group(TyperGroup):
    """The `sim` group, whose flags (`--version`, `--help`, ...) show no value placeholder."""

    def get_params(self, ctx):
        return _bare_flags(super().get_params(ctx))


class App(typer.Typer):
    """A typer app whose commands are `Command`s."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


app = App(
    name="sim",
    cls=Group,
    help="Scenario simulation of nuclear diplomacy: YAML scenarios, a SimPy model, "
    "Monte Carlo figures you can quote.\n\n"
    "Start with:  sim run scenarios/freeze.yaml",
    no_args_is_help=True,
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
