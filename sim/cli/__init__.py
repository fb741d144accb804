"""The `sim` command line: a thin layer over the Python API.

`app` is the typer application; importing this package registers every
command on it (one module per command family). Commands gather options, call
the library and print; no logic lives here that the Python API lacks.
"""

from sim.cli import backtest, compare, discover, run, sweep
from sim.cli.app import app, main

__all__ = ["app", "backtest", "compare", "discover", "main", "run", "sweep"]
