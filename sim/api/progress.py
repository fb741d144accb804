"""`progress=True`: a progress bar in a terminal and in a Jupyter notebook.

`sim.run`, `sim.compare` and `sim.sweep` take `progress`: `True` for a bar,
or a function `progress(done, total)` called as replications finish (for a
widget of your own). In a terminal the bar is rich's, on standard error. In
Jupyter it is rich's too where ipywidgets is installed (rich draws into a
widget); without ipywidgets, a plain HTML `<progress>` element is updated in
place through IPython's display, so a bar shows in any notebook. Elsewhere
(output sent to a file, a test run) nothing is drawn.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import escape
from importlib.util import find_spec

#: update(label, done, total): `label` names what is counted (a scenario, a sweep).
Update = Callable[[str, int, int], None]
#: What a caller may pass: a bar, none, or a function of (done, total).
ProgressArg = bool | Callable[[int, int], None] | None

#: Least seconds between two redraws of the HTML bar (the last state is always drawn).
REDRAW = 0.2


@contextmanager
def progress_bar(progress: ProgressArg, unit: str = "replications") -> Iterator[Update | None]:
    """Yield `update(label, done, total)` for one bar a label, or None when nothing is shown."""
    if progress is None or progress is False:
        yield None
        return
    if progress is not True:
        if not callable(progress):
            raise TypeError(
                f"progress must be True, False or a function (done, total), not {progress!r}"
            )
        yield labelled(progress)
        return
    from rich.console import Console

    console = Console(stderr=True)
    if console.is_jupyter and find_spec("ipywidgets") is None:
        yield HtmlBar(unit).update
    elif console.is_jupyter or console.is_terminal:
        with rich_bar(console, unit) as update:
            yield update
    else:
        yield None


def labelled(report: Callable[[int, int], None]) -> Update:
    """`report(done, total)` as an `update(label, done, total)` that ignores the label."""
    return lambda _label, done, total: report(done, total)


#: The columns of `progress=True`'s bar (see `rich_bar`).
COLUMNS = ("label", "bar", "percent", "count", "unit", "elapsed", "remaining")


@contextmanager
def rich_bar(
    console,
    unit: str = "replications",
    *,
    columns: tuple[str, ...] = COLUMNS,
    first: str | None = None,
    transient: bool = False,
) -> Iterator[Update]:
    """Rich's bar on `console`, a line a label; yield `update(label, done, total)`.

    `columns` names what a line shows, in order: `label` (bold), `bar`,
    `percent`, `count` (done/total), `unit`, `rate` (`N reps/s` since the line
    began, as of its last update), `elapsed`, `eta` (the word) and `remaining`.
    A line is added at a label's first update, but the line of `first` is
    drawn from the start, its total unknown (a pulse) until then.
    `transient` clears the bar at the end. The command line's bar is one of
    these (`sim.cli.common.progress_bar`).
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TaskID,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    makers: dict[str, Callable[[], ProgressColumn]] = {
        "label": lambda: TextColumn("[bold]{task.description}"),
        "bar": BarColumn,
        "percent": TaskProgressColumn,
        "count": MofNCompleteColumn,
        "unit": lambda: TextColumn(unit),
        "rate": lambda: TextColumn("{task.fields[rate]}"),
        "elapsed": TimeElapsedColumn,
        "eta": lambda: TextColumn("eta"),
        "remaining": TimeRemainingColumn,
    }
    rate = "rate" in columns
    with Progress(
        *(makers[name]() for name in columns), console=console, transient=transient
    ) as bars:
        tasks: dict[str, TaskID] = {}
        if first is not None:
            tasks[first] = bars.add_task(first, total=None, rate="")

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bars.add_task(label, total=total, rate="")
            if not rate:
                bars.update(tasks[label], completed=done, total=total)
                return
            elapsed = next(t for t in bars.tasks if t.id == tasks[label]).elapsed or 0.0
            per_second = f"{done / elapsed:,.0f} reps/s" if elapsed > 0 and done else ""
            bars.update(tasks[label], completed=done, total=total, rate=per_second)

        yield update


class HtmlBar:
    """A bar per label as HTML `<progress>` elements, redrawn in place in a notebook cell."""

    def __init__(self, unit: str, display: Callable | None = None):
        if display is None:
            from IPython.display import display as ipython_display

            display = ipython_display
        self.unit = unit
        self.bars: dict[str, tuple[int, int]] = {}
        self.start = self.drawn = time.perf_counter()
        self.handle = display(self._html(""), display_id=True)

    def update(self, label: str, done: int, total: int) -> None:
        self.bars[label] = (done, total)
        now = time.perf_counter()
        if done < total and now - self.drawn < REDRAW:
            return
        self.drawn = now
        self.handle.update(self._html(self.render(now - self.start)))

    def render(self, seconds: float) -> str:
        """The bars as HTML: label, bar, `done of total <unit>`, seconds so far."""
        rows = "".join(
            f"<tr><td><b>{escape(label)}</b></td>"
            f'<td><progress value="{done}" max="{max(total, 1)}"></progress></td>'
            f"<td>{done:,} of {total:,} {escape(self.unit)}</td></tr>"
            for label, (done, total) in self.bars.items()
        )
        return f"<table>{rows}</table><small>{seconds:.1f} s</small>"

    @staticmethod
    def _html(text: str):
        try:
            from IPython.display import HTML
        except ImportError:  # a display given by a caller outside IPython: plain text
            return text
        return HTML(text)
