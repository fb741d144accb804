"""Running a sweep: only what is not cached, each finished point kept at once.

`run_sweep` looks every point's key up in its `PointStore` (one small JSON file
per finished point), hands the rest to an executor, and writes each record the
moment it arrives, so a sweep killed at any instant loses at most the points in
flight and the next run resumes where it stopped.

Memory does not grow with the points: a record is written to the store and
only a row of numbers is kept (`sweep.figures`); tasks carry the base scenario
(one object, shared) and the point's values, and each worker builds the point's
scenario itself; they are handed to the executor `WINDOW` at a time, so the
executor's own bookkeeping (futures, results waiting to be read) stays bounded.

Every point runs `sim.run(scenario, reps, seed, workers=1)` with the sweep's
seed: replication i has the same child seed at every point (common random
numbers), so differences between points are the parameters' effect, not noise.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sim.engine.runner import run
from sim.engine.summary import outcome_figures
from sim.scenario.schema import Scenario
from sim.sweeps.figures import Figures, Records, stamp
from sim.sweeps.plan import Point, SweepPlan, resolve_point
from sim.sweeps.store import PointStore
from sim.version import __version__

#: Points handed to the executor at a time: enough to keep every worker busy
#: (the pool drains once a window), few enough that pending tasks stay small.
WINDOW = 1024

# --------------------------------------------------------------------------- running a point


def _simulate(scenario: Scenario, reps: int, seed: int) -> dict:
    """A point's figures: those of a run's summary.json, without what a point does not keep
    (curves, drivers, provenance), which would cost a fifth of a small point's time."""
    results = run(scenario, reps=reps, seed=seed, workers=1, trajectories=False)
    metrics, probabilities = outcome_figures(results)
    return {"metrics": metrics, "probabilities": probabilities}


def run_point(base: Scenario, values: dict, key: str, reps: int, seed: int) -> dict:
    """Run one point and return its record; an error becomes a failed record, not a raise.

    Runs wherever the executor puts it (a local process, a Dask worker on another
    machine), so it takes everything it needs as arguments and reads no files:
    the point's scenario is the validated `base` with `values` set, as planned.
    """
    clock = time.perf_counter()
    scenario_hash = None
    try:
        scenario = resolve_point(base, values)
        scenario_hash = scenario.content_hash()
        record: dict[str, Any] = {"status": "ok", **_simulate(scenario, reps, seed)}
    except Exception as exc:
        record = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    record.update(
        key=key,
        reps=reps,
        seed=seed,
        scenario_hash=scenario_hash,
        engine_version=__version__,
        host=socket.gethostname(),
        seconds=round(time.perf_counter() - clock, 4),
        finished=stamp(),
    )
    return record


# --------------------------------------------------------------------------- running a sweep


@dataclass
class SweepRun:
    """A finished (or resumed) sweep: what is kept of every distinct point.

    `figures` holds a row of numbers a point (status, outcome means, timing);
    `records` reads each point's full record from the store when asked.
    """

    plan: SweepPlan
    store: PointStore
    figures: Figures
    computed: int = 0
    cached: int = 0
    failed_before: int = 0  # failed in an earlier run and not retried
    retried: int = 0
    wall_seconds: float = 0.0

    @cached_property
    def records(self) -> Records:
        return Records(self.store, self.figures.keys)

    @property
    def failed(self) -> list[str]:
        return self.figures.failed()

    def record(self, point: Point) -> dict:
        return self.records[point.key]

    def status(self, point: Point) -> str:
        return self.figures.status(point.key)

    def error(self, point: Point) -> str:
        return self.figures.errors[point.key]


Progress = Callable[[int, int], None]


def run_sweep(
    plan: SweepPlan,
    store: PointStore,
    executor,
    *,
    retry_failed: bool = False,
    progress: Progress | None = None,
) -> SweepRun:
    """Run every point not in the store; write each record as soon as it arrives."""
    clock = time.perf_counter()
    distinct = plan.unique()
    figures = Figures(list(distinct))
    todo: list[Point] = []
    failed_before = retried = 0
    for key, point in distinct.items():
        kind, record = _classify(store, key, retry_failed)
        retried += kind == RUN and record is not None  # failed before, run again
        if kind == RUN or record is None:
            todo.append(point)
        else:
            figures.add(record, now=False)
            failed_before += kind == FAILED
    cached = len(distinct) - len(todo) - failed_before
    total = len(todo) * plan.reps
    if progress:
        progress(0, total)
    done = 0
    for start in range(0, len(todo), WINDOW):
        window = todo[start : start + WINDOW]
        tasks = [(plan.base, p.values, p.key, plan.reps, plan.seed) for p in window]
        for i, outcome in executor.map(run_point, tasks):
            record = _checked(outcome, window[i], plan)
            store.put(record)
            figures.add(record, now=True)
            done += 1
            if progress:
                progress(done * plan.reps, total)
    return SweepRun(
        plan,
        store,
        figures,
        computed=len(todo),
        cached=cached,
        failed_before=failed_before,
        retried=retried,
        wall_seconds=time.perf_counter() - clock,
    )


def _checked(outcome: Any, point: Point, plan: SweepPlan) -> dict:
    """A point's record, or a failed one when the executor lost it or a worker runs another sim."""
    if not isinstance(outcome, BaseException) and outcome["engine_version"] != __version__:
        outcome = RuntimeError(
            f"the worker on {outcome['host']} runs sim {outcome['engine_version']}, "
            f"this machine {__version__}; install the same version everywhere"
        )
    if isinstance(outcome, BaseException):  # the executor lost the task (e.g. a worker died)
        return {
            "status": "failed",
            "error": f"{type(outcome).__name__}: {outcome}",
            "key": point.key,
            "reps": plan.reps,
            "seed": plan.seed,
            "finished": stamp(),
        }
    return outcome


#: What a point's cached record means for a run: to run, cached, or failed before.
RUN, CACHED, FAILED = "run", "cached", "failed"


def _classify(store: PointStore, key: str, retry_failed: bool) -> tuple[str, dict | None]:
    """What to do with a point, and its record (None if there is none): run it (no
    readable record, or a failed one with `retry_failed`), or take its record, cached or
    failed before."""
    record = store.get(key)
    if record is None or (record["status"] != "ok" and retry_failed):
        return RUN, record
    return (CACHED if record["status"] == "ok" else FAILED), record


def pending(
    plan: SweepPlan, store: PointStore, retry_failed: bool = False
) -> tuple[list[Point], int, int]:
    """(points to run, cached, failed earlier) without running anything: for --dry-run.

    Only the counts and the points to run are kept, never the records."""
    todo: list[Point] = []
    cached = failed = 0
    for key, point in plan.unique().items():
        kind, _ = _classify(store, key, retry_failed)
        if kind == RUN:
            todo.append(point)
        else:
            cached += kind == CACHED
            failed += kind == FAILED
    return todo, cached, failed
