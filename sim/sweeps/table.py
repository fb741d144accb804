"""The points table: one row per design point, every figure of every point.

Columns: `point`, each swept parameter (dotted path), `status`, `key`, then
`<metric>.<stat>` for every metric (mean, mcse = standard error of the mean,
sd, percentiles, n) and `p_<event>`, `p_<event>.mcse` for every event. Written
as CSV row by row, each point's record read from the store as its row is
written (so a big sweep is never all in memory), then converted to Parquet
block by block where pyarrow is installed. The column order comes from the
engine's documented list of outcomes, never from a record, so a table is the
same whether its points were computed now, read from the cache, or run on
another machine. Percentiles of counts are whole numbers and written as such.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sim.engine.summary import COUNTS
from sim.engine.tables import csv_to_parquet
from sim.plan.outcomes import EVENTS, METRICS
from sim.sweeps.figures import documented
from sim.sweeps.plan import known_outputs
from sim.sweeps.run import SweepRun
from sim.sweeps.store import STATS

#: event column -> figure: `p_<event>` is the probability, `p_<event>.mcse` its standard error
EVENT_STATS = {"": "p", ".mcse": "mcse"}
#: The statistics of a count that are whole numbers.
WHOLE = frozenset(s for s in STATS if s.startswith("p")) | {"n"}


def output_names(sweep: SweepRun) -> tuple[list[str], list[str]]:
    """Metric and event names of the table, in the engine's documented order (none if no
    point succeeded). Every sound record holds exactly these (`sweep.store`)."""
    if not sweep.figures.any_ok():
        return [], []
    return documented(METRICS), documented(EVENTS)


def header(sweep: SweepRun) -> list[str]:
    """The table's column names."""
    metrics, events = output_names(sweep)
    names = ["point", *_paths(sweep), "status", "key"]
    names += [f"{m}.{s}" for m in metrics for s in STATS]
    names += [f"p_{e}{suffix}" for e in events for suffix in EVENT_STATS]
    return names


def _paths(sweep: SweepRun) -> list[str]:
    return [p for f in sweep.plan.design.factors for p in f.paths]


def rows(sweep: SweepRun) -> Iterator[list]:
    """The table's rows in point order, each point's record read from the store in turn."""
    metrics, events = output_names(sweep)
    paths = _paths(sweep)
    width = len(metrics) * len(STATS) + len(events) * len(EVENT_STATS)
    for point in sweep.plan.points:
        status = sweep.status(point)
        row = [point.index, *(point.values[p] for p in paths), status, point.key]
        if status != "ok":
            yield row + [None] * width
            continue
        record = sweep.record(point)
        for m in metrics:
            figures = record["metrics"][m]
            row += [_whole(figures[s]) if m in COUNTS and s in WHOLE else figures[s] for s in STATS]
        for e in events:
            row += [record["probabilities"][e][s] for s in EVENT_STATS.values()]
        yield row


def _whole(x):
    """A count's percentile as an integer (`7`, not `7.0`)."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def table(sweep: SweepRun) -> dict[str, list]:
    """One row per design point: its parameters, status and every figure, column by column.

    Columns: `point`, each swept parameter (dotted path), `status`, `key`, then
    `<metric>.<stat>` for mean, mcse (standard error of the mean), sd,
    percentiles and n; `p_<event>` and `p_<event>.mcse` for each event's probability.
    """
    names = header(sweep)
    columns: dict[str, list] = {name: [] for name in names}
    lists = list(columns.values())
    for row in rows(sweep):
        for column, value in zip(lists, row, strict=True):
            column.append(value)
    return columns


def outcome_column(sweep: SweepRun, name: str) -> list[float | None]:
    """A metric's mean, or an event's probability, at every point (None where failed)."""
    metrics, events = known_outputs()
    if name not in metrics and name not in events:
        raise KeyError(f"{name!r} is not an outcome of a sweep")
    figures = sweep.figures
    return [figures.get(point.key, name) for point in sweep.plan.points]


def write_points(sweep: SweepRun, folder: Path) -> None:
    """`points.csv` row by row, and `points.parquet` converted from it (with pyarrow).

    An empty cell (a null in Parquet) is a figure that does not exist (a failed
    point, or a metric with n = 0). Each column's Parquet type is what its
    values are: whole numbers, numbers, or text (a factor that takes names).
    """
    names = header(sweep)
    kinds = [_Kind() for _ in names]
    path = folder / "points.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)  # RFC 4180 (CRLF): a CR or LF inside a cell is quoted
        writer.writerow(names)
        for row in rows(sweep):
            for kind, value in zip(kinds, row, strict=True):
                kind.see(value)
            writer.writerow(row)
    csv_to_parquet(
        path, folder / "points.parquet", {n: k.arrow() for n, k in zip(names, kinds, strict=True)}
    )


class _Kind:
    """What the values of a column have been so far: whole numbers, numbers, or text."""

    def __init__(self) -> None:
        self.whole, self.number = True, True

    def see(self, value) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.whole = self.number = False
        elif not isinstance(value, int):
            self.whole = False

    def arrow(self) -> str:
        return "int64" if self.whole else "float64" if self.number else "string"
