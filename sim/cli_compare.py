"""Commands that compare and explain runs (`sim compare`, `sim trace`), added to `sim.cli.app`."""

from __future__ import annotations

from .cli import app  # noqa: F401 - commands are added to this app
