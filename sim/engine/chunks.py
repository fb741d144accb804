"""Chunks of replications: running one, and the executors that run a run's chunks in order.

A chunk is replications [start, stop) of one run. Replication i always gets
the i-th child seed, so how a run is split into chunks, and where each chunk
runs, never changes a number. An executor yields a run's chunks in
replication order (a streamed run's statistics and table need them so):

- `LocalChunks`: this process, or the process `Pool` (one pool for the whole
  run: adaptive runs ask for several batches). With the number of workers left
  to it, it decides by the work (`worth_a_pool`): the first chunk runs here,
  timed, and a pool starts only if the rest would take longer than starting
  it saves. An explicit number of workers is obeyed.
- `DaskChunks`: a Dask cluster (`sim.engine.executors.DaskExecutor`): the
  compiled plan is sent to the workers once (scattered), each chunk is a task,
  and a worker running another version of `sim` is refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol

import numpy as np

from sim.engine.executors import DaskExecutor, other_version
from sim.engine.pool import Pool, WorkerLost, default_workers, start_seconds
from sim.errors import SimulationError
from sim.model.replication import complete, freeze_row, month_grid, run_one
from sim.plan.compiled import Plan
from sim.plan.outcomes import FIRSTS, SCALARS
from sim.version import __version__


def run_chunk(plan: Plan, seed: int, start: int, stop: int, trajectories: bool = True) -> dict:
    """Replications [start, stop) as arrays, one row per replication."""
    n = stop - start
    months = plan.horizon + 1
    firsts = np.empty((n, len(FIRSTS)))
    freeze = np.zeros((n, months), dtype=bool)
    draws = plan.draws(seed, start, stop)
    parts = []
    for j in range(n):
        try:
            part = run_one(plan, draws, j)
        except Exception as exc:  # a bug, surfaced with the replication that shows it
            raise SimulationError(
                f"replication {start + j} (seed {seed}) failed: {type(exc).__name__}: {exc}"
            ) from exc
        parts.append(part)
        firsts[j] = part.firsts
        if part.spells:
            freeze[j] = freeze_row(part.spells, plan.horizon)
    warheads, material = complete(plan, parts, month_grid(plan, trajectories))
    scalars = np.array([part.scalars for part in parts], dtype=float).reshape(n, len(SCALARS))
    if trajectories:
        warheads, material = warheads.astype(np.float32), material.astype(np.float32)
    else:
        warheads = material = np.empty((n, 0), dtype=np.float32)
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


def chunks(start: int, stop: int, size: int | None, workers: int = 1) -> list[tuple[int, int]]:
    """Split [start, stop) into chunks: of `size`, or shrinking toward the end.

    Shrinking ("guided") chunks keep every worker busy until the last moment
    while the first ones are large enough to amortize per-chunk costs. How the
    replications are split never changes their numbers.
    """
    if size:
        return [(a, min(a + size, stop)) for a in range(start, stop, size)]
    out, a = [], start
    while a < stop:
        n = max(20, min(1000, (stop - a) // (4 * max(workers, 1))))
        out.append((a, min(a + n, stop)))
        a += n
    return out


def worth_a_pool(seconds_left: float, workers: int, start: float) -> bool:
    """Whether `workers` processes finish work of `seconds_left` (on one core) sooner than
    this process alone, counting `start` seconds to start them.

    Serially the rest takes `seconds_left`; on the pool about
    `start + seconds_left / workers`. So a pool pays only when
    `seconds_left > start * workers / (workers - 1)`: with 2 workers and a first
    pool in the process (about half a second to start), more than a second of work.
    """
    return workers > 1 and seconds_left * (1 - 1 / workers) > start


class ChunkExecutor(Protocol):
    """Where a run's chunks run; `map` yields them in replication order."""

    #: Processes the run has used so far (its provenance reports it).
    workers: int

    def map(
        self, seed: int, start: int, stop: int, size: int | None, trajectories: bool
    ) -> Iterator[dict]: ...


_PLAN: Plan | None = None  # a pool worker's copy of the run's plan, set once when it starts


def _init_worker(plan: Plan) -> None:
    global _PLAN
    _PLAN = plan


def _work(task: tuple[int, int, int, bool]) -> dict:
    seed, start, stop, trajectories = task
    assert _PLAN is not None, "a worker's plan is set by _init_worker when it starts"
    return run_chunk(_PLAN, seed, start, stop, trajectories)


