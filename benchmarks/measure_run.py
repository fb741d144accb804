"""Run one scenario in a fresh process and print timing and memory figures as JSON.

Used by benchmarks/run.py so that every measurement starts from a clean
process (peak memory is the process's own high-water mark).

    python benchmarks/measure_run.py SCENARIO REPS WORKERS [--stream] [--save DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from pathlib import Path

import numpy as np

import sim


def retained_bytes(results) -> int:
    """Bytes of per-replication arrays a `Results` keeps."""
    total = results.freeze.nbytes
    for group in (results.scalars, results.firsts, results.trajectories, results.sampled):
        total += sum(np.asarray(v).nbytes for v in group.values())
    return total


def high_water_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident memory (VmHWM), or None where /proc cannot tell.

    Linux's `ru_maxrss` survives `exec`, so a process started by a big parent
    reports the parent's footprint; VmHWM belongs to the process's own memory.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return None


def peak_mb() -> float:
    """This process's peak resident memory."""
    mb = high_water_mb()
    return mb if mb is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


class WorkerPeak:
    """The largest peak memory of any process under this one, sampled while a run goes.

    Pool workers are forked by a fork server (or spawned) and reaped by it, so
    `RUSAGE_CHILDREN` does not see them; their VmHWM is read while they live.
    """

    def __init__(self, every: float = 0.05):
        self.mb = 0.0
        self.every = every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> WorkerPeak:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    def _watch(self) -> None:
        while not self.stop.wait(self.every):
            for pid in descendants(os.getpid()):
                self.mb = max(self.mb, high_water_mb(pid) or 0.0)


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = [int(k) for k in children.read_text().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("reps", type=int)
    parser.add_argument("workers", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stream", action="store_true", help="as sim run --no-trajectories")
    parser.add_argument("--save", help="also write the result folder here")
    args = parser.parse_args()
    scenario = sim.load_scenario(args.scenario)
    with WorkerPeak() as workers:
        t0 = time.perf_counter()
        results = sim.run(
            scenario,
            reps=args.reps,
            seed=args.seed,
            workers=args.workers,
            trajectories=not args.stream,
            stream=args.stream,
            spool_dir=args.save,
        )
    wall = time.perf_counter() - t0
    out = {
        "reps": args.reps,
        "workers": args.workers,
        "seconds": wall,
        "reps_per_s": args.reps / wall,
    }
    if not args.stream:
        out["retained_bytes_per_rep"] = retained_bytes(results) / args.reps
    if args.save:
        t1 = time.perf_counter()
        results.save(args.save)
        out["save_seconds"] = time.perf_counter() - t1
    out["peak_mb"] = peak_mb()
    out["peak_worker_mb"] = workers.mb
    print(json.dumps(out))


if __name__ == "__main__":
    main()
