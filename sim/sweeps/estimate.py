"""How long a sweep will take, from a pilot that measures what the sweep will do.

`sim sweep --dry-run` used to time 20 replications of the first point and
multiply: the first replications of a process pay for its warm-up, a point
costs more than its replications (building its scenario, the summary, the
record), workers do not share cores perfectly, and the pool, the analysis
and the report take time too. The pilot here measures each part:

- **a point** on one worker: a few points spread over the design (after a
  warm-up run), each once with one replication (the fixed cost of a point)
  and once with the sweep's replications (at most `PILOT_REPS`, beyond which
  the cost per replication is extrapolated linearly);
- **the workers**: the pool's start-up (a first batch of one-replication
  tasks), then the same pilot points run through the executor, whose wall
  time against their serial time is the workers' real parallel efficiency on
  this machine, as loaded as it is now;
- **this process**: writing a point's record (in the system's temporary
  folder, never in `--out`), and what it costs the workers when they have no
  core to spare;
- **the rest**: planning (timed by the caller), and the analysis and report,
  from the analysis of a smaller design of the same kind scaled to the
  sweep's size, a chart, and reading every record back.

`benchmarks/sweep_estimate.py` checks the estimate against timed sweeps.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.engine.executors import LocalExecutor
from sim.engine.pool import default_workers
from sim.sweeps.designs import Design, make_design
from sim.sweeps.figures import Figures
from sim.sweeps.plan import Point, SweepPlan
from sim.sweeps.run import run_point
from sim.sweeps.sensitivity import Ranking, rank
from sim.sweeps.store import PointStore

#: Replications a pilot point runs at most; a point of more is extrapolated.
PILOT_REPS = 200
#: Serial pilot time after which no more pilot points are added (seconds).
PILOT_SECONDS = 1.5
#: Pilot points: at least this many (and two a worker), at most `MOST_POINTS`.
FEWEST_POINTS, MOST_POINTS = 4, 16
#: Wall seconds the workers are kept busy to measure their parallel efficiency.
PARALLEL_SECONDS = 1.5
#: Points of the smaller design whose analysis is timed and scaled.
ANALYSIS_POINTS = 256


@dataclass
class Estimate:
    """A sweep's expected duration, in seconds, and the measurements it rests on."""

    points: int  # to run
    pilot_points: int
    pilot_reps: int
    point_seconds: float  # one point at the sweep's replications, on one worker
    fixed_seconds: float  # of which the part that does not grow with replications
    rep_seconds: float  # each replication
    workers: int | None  # None: an existing cluster's, unknown here
    efficiency: float | None  # measured parallel efficiency (None: not measured)
    startup_seconds: float
    parent_seconds: float  # this process's own time a point (writing its record)
    planning_seconds: float
    report_seconds: float

    @property
    def computing_seconds(self) -> float:
        """Every point's own time, summed: what the workers share."""
        return self.points * self.point_seconds

    @property
    def run_seconds(self) -> float | None:
        """Running the points on the executor, or None when its workers are unknown."""
        if not self.points:
            return 0.0
        if not self.workers:
            return None
        workers = min(self.workers, self.points)
        per_point = self.point_seconds / (workers * (self.efficiency or 1.0))
        # this process writes each record; with no core to spare it takes the workers' time
        spare = default_workers() > workers
        steal = 0.0 if spare else self.parent_seconds / workers
        return self.startup_seconds + self.points * (per_point + steal)

    @property
    def total_seconds(self) -> float | None:
        run = self.run_seconds
        return None if run is None else self.planning_seconds + run + self.report_seconds


def estimate(
    plan: SweepPlan,
    todo: list[Point],
    executor,
    planning_seconds: float,
    chart: Callable[[Ranking, str], object] | None = None,
) -> Estimate:
    """Measure a pilot of `plan` (nothing is stored) and estimate the sweep's duration.

    `todo` are the points not cached; a `LocalExecutor` of several workers is
    entered here to time them, and left (a Dask cluster is neither started nor used).
    """
    points = todo or list(plan.unique().values())[:1]
    reps = min(plan.reps, PILOT_REPS)
    workers = getattr(executor, "workers", None)
    run_point(plan.base, points[0].values, points[0].key, 1, plan.seed)  # warm-up, not counted
    fixed: list[float] = []
    full: list[float] = []
    chosen: list[Point] = []
    least = min(len(points), max(FEWEST_POINTS, 2 * (workers or 1)))
    for point in _spread(points, MOST_POINTS):
        if len(chosen) >= least and sum(full) >= PILOT_SECONDS:
            break
        if len(fixed) < 2:
            fixed.append(_time(run_point, plan.base, point.values, point.key, 1, plan.seed))
        full.append(_time(run_point, plan.base, point.values, point.key, reps, plan.seed))
        chosen.append(point)
    a = min(float(np.mean(fixed)), float(np.mean(full)))
    b = max(0.0, (float(np.mean(full)) - a) / max(reps - 1, 1))
    point_seconds = a + b * plan.reps
    startup, efficiency = 0.0, None
    if isinstance(executor, LocalExecutor) and executor.workers > 1 and len(todo) > 1:
        with executor:  # its pool is closed again at once: a dry run runs nothing after
            startup, efficiency = _parallel(executor, plan, chosen, reps, a, b, sum(full))
    record = run_point(plan.base, chosen[0].values, chosen[0].key, 1, plan.seed)
    parent, row = _bookkeeping(record, plan)
    return Estimate(
        points=len(todo),
        pilot_points=len(chosen),
        pilot_reps=reps,
        point_seconds=point_seconds,
        fixed_seconds=a,
        rep_seconds=b,
        workers=workers,
        efficiency=efficiency,
        startup_seconds=startup,
        parent_seconds=parent,
        planning_seconds=planning_seconds,
        report_seconds=_report(plan, row, chart),
    )