class LocalChunks:
    """Chunks in this process or on a `Pool` of local processes.

    `workers=None` decides by the work, up to every core: the run's first
    chunk (of its first batch only) runs here, timed; then, for each batch
    while no pool has started, the pool starts only when the chunks left are
    worth it at the pace measured here (`worth_a_pool`). A given number of
    workers is obeyed (1: always here). A chunk whose worker died is run again
    on a fresh pool with the same numbers; one lost too often stops the run
    with `WorkerLost`.
    """

    def __init__(self, plan: Plan, workers: int | None = None):
        self.plan = plan
        self.auto = workers is None
        self.most = default_workers() if workers is None else max(1, int(workers))
        self.workers = 1
        self.pool: Pool | None = None
        # CPU seconds of the chunks run here, and their replications: the pace of the work
        # itself, which other programs on a busy machine do not stretch as they do a clock
        self.busy = 0.0
        self.done_here = 0

    def map(
        self, seed: int, start: int, stop: int, size: int | None, trajectories: bool
    ) -> Iterator[dict]:
        pieces = chunks(start, stop, size, self.most)
        if self.pool is None and self.auto and self.most > 1 and not self.done_here:
            yield from self._here(seed, pieces[:1], trajectories)  # timed, to decide
            pieces = pieces[1:]
        if self.pool is None and (
            self.most == 1 or len(pieces) <= 1 or (self.auto and not self._pool_pays(pieces))
        ):
            yield from self._here(seed, pieces, trajectories)
        else:
            yield from self._on_pool(seed, pieces, trajectories)

    def _pool_pays(self, pieces: list[tuple[int, int]]) -> bool:
        """Whether a pool is worth starting for `pieces`, at the pace measured here."""
        left = sum(b - a for a, b in pieces) * self.busy / max(self.done_here, 1)
        return worth_a_pool(left, self.most, start_seconds())

    def _here(self, seed: int, pieces: list[tuple[int, int]], trajectories: bool) -> Iterator[dict]:
        for a, b in pieces:
            clock = time.thread_time()
            part = run_chunk(self.plan, seed, a, b, trajectories)
            self.busy += time.thread_time() - clock
            self.done_here += b - a
            yield part

    def _on_pool(
        self, seed: int, pieces: list[tuple[int, int]], trajectories: bool
    ) -> Iterator[dict]:
        if self.pool is None:
            self.pool = Pool(self.most, _init_worker, (self.plan,))
            self.workers = self.most
        try:
            yield from self.pool.ordered(_work, [(seed, a, b, trajectories) for a, b in pieces])
        except WorkerLost as exc:
            a, b = pieces[exc.index]
            raise WorkerLost(
                f"replications {a}-{b - 1}: {exc}; the run was stopped", exc.index
            ) from None

    def close(self, failed: bool) -> None:
        if self.pool is not None:
            self.pool.close(stop=failed)


def _dask_chunk(plan: Plan, seed: int, start: int, stop: int, trajectories: bool) -> dict:
    """A chunk on a Dask worker, marked with the version of `sim` that ran it."""
    return {**run_chunk(plan, seed, start, stop, trajectories), "engine_version": __version__}


class DaskChunks:
    """Chunks as tasks on a Dask cluster (an entered `DaskExecutor`), yielded in order.

    The plan is scattered to the workers once, on the first batch; before that,
    every worker's version of `sim` is checked, and each chunk says which
    version ran it (a worker that joined later), so numbers from another
    version never mix in.
    """

    def __init__(self, plan: Plan, cluster: DaskExecutor):
        self.plan = plan
        self.cluster = cluster
        self.workers = cluster.worker_count()
        self._plan_ref = None

    def map(
        self, seed: int, start: int, stop: int, size: int | None, trajectories: bool
    ) -> Iterator[dict]:
        if self._plan_ref is None:
            self.cluster.check_versions()
            self._plan_ref = self.cluster.scatter(self.plan)
        pieces = chunks(start, stop, size, self.workers)
        tasks = [(self._plan_ref, seed, a, b, trajectories) for a, b in pieces]
        for (a, b), part in zip(pieces, self.cluster.ordered(_dask_chunk, tasks), strict=False):
            version = part.pop("engine_version", None)
            if version != __version__:
                raise other_version(f"the Dask worker that ran replications {a}-{b - 1}", version)
            yield part


__all__ = [
    "ChunkExecutor",
    "DaskChunks",
    "LocalChunks",
    "chunks",
    "run_chunk",
    "worth_a_pool",
]
