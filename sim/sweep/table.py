"""The points table: one row per design point, every figure of every point.

Columns: `point`, each swept parameter (dotted path), `status`, `key`, then
`<metric>.<stat>` for every metric (mean, mcse = standard error of the mean,
sd, percentiles, n) and `p_<event>`, `p_<event>.mcse` for every event. Written
as CSV and, where pyarrow is installed, Parquet. The column order comes from the
engine's documented list of outcomes, never from a record, so a table is the
same whether its points were computed now, read from the cache, or run on
another machine.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sim.plan.outcomes import DESCRIPTIONS
from sim.sweep.plan import known_outputs
from sim.sweep.run import SweepRun
from sim.sweep.store import STATS

#: event column -> figure: `p_<event>` is the probability, `p_<event>.mcse` its standard error
EVENT_STATS = {"": "p", ".mcse": "mcse"}


def output_names(sweep: SweepRun) -> tuple[list[str], list[str]]:
    """Metric and event names of the successful points, in the engine's documented order.

    The order comes from `summary.DESCRIPTIONS`, never from a record, so a table
    is the same whether its points were computed now or read from the cache.
    """
    metrics: set[str] = set()
    events: set[str] = set()
    for record in sweep.records.values():
        if record["status"] == "ok":
            metrics.update(record["metrics"])
            events.update(record["probabilities"])
    rank = {name: i for i, name in enumerate(DESCRIPTIONS)}

    def ordered(names: set[str]) -> list[str]:
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))

    return ordered(metrics), ordered(events)


def table(sweep: SweepRun) -> dict[str, list]:
    """One row per design point: its parameters, status and every figure.

    Columns: `point`, each swept parameter (dotted path), `status`, `key`, then
    `<metric>.<stat>` for mean, mcse (standard error of the mean), sd,
    percentiles and n; `p_<event>` and `p_<event>.mcse` for each event's probability.
    """
    plan = sweep.plan
    metrics, events = output_names(sweep)
    paths = [p for f in plan.design.factors for p in f.paths]
    cols: dict[str, list] = {"point": [], **{p: [] for p in paths}, "status": [], "key": []}
    for m in metrics:
        cols.update({f"{m}.{s}": [] for s in STATS})
    for e in events:
        cols.update({f"p_{e}{suffix}": [] for suffix in EVENT_STATS})
    for point in plan.points:
        record = sweep.record(point)
        ok = record["status"] == "ok"
        cols["point"].append(point.index)
        for p in paths:
            cols[p].append(point.values[p])
        cols["status"].append(record["status"])
        cols["key"].append(point.key)
        for m in metrics:
            for s in STATS:
                cols[f"{m}.{s}"].append(record["metrics"][m][s] if ok else None)
        for e in events:
            for suffix, s in EVENT_STATS.items():
                cols[f"p_{e}{suffix}"].append(record["probabilities"][e][s] if ok else None)
    return cols


def outcome_column(sweep: SweepRun, name: str) -> list[float | None]:
    """A metric's mean, or an event's probability, at every point (None where failed)."""
    metrics, _ = known_outputs()
    out: list[float | None] = []
    for point in sweep.plan.points:
        record = sweep.record(point)
        if record["status"] != "ok":
            out.append(None)
        elif name in metrics:
            out.append(record["metrics"][name]["mean"])
        else:
            out.append(record["probabilities"][name]["p"])
    return out


def write_csv(columns: dict[str, list], path: Path) -> None:
    """One row per point; an empty cell is a figure that does not exist (failed, or n = 0)."""
    names = list(columns)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)  # RFC 4180 (CRLF): a CR or LF inside a cell is quoted
        writer.writerow(names)
        writer.writerows(zip(*(columns[k] for k in names), strict=True))


def write_parquet(columns: dict[str, list], path: Path) -> bool:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    arrays = {}
    for name, values in columns.items():
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column mixing names and numbers
            arrays[name] = pa.array([None if v is None else str(v) for v in values])
    pq.write_table(pa.table(arrays), path)
    return True
