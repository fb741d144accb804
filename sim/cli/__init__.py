"""The `sim` command line: a thin layer over the Python API.

`app` is the typer application; importing this package registers every
command on it (one module per command family). Commands gather options, call
the library and print; no logic lives here that the Python API lacks.
"""

# isort: off
# The order commands are listed in by `sim --help`.
from sim.cli import run, compare, sweep, backtest, discover
from sim.cli.app import app, main

# isort: on

__all__ = ["app", "backtest", "compare", "discover", "main", "run", "sweep"]
