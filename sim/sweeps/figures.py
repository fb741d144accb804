"""What a sweep keeps of each point in memory: a row of numbers, not its record.

A point's record (`sweep.store`) holds every figure of every outcome, about
40 KB once read into Python; a sweep of thousands of points kept them all and
grew by that much a point. `Figures` keeps, for each distinct point, what the
analysis and the report's summary lines need: whether it succeeded, the mean
(or probability) of every outcome, its error if it failed, how long it took to
compute and when it finished. About 350 bytes a point; the records themselves
stay on disk and are read back one at a time (`records`, the points table).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import numpy as np

from sim.plan.outcomes import DESCRIPTIONS, EVENTS, METRICS

#: What a sweep analyses, each name once: every metric's mean and every event's probability.
#: `cheating_detected` is both a count and an event; by that name a sweep analyses the event
#: (`sim.sweeps.plan.known_outputs`), and the count is in the record and the points table.
OUTCOMES = (*(m for m in METRICS if m not in EVENTS), *EVENTS)


def documented(names) -> list[str]:
    """Names in the order the engine documents them (`DESCRIPTIONS`), unknown ones last."""
    rank = {name: i for i, name in enumerate(DESCRIPTIONS)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


class Figures:
    """One row per distinct point (by key): status, outcome means, seconds, finish time."""

    def __init__(self, keys: list[str]):
        self.keys = keys
        self.row = {key: k for k, key in enumerate(keys)}
        self.names = OUTCOMES
        self.column = {name: j for j, name in enumerate(self.names)}
        self.metric_column = {n: j for n, j in self.column.items() if n not in EVENTS}
        self.event_column = {n: j for n, j in self.column.items() if n in EVENTS}
        n = len(keys)
        self.values = np.full((n, len(self.names)), np.nan)
        self.ok = np.zeros(n, dtype=bool)
        self.seen = np.zeros(n, dtype=bool)
        self.now = np.zeros(n, dtype=bool)  # computed by this run, not read from the cache
        self.seconds = np.full(n, np.nan)
        self.finished = np.full(n, np.nan)  # POSIX time the point finished computing
        self.errors: dict[str, str] = {}

    def add(self, record: dict, now: bool) -> None:
        """Take what is kept of one record (from the store, or just computed)."""
        k = self.row[record["key"]]
        self.seen[k], self.now[k] = True, now
        self.seconds[k] = _number(record.get("seconds"))
        self.finished[k] = _when(record.get("finished"))
        self.ok[k] = record["status"] == "ok"
        self.values[k] = np.nan
        if not self.ok[k]:
            self.errors[record["key"]] = str(record.get("error", "unknown error"))
            return
        self.errors.pop(record["key"], None)
        for name, m in record["metrics"].items():
            if name in self.metric_column and m["mean"] is not None:
                self.values[k, self.metric_column[name]] = m["mean"]
        for name, p in record["probabilities"].items():
            if name in self.event_column:
                self.values[k, self.event_column[name]] = p["p"]

    def get(self, key: str, name: str) -> float | None:
        """The mean (or probability) of `name` at a point; None if it failed or has none."""
        x = self.values[self.row[key], self.column[name]]
        return None if math.isnan(x) else float(x)

    def status(self, key: str) -> str:
        return "ok" if self.ok[self.row[key]] else "failed"

    def failed(self) -> list[str]:
        return [self.keys[k] for k in np.flatnonzero(self.seen & ~self.ok)]

    def any_ok(self) -> bool:
        return bool(self.ok.any())

    def timing(self) -> dict:
        """How long the points took to compute and when, summed from their records.

        `computing_seconds` adds every point's own time (on several workers the
        wait was shorter); `now` and `cached` split it between points computed
        by this run and points read from the cache; `first`/`last` are when the
        earliest and latest point finished (UTC), None if no record says.
        """

        def part(mask: np.ndarray) -> dict:
            seconds = self.seconds[mask & self.seen]
            when = self.finished[mask & self.seen]
            when = when[~np.isnan(when)]
            return {
                "points": int((mask & self.seen).sum()),
                "computing_seconds": round(float(np.nansum(seconds)), 3),
                "first_finished": _iso(when.min()) if when.size else None,
                "last_finished": _iso(when.max()) if when.size else None,
            }

        everything = np.ones_like(self.now)
        return {"all": part(everything), "now": part(self.now), "cached": part(~self.now)}


def _number(x) -> float:
    real = isinstance(x, int | float) and not isinstance(x, bool)
    return float(x) if real and math.isfinite(x) else math.nan


def _when(text) -> float:
    if not isinstance(text, str):
        return math.nan
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return math.nan
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()


def _iso(t: float) -> str:
    return datetime.fromtimestamp(float(t), UTC).isoformat(timespec="seconds")


def stamp() -> str:
    """Now, as a record's `finished` (UTC, to the second)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Records(Mapping[str, dict]):
    """Every distinct point's record by key, read from the store when asked, never all held."""

    def __init__(self, store, keys: list[str]):
        self.store, self.order, self.known = store, keys, frozenset(keys)

    def __getitem__(self, key: str) -> dict:
        record = self.store.get(key) if key in self.known else None
        if record is None:
            raise KeyError(f"no readable record of point {key} in {self.store.folder}")
        return record

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)
