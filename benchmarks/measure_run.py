"""Run one scenario in a fresh process and print timing and memory figures as JSON.

Used by benchmarks/run.py so that every measurement starts from a clean
process (peak memory is the process's own high-water mark).

    python benchmarks/measure_run.py SCENARIO REPS WORKERS [--stream] [--save DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np

import sim


def retained_bytes(results) -> int:
    """Bytes of per-replication arrays a `Results` keeps."""
    total = results.freeze.nbytes
    for group in (results.scalars, results.firsts, results.trajectories, results.sampled):
        total += sum(np.asarray(v).nbytes for v in group.values())
    return total


def peak_mb() -> float:
    """This process's peak resident memory.

    Linux's `ru_maxrss` survives `exec`, so a process started by a big parent
    reports the parent's footprint; VmHWM belongs to this process's own memory.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


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
    # workers are spawned (fresh interpreters): theirs is their own, reaped at pool shutdown
    out["peak_worker_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6
    print(json.dumps(out))


if __name__ == "__main__":
    main()