def _spread(points: list[Point], most: int) -> list[Point]:
    """Up to `most` points evenly spread over the design's order (all of them if fewer)."""
    if len(points) <= most:
        return points
    return [points[int(k)] for k in np.linspace(0, len(points) - 1, most)]


def _time(fn, *args) -> float:
    clock = time.perf_counter()
    fn(*args)
    return time.perf_counter() - clock


def _parallel(executor, plan: SweepPlan, chosen: list[Point], reps: int, a: float, b: float,
              serial: float) -> tuple[float, float]:  # fmt: skip
    """(pool start-up seconds, parallel efficiency) of local worker processes, measured.

    A first batch starts the pool and warms every worker (tasks of about 0.1 s,
    two a worker, so each worker gets one); then the pilot points, repeated to
    keep the workers busy for about `PARALLEL_SECONDS`, run through the executor:
    their serial time shared among the workers, against the wall time it took.
    """
    workers = min(executor.workers, len(chosen))
    light = max(1, min(reps, int(0.1 / b) if b > 0 else reps))
    warm = [(plan.base, p.values, p.key, light, plan.seed) for p in chosen[: 2 * workers]]
    clock = time.perf_counter()
    for _ in executor.map(run_point, warm):
        pass
    startup = max(0.0, time.perf_counter() - clock - len(warm) * (a + b * light) / workers)
    copies = max(1, int(np.ceil(PARALLEL_SECONDS * workers / serial))) if serial > 0 else 1
    tasks = [(plan.base, p.values, p.key, reps, plan.seed) for p in chosen] * copies
    clock = time.perf_counter()
    for _ in executor.map(run_point, tasks):
        pass
    wall = time.perf_counter() - clock
    ideal = serial * copies / workers
    return startup, float(np.clip(ideal / wall, 0.05, 1.0)) if wall > 0 else 1.0


def _bookkeeping(record: dict, plan: SweepPlan) -> tuple[float, float]:
    """(this process's CPU seconds to write and keep one record, seconds to read one back)."""
    folder = Path(tempfile.mkdtemp(prefix="sim-pilot-"))
    try:
        store = PointStore(folder)
        figures = Figures([record["key"]])
        cpu = time.process_time()
        for k in range(5):
            store.put({**record, "key": f"{record['key']}{k}"})
            figures.add(record, now=True)
        parent = (time.process_time() - cpu) / 5
        clock = time.perf_counter()
        for k in range(5):
            store.get(f"{record['key']}{k}")
        row = (time.perf_counter() - clock) / 5
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return parent, row


def _report(plan: SweepPlan, row_seconds: float, chart_fn: Callable | None) -> float:
    """The analysis and the report: a smaller design's analysis scaled, a chart, the table.

    `chart_fn` draws one of the report's charts from a ranking (the caller's, since the
    charts belong to the report layer above this one); without it charts count as free.
    """
    d = plan.design
    small = _smaller(d, plan.seed)
    y = np.random.default_rng(plan.seed).normal(size=len(small)).tolist()
    clock = time.perf_counter()
    ranking = rank(small, y, plan.metrics[0], plan.seed)
    analysis = (time.perf_counter() - clock) * len(d) / len(small)
    chart = 0.0
    if chart_fn is not None:
        chart_fn(ranking, "a pilot")  # the first draw pays for the import
        chart = _time(chart_fn, ranking, "a pilot")
    return len(plan.metrics) * (analysis + chart) + len(plan.points) * row_seconds


def _smaller(d: Design, seed: int) -> Design:
    """A design of the same kind and factors with about `ANALYSIS_POINTS` points (a grid as
    it is: its size was chosen level by level)."""
    if d.kind == "grid" or len(d) <= ANALYSIS_POINTS:
        return d
    if d.kind == "lhs":
        return make_design("lhs", d.factors, ANALYSIS_POINTS, seed)
    base = max(2, 2 ** int(np.log2(max(2, ANALYSIS_POINTS // (len(d.factors) + 2)))))
    return make_design("sobol", d.factors, base, seed)


def describe(e: Estimate) -> list[str]:
    """The dry run's lines about time: the pilot, then the estimate."""
    lines = [
        f"  pilot: {e.pilot_points} point(s) of {e.pilot_reps:,} replications: "
        f"{_ms(e.point_seconds)} a point of {_ms(e.fixed_seconds)} plus {_ms(e.rep_seconds)} "
        "a replication, on one worker"
    ]
    if e.efficiency is not None:
        lines.append(
            f"  workers: {e.workers} local processes at {e.efficiency:.0%} parallel efficiency; "
            f"pool start-up {e.startup_seconds:.1f} s"
        )
    return lines


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"
