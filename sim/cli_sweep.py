"""The `sim sweep` command: registered on `sim.cli.app`."""

from __future__ import annotations

from .cli import app  # noqa: F401 - commands are added to this app
