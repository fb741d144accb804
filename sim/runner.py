"""Running replications: serially or on local processes, in chunks, with progress.

Replication i always gets the i-th child seed, so how the work is split into
chunks and spread over workers never changes the numbers: results are put back
in replication order before anything is aggregated.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from .model.replication import FIRSTS, SCALARS, run_one
from .plan import Plan, compile_plan
from .results import Results
from .schema import Scenario

Progress = Callable[[int, int], None]


class SimulationError(RuntimeError):
    """A replication failed: a bug in the engine, reported with its replication index."""


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_chunk(plan: Plan, seed: int, start: int, stop: int, trajectories: bool = True) -> dict:
    """Replications [start, stop) as arrays, one row per replication."""
    n = stop - start
    months = plan.horizon + 1
    scalars = np.empty((n, len(SCALARS)))
    firsts = np.empty((n, len(FIRSTS)))
    freeze = np.empty((n, months), dtype=bool)
    warheads = np.empty((n, months if trajectories else 0), dtype=np.float32)
    material = np.empty((n, months if trajectories else 0), dtype=np.float32)
    draws = plan.draws(seed, start, stop)
    for j in range(n):
        index = start + j
        try:
            out = run_one(plan, draws, j)
        except Exception as exc:  # pragma: no cover - a bug, surfaced with context
            raise SimulationError(
                f"replication {index} (seed {seed}) failed: {type(exc).__name__}: {exc}"
            ) from exc
        scalars[j] = out.scalars
        firsts[j] = out.firsts
        freeze[j] = out.freeze
        if trajectories:
            warheads[j] = out.warheads
            material[j] = out.material
    return {
        "start": start,
        "stop": stop,
        "scalars": scalars,
        "firsts": firsts,
        "freeze": freeze,
        "warheads": warheads,
        "material": material,
        "sampled": draws.params,
    }


_PLAN: Plan | None = None


def _init_worker(plan: Plan) -> None:
    global _PLAN
    _PLAN = plan
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C


def _work(task: tuple[int, int, int, bool]) -> dict:
    seed, start, stop, trajectories = task
    return run_chunk(_PLAN, seed, start, stop, trajectories)


def chunks(total: int, workers: int) -> list[tuple[int, int]]:
    """Split [0, total) into pieces small enough for a smooth progress bar."""
    size = max(10, min(2000, total // max(1, workers * 25)))
    return [(a, min(a + size, total)) for a in range(0, total, size)]


def run(
    scenario: Scenario,
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    *,
    progress: Progress | None = None,
    trajectories: bool = True,
) -> Results:
    """Run `reps` replications of a scenario and return every outcome.

    Defaults come from the scenario's `run:` section. `workers=1` runs in this
    process; more use a local process pool (default: all cores). The numbers do
    not depend on `workers`.
    """
    reps = scenario.run.replications if reps is None else int(reps)
    seed = scenario.run.seed if seed is None else int(seed)
    if reps < 1:
        raise ValueError("reps must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    workers = default_workers() if workers is None else max(1, int(workers))
    plan = compile_plan(scenario)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    pieces = chunks(reps, workers)
    collected = Collector(plan, reps, trajectories)
    if progress:
        progress(0, reps)
    if workers == 1 or len(pieces) == 1:
        for a, b in pieces:
            collected.add(run_chunk(plan, seed, a, b, trajectories))
            if progress:
                progress(collected.done, reps)
    else:
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        pool = context.Pool(min(workers, len(pieces)), _init_worker, (plan,))
        try:
            tasks = [(seed, a, b, trajectories) for a, b in pieces]
            for part in pool.imap_unordered(_work, tasks):
                collected.add(part)
                if progress:
                    progress(collected.done, reps)
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    return collected.results(
        scenario,
        plan,
        seed,
        started=started.isoformat(timespec="seconds"),
        wall_seconds=time.perf_counter() - clock,
        workers=workers,
    )


class Collector:
    """Puts chunks back in replication order."""

    def __init__(self, plan: Plan, reps: int, trajectories: bool):
        months = plan.horizon + 1 if trajectories else 0
        self.plan = plan
        self.done = 0
        self.scalars = np.empty((reps, len(SCALARS)))
        self.firsts = np.empty((reps, len(FIRSTS)))
        self.freeze = np.empty((reps, plan.horizon + 1), dtype=bool)
        self.warheads = np.empty((reps, months), dtype=np.float32)
        self.material = np.empty((reps, months), dtype=np.float32)
        self.sampled = {
            path: np.empty(reps, dtype=object if isinstance(spec.ppf(0.5), str) else float)
            for path, spec in plan.random
        }

    def add(self, part: dict) -> None:
        a, b = part["start"], part["stop"]
        self.scalars[a:b] = part["scalars"]
        self.firsts[a:b] = part["firsts"]
        self.freeze[a:b] = part["freeze"]
        self.warheads[a:b] = part["warheads"]
        self.material[a:b] = part["material"]
        for path, values in part["sampled"].items():
            self.sampled[path][a:b] = values
        self.done += b - a

    def results(self, scenario, plan, seed, **provenance) -> Results:
        return Results(
            scenario=scenario,
            seed=seed,
            scalars={name: self.scalars[:, k] for k, name in enumerate(SCALARS)},
            firsts={name: self.firsts[:, k] for k, name in enumerate(FIRSTS)},
            trajectories={"warheads": self.warheads, "material": self.material}
            if self.warheads.shape[1]
            else {},
            freeze=self.freeze,
            sampled=self.sampled,
            **provenance,
        )
