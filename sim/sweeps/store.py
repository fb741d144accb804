"""Finished sweep points on disk: one small JSON file per point, written atomically.

Each record is keyed by its point's hash (`sweep.plan.point_key`); a record that
is not exactly what the engine writes (truncated, edited, from another format)
counts as missing and is computed again. Files are created fresh, never
through a link, and the store must lie inside `--out`.
"""

from __future__ import annotations

import json
import math
import os
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from sim.engine.folders import TMP, check_within, create_file, make_inside, owner_tag
from sim.plan.outcomes import EVENTS, METRICS
from sim.sweeps.plan import SweepPlan

#: The figures a point record keeps of each metric (and the points table shows).
STATS = ("mean", "mcse", "sd", "p5", "p25", "p50", "p75", "p95", "n")


class PointStore:
    """Finished points on disk: `<folder>/<key>.json`, each written atomically.

    A record that cannot be read or is not what this engine writes (truncated
    JSON, an "ok" record without its figures, wrong types) is treated as
    missing, so the point is computed again; its key is kept in `damaged` for
    the caller to say so once. Records are written to a fresh temporary file
    (O_EXCL, never through a link) and renamed over the old one, so a kill
    leaves the old state or the new, never half a file. `out`, when given, is
    the folder the store must stay inside (links leading out are refused).
    """

    def __init__(self, folder: Path, out: Path | None = None):
        self.folder = Path(folder)
        self.out = Path(out) if out is not None else None
        self.damaged: set[str] = set()

    def get(self, key: str) -> dict | None:
        path = self.folder / f"{key}.json"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # unreadable, truncated, not UTF-8
            record = None
        if not _sound(record, key):
            self.damaged.add(key)
            return None
        if "finished" not in record:  # written before records said when: the file's time
            with suppress(OSError):
                record["finished"] = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(
                    timespec="seconds"
                )
        return record

    def put(self, record: dict) -> None:
        if self.out is not None:
            make_inside(self.out, *self.folder.relative_to(self.out).parts)
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = create_file(self.folder, owner_tag(TMP), ".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.folder / f"{record['key']}.json")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


#: The metric and event names of every "ok" record, exactly.
_METRIC_NAMES = frozenset(METRICS)
_EVENT_NAMES = frozenset(EVENTS)


def _number(x, low: float = -math.inf, high: float = math.inf) -> bool:
    """A finite JSON number in [low, high] (JSON may hold NaN and Infinity; a record may not)."""
    real = isinstance(x, int | float) and not isinstance(x, bool)
    return real and math.isfinite(x) and low <= x <= high


def _sound(record, key: str) -> bool:
    """Whether a cached record is one this engine wrote for `key`: every figure, right types.

    An "ok" record holds exactly the engine's metrics and events (the points
    table is their union, so one missing or extra name would break it), each
    with every figure: numbers, or null where a metric has no value (n = 0).
    """

    if not isinstance(record, dict) or record.get("key") != key:
        return False
    if record.get("status") == "failed":
        return isinstance(record.get("error"), str)
    metrics, probabilities = record.get("metrics"), record.get("probabilities")
    if record.get("status") != "ok" or not isinstance(metrics, dict):
        return False
    if set(metrics) != _METRIC_NAMES:
        return False
    if not isinstance(probabilities, dict) or set(probabilities) != _EVENT_NAMES:
        return False
    for m in metrics.values():
        if not isinstance(m, dict) or not set(STATS) <= set(m) or not _count(m["n"]):
            return False
        if not all(_number(m[s]) if m["n"] else m[s] is None for s in STATS if s != "n"):
            return False
    for p in probabilities.values():
        if not isinstance(p, dict) or not {"p", "mcse"} <= set(p) or not _number(p["p"], 0, 1):
            return False
        if not (p["mcse"] is None or _number(p["mcse"], 0)):
            return False
    return True


def _count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def store_for(plan: SweepPlan, out: Path) -> PointStore:
    """Points are shared by every sweep of the same name, so overlapping sweeps reuse them.

    The store must lie inside `out` (a planted link leading elsewhere is
    refused). The sweep's name is one plain folder name already: `--name`, a
    sweep file's `name:` and a scenario's `name:` are each checked where given
    (`sim.scenario.params.Name`), and `check_within` checks it again.
    """
    return PointStore(check_within(out, "sweeps", plan.name, "points"), out)
