"""The command line's progress bar and `progress=True`'s: one builder, two looks.

Both are `sim.api.progress.rich_bar`; these pin what each draws, frame by
frame, on a terminal whose clock the test sets.
"""

from __future__ import annotations

import io
import re
import sys

import pytest
from rich.console import Console

from sim.api.progress import labelled
from sim.api.progress import progress_bar as api_progress_bar
from sim.cli.common import progress_bar

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FULL = "━" * 40


class Terminal:
    """Rich's consoles drawing into one 100-column terminal whose clock is `now`."""

    def __init__(self):
        self.out = io.StringIO()
        self.now = 0.0

    def console(self, **kw) -> Console:
        return Console(
            file=self.out, force_terminal=True, width=100, get_time=lambda: self.now, **kw
        )

    def frames(self) -> list[str]:
        """Each drawing of the bar, as plain text, in order."""
        text = ANSI.sub("", self.out.getvalue())
        return [frame for frame in text.split("\r") if frame.strip()]


@pytest.fixture
def terminal(monkeypatch) -> Terminal:
    term = Terminal()
    monkeypatch.setattr("rich.console.Console", term.console)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    return term


def test_the_command_line_bar_counts_replications_with_their_rate_and_eta(terminal):
    with progress_bar(False) as bar:
        assert bar is not None
        for now, done in ((1.0, 100), (2.5, 300)):
            terminal.now = now
            bar(done, 300)
        terminal.now = 3.0
    frames = terminal.frames()
    # drawn from the start, its total not yet known: a pulse, no rate, no time remaining
    assert re.fullmatch(r"replications [━╺╸]{40} 0/\?  0:00:00 eta  ", frames[0])
    # the last: no percentage, the rate as of the last update, `eta` before the time left
    assert frames[-1] == f"replications {FULL} 300/300 120 reps/s 0:00:02 eta 0:00:00\n"
    assert all("%" not in frame for frame in frames)


def test_the_command_line_bar_is_cleared_at_the_end(terminal):
    with progress_bar(False) as bar:
        assert bar is not None
        bar(3, 3)
    assert terminal.out.getvalue().endswith("\x1b[?25h\r\x1b[1A\x1b[2K")


@pytest.mark.parametrize("quiet, tty", [(True, True), (False, False), (True, False)])
def test_the_command_line_bar_is_not_drawn_when_quiet_or_outside_a_terminal(
    terminal, monkeypatch, quiet, tty
):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    with progress_bar(quiet) as bar:
        assert bar is None
    assert terminal.out.getvalue() == ""


def test_the_api_bar_draws_a_line_a_label_with_percentage_and_unit_and_stays(terminal):
    with api_progress_bar(True) as update:
        assert update is not None
        for now, label, done in ((0.5, "stalled", 200), (1.0, "freeze", 0), (2.0, "freeze", 50)):
            terminal.now = now
            update(label, done, 200)
        terminal.now = 3.0
    frames = terminal.frames()
    assert frames[-1] == (
        f"stalled {FULL} 100% 200/200 replications 0:00:00 0:00:00\n"
        f"freeze  {'━' * 10}╺{'━' * 29}  25%  50/200 replications 0:00:02 -:--:--\n"
    )
    assert terminal.out.getvalue().endswith("\x1b[?25h")  # not cleared
    assert all("reps/s" not in frame and "eta" not in frame for frame in frames)


def test_a_function_of_done_and_total_is_told_each_update_without_the_label():
    told = []
    update = labelled(lambda done, total: told.append((done, total)))
    update("freeze", 3, 9)
    with api_progress_bar(lambda done, total: told.append((done, total))) as same:
        assert same is not None
        same("stalled", 4, 9)
    assert told == [(3, 9), (4, 9)]
