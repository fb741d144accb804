"""Running replications: in this process, on local processes or on a Dask cluster.

Replication i always gets the i-th child seed, so how the work is split into
chunks and where they run (`sim.engine.chunks`) never changes a replication's
numbers; chunks are collected in replication order. With `precision`, batches
run until the Monte Carlo standard errors of the headline figures, as
`summary` reports them, are small enough, or until `max_reps`, a hard cap; the
stopping rule sees only the outcomes, so a seed always stops at the same count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sim.engine.chunks import ChunkExecutor, DaskChunks, LocalChunks
from sim.engine.collect import Memory, Stream
from sim.engine.executors import DaskExecutor, make_executor
from sim.engine.intervals import Z95
from sim.engine.limits import check_run
from sim.engine.results import Results, StreamedResults
from sim.engine.summary import HEADLINE_EVENTS
from sim.plan.compiled import Plan, compile_plan
from sim.scenario.schema import Scenario

Progress = Callable[[int, int], None]

#: Figures whose standard error `precision` bounds: probabilities absolutely,
#: means relative to their size.
PRECISION_EVENTS = HEADLINE_EVENTS
PRECISION_METRICS = ("final_warheads", "final_material")
BATCH = 1000  # adaptive runs grow by multiples of this (the last batch may stop at the cap)
#: The cap on an adaptive run's replications when `max_reps` is not given.
DEFAULT_MAX_REPS = 1_000_000
STREAM_CHUNK = 1000  # fixed, so streamed statistics do not depend on the worker count

__all__ = [
    "PRECISION_EVENTS",
    "PRECISION_METRICS",
    "check_size",
    "chunk_executor",
    "replications_needed",
    "run",
]


def check_size(
    scenario: Scenario,
    reps: int | None,
    *,
    precision: float | None = None,
    max_reps: int | None = None,
    stream: bool = False,
    trajectories: bool = True,
) -> tuple[int, int | None]:
    """The first batch's replications and the cap; refuse a run that cannot fit (`limits`).

    Called by `run` and, before anything else, by the command line, so an
    impossible run is refused before its destination is even looked at.
    """
    reps, cap, _ = _check_size(scenario, reps, precision, max_reps, stream, trajectories)
    return reps, cap


def _check_size(
    scenario: Scenario,
    reps: int | None,
    precision: float | None,
    max_reps: int | None,
    stream: bool,
    trajectories: bool,
) -> tuple[int, int | None, Plan]:
    """`check_size`, and the scenario's compiled plan it checked (`run` runs it)."""
    explicit = reps is not None
    where = ("--reps", None) if explicit else (scenario.path, "run.replications")
    reps = scenario.run.replications if reps is None else int(reps)
    if reps < 1:
        raise ValueError("reps must be at least 1")
    if max_reps is not None and max_reps < 1:
        raise ValueError("max_reps must be at least 1")
    if explicit and max_reps is not None and reps > max_reps:
        raise ValueError(f"reps ({reps:,}) is more than max_reps ({max_reps:,})")
    cap = max_reps if max_reps is not None else DEFAULT_MAX_REPS if precision else None
    if precision is not None:
        reps = max(BATCH, math.ceil(reps / BATCH) * BATCH)
    if cap is not None:
        reps = min(reps, cap)
    most = max(reps, cap) if precision is not None and cap is not None else reps
    if most > reps:
        where = ("--max-reps", None)
    plan = compile_plan(scenario)
    check_run(plan, most, kept=not stream, trajectories=trajectories, where=where)
    return reps, cap, plan


