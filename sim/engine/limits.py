"""Sizes refused up front: what a run or a sweep would need, checked before anything is built.

A request that cannot fit must be refused in a second with its size and the
limit, not discovered as a `MemoryError` (or a machine swapping for an hour)
after the work began. The limits:

- A kept run (`sim run` without `--no-trajectories`) holds every replication's
  outcomes in memory: `bytes_per_replication` of them, and about as much again
  while statistics and tables are computed. The estimate must stay within
  `MEMORY_SHARE` of this machine's physical memory.
- A streamed run (`--no-trajectories`) keeps nothing per replication, so only
  time limits it: at most `MAX_REPLICATIONS` (a week or more of computing on
  one core at today's speed).
- A sweep has at most `MAX_POINTS` points (each is a validated scenario held in
  memory, about 50 KB, and runs for a fraction of a second at least), at most
  `MAX_REPLICATIONS` replications in all, and each point's replications, kept
  in memory while the point runs, must fit like a kept run.

The design's size is computed from the factors' level counts and the sample
size, so a 1000 x 1000 x 1000 grid is refused without building a row of it.
"""

from __future__ import annotations

import os

from sim.errors import ScenarioError
from sim.plan.outcomes import FIRSTS, SCALARS

MAX_POINTS = 100_000
MAX_REPLICATIONS = 1_000_000_000
MEMORY_SHARE = 0.8
#: Peak memory of a kept run over the bytes it keeps (statistics, tables, charts).
PEAK_FACTOR = 2
#: Assumed when the machine's memory cannot be read.
FALLBACK_MEMORY = 8 * 2**30

_SCALAR_BYTES = 8


def machine_memory() -> int:
    """Physical memory in bytes (a fixed 8 GiB where it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # not POSIX
        return FALLBACK_MEMORY


def memory_limit() -> int:
    return int(MEMORY_SHARE * machine_memory())


def bytes_per_replication(plan, trajectories: bool) -> int:
    """What `collect.Memory` keeps per replication of `plan`, with or without monthly paths."""
    months = plan.horizon + 1
    size = (len(SCALARS) + len(FIRSTS) + len(plan.random)) * _SCALAR_BYTES + months  # freeze
    if trajectories:
        size += 2 * months * 4  # warheads and material, float32
    return size


def size_text(n: float) -> str:
    """Bytes for a reader: 1.2 GiB, 124 TiB."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" or n >= 100 else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def check_run(
    plan, reps: int, *, kept: bool, trajectories: bool, where: tuple = ("--reps", None)
) -> None:
    """Refuse a run whose replications cannot be kept in memory, or are too many to run.

    `where` is the (file, key) the replication count came from, for the message.
    """
    file, key = where
    if kept:
        each = bytes_per_replication(plan, trajectories)
        need, limit = PEAK_FACTOR * each * reps, memory_limit()
        if need > limit:
            paths = "with" if trajectories else "without"
            raise ScenarioError.single(
                f"{reps:,} replications need about {size_text(need)} of memory "
                f"({each:,} bytes each kept, {paths} trajectories, and as much again to "
                f"summarize), more than the limit of {size_text(limit)} "
                f"({MEMORY_SHARE:.0%} of this machine's {size_text(machine_memory())})",
                file=file,
                path=key,
                hint="add --no-trajectories (stream=True in Python): statistics on the fly, "
                "flat memory for any number of replications; or ask for fewer",
            )
    if reps > MAX_REPLICATIONS:
        raise ScenarioError.single(
            f"{reps:,} replications are more than the limit of {MAX_REPLICATIONS:,} a run",
            file=file,
            path=key,
            hint="a Monte Carlo standard error shrinks as 1/sqrt(n): 10^6 replications "
            "already give probabilities to +-0.0005",
        )


def check_points(count: int, described: str, where: str, hint: str) -> None:
    """Refuse a design of more than `MAX_POINTS` points, before it is built."""
    if count > MAX_POINTS:
        raise ScenarioError.single(
            f"{described}: {count:,} points, more than the limit of {MAX_POINTS:,} a sweep",
            file=where,
            hint=hint,
        )


def check_sweep(plan, points: int, reps: int) -> None:
    """Refuse a sweep whose points' replications are too many, or cannot be kept while run."""
    if points * reps > MAX_REPLICATIONS:
        raise ScenarioError.single(
            f"{points:,} points x {reps:,} replications = {points * reps:,} replications, "
            f"more than the limit of {MAX_REPLICATIONS:,} a sweep",
            file="--reps",
            hint="fewer replications per point or fewer points",
        )
    each = bytes_per_replication(plan, trajectories=False)
    need, limit = PEAK_FACTOR * each * reps, memory_limit()
    if need > limit:
        raise ScenarioError.single(
            f"{reps:,} replications a point need about {size_text(need)} of memory while the "
            f"point runs, more than the limit of {size_text(limit)} "
            f"({MEMORY_SHARE:.0%} of this machine's {size_text(machine_memory())})",
            file="--reps",
            hint="fewer replications per point",
        )