def run(
    scenario: Scenario,
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    *,
    progress: Progress | None = None,
    trajectories: bool = True,
    stream: bool = False,
    precision: float | None = None,
    max_reps: int | None = None,
    spool_dir: str | None = None,
    executor: str | DaskExecutor = "local",
    scheduler: str | None = None,
    kinds: tuple[type[Results], type[StreamedResults]] = (Results, StreamedResults),
) -> Results | StreamedResults:
    """Run replications of a scenario and return every outcome.

    `reps` and `seed` default to the scenario's `run:` section. Where the
    replications run never changes a number: `workers=1` runs them in this
    process, more on a local process pool; by default (`workers=None`) the
    first chunk runs here, timed, and a pool of every core starts only if the
    rest is worth it (`sim.engine.chunks.worth_a_pool`). `executor="dask"`
    sends chunks to a local Dask cluster started for the run (of `workers`),
    `scheduler="tcp://HOST:PORT"` to an existing one, and an entered
    `DaskExecutor` is used as it is (a comparison shares one).
    `trajectories=False` drops the monthly paths (about 1 KB of the 1.4 KB kept
    per replication). `stream=True` keeps nothing per replication in memory
    (statistics on the fly, the table spooled to disk, no paths): memory stays
    flat for runs of millions; it returns `StreamedResults`. With `precision`,
    replications run in batches until the standard error of every headline
    probability is at most `precision` and that of the mean warheads and
    material at most `precision` times the mean (`reps`, rounded up to a
    multiple of 1,000, sets the first batch), and the provenance says whether
    that was reached (`precision_met`). `max_reps` is a hard cap on the
    replications run (default 1,000,000 with `precision`); an explicit `reps`
    above it is refused, a scenario's default is capped. A run whose
    replications cannot fit (see `limits`) is refused with a `ScenarioError`
    before anything runs. `kinds` are the classes of what is returned (kept,
    streamed): the Python API passes its own, which can save themselves.
    """
    reps, cap, plan = _check_size(scenario, reps, precision, max_reps, stream, trajectories)
    seed = scenario.run.seed if seed is None else int(seed)
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if precision is not None and not 0 < precision < 1:
        raise ValueError("precision must be between 0 and 1, e.g. 0.005")
    started = datetime.now(UTC)
    clock = time.perf_counter()
    sink: Stream | Memory = Stream(plan, spool_dir) if stream else Memory(plan, reps, trajectories)
    size = STREAM_CHUNK if stream else None  # streamed sums need fixed chunks
    extra: dict = {}
    try:
        with chunk_executor(plan, workers, executor, scheduler) as where:
            met = _fill(sink, where, seed, reps, size, progress, precision, cap)
    except BaseException:
        sink.discard()
        raise
    if isinstance(where, DaskChunks):
        extra["executor"] = where.cluster.description
    if precision is not None:
        extra.update(precision=precision, max_reps=cap, precision_met=met)
    provenance = {
        "started": started.isoformat(timespec="seconds"),
        "wall_seconds": time.perf_counter() - clock,
        "workers": where.workers,
        "extra": extra,
    }
    if isinstance(sink, Stream):
        return sink.results(scenario, seed, kinds[1], **provenance)
    return sink.results(scenario, seed, kinds[0], **provenance)


@contextmanager
def chunk_executor(
    plan: Plan,
    workers: int | None = None,
    executor: str | DaskExecutor = "local",
    scheduler: str | None = None,
) -> Iterator[ChunkExecutor]:
    """Where a run's chunks go, for the length of the run (see `run`).

    A Dask cluster started or connected to here is closed after the run; one
    given (an entered `DaskExecutor`) is left open for its owner.
    """
    if isinstance(executor, DaskExecutor):
        yield DaskChunks(plan, executor)
        return
    if executor not in ("local", "dask"):
        raise ValueError(f"executor must be 'local' or 'dask', not {executor!r}")
    if executor == "dask" or scheduler:
        with make_executor("dask", workers, scheduler) as cluster:
            yield DaskChunks(plan, cluster)
        return
    local = LocalChunks(plan, workers)
    try:
        yield local
    except BaseException:
        local.close(failed=True)
        raise
    local.close(failed=False)


def _fill(sink, executor, seed, target, size, progress, precision, cap) -> bool | None:
    """Run chunks into the sink: all of them, or batches until the precision is reached.

    Returns whether the precision was reached (None without one). Each batch's
    size depends only on the outcomes so far, never on the workers; the last
    one stops at `cap`, which is never exceeded.
    """
    keep_paths = isinstance(sink, Memory) and sink.trajectories
    done = 0
    while True:
        if progress:
            progress(done, target)
        for part in executor.map(seed, done, target, size, keep_paths):
            sink.add(part)
            if progress:
                progress(sink.n, target)
        done = target
        if precision is None:
            return None
        needed = replications_needed(sink.stats(), precision)
        if needed <= done:
            return True
        if done >= cap:
            return False
        grow = math.ceil(min(needed * 1.1, 4 * done) / BATCH) * BATCH
        target = min(cap, max(done + BATCH, grow))


def replications_needed(stats: tuple[dict, dict], precision: float) -> int:
    """How many replications bring every precision figure's standard error within target.

    The standard errors are those `summary` reports, as functions of n at the
    figures seen so far: sqrt(p(1-p)/n) for a probability, and at p = 0 or 1
    the Wilson interval's half-width / 1.96, z / (2 (n + z^2)), about 1/n; so a
    probability of 0 needs about 1/precision replications, not none. For a
    mean, sd / sqrt(n) against `precision` times the mean.
    """
    moments, events = stats
    needed = 0
    for event in PRECISION_EVENTS:
        p = events[event]
        if 0 < p < 1:
            needed = max(needed, math.ceil(p * (1 - p) / precision**2))
        else:
            needed = max(needed, math.ceil(Z95 / (2 * precision) - Z95**2))
    for name in PRECISION_METRICS:
        mean, sd, _ = moments[name]
        if sd > 0:
            needed = max(needed, math.ceil((sd / (precision * abs(mean))) ** 2) if mean else 10**12)
    return needed
