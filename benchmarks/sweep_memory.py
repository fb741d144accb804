"""Peak memory of a sweep against its number of points: it should not grow with them.

    python benchmarks/sweep_memory.py                        # 500 and 5,000 points
    python benchmarks/sweep_memory.py --points 500 5000 --reps 10 --workers 2

Each size runs in a fresh process, twice: first computing every point, then
again with every point cached (what a rerun does). The sweep is a Latin
hypercube over the 13 uncertain parameters of `scenarios/freeze.yaml` (so a
size gives exactly that many points), done as `sim sweep` does it: plan, run,
analyse, write the folder. Printed per run: seconds, the main process's peak
resident memory (VmHWM) and the largest peak of its worker processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from measure_run import WorkerPeak, peak_mb  # noqa: E402

FACTORS = [
    "arsenal.initial_warheads",
    "arsenal.initial_material",
    "arsenal.production_rate",
    "arsenal.growth",
    "arsenal.assembly_lag",
    "talks.rounds_per_year",
    "deal.shutdown_months",
    "deal.inspectors_months",
    "deal.breakdown_rate",
    "deal.restart_months",
    "deal.cheating.fraction",
    "provocations.launches_per_year.confrontation",
    "provocations.launches_per_year.talks",
]


def one(points: int, reps: int, workers: int, out: str, design: str) -> dict:
    """One sweep in this process, as `sim sweep` runs it; its figures."""
    from sim.engine.executors import make_executor
    from sim.report.sweep import write_sweep
    from sim.sweeps.files import build_spec
    from sim.sweeps.plan import plan_sweep
    from sim.sweeps.run import run_sweep
    from sim.sweeps.sensitivity import analyse
    from sim.sweeps.store import store_for

    clock = time.perf_counter()
    params = [f"{p}=scenario" for p in FACTORS]
    samples = points if design == "lhs" else points // (len(FACTORS) + 2)
    spec = build_spec(
        ROOT / "scenarios" / "freeze.yaml", params, design=design, samples=samples, reps=reps,
        seed=1,
    )  # fmt: skip
    plan = plan_sweep(spec)
    planned = time.perf_counter()
    with WorkerPeak() as peaks, make_executor("local", workers) as executor:
        swept = run_sweep(plan, store_for(plan, Path(out)), executor)
    ran = time.perf_counter()
    rankings = analyse(swept)
    info = {"executor": executor.description, "wall_seconds": swept.wall_seconds}
    write_sweep(swept, rankings, Path(out), info)
    return {
        "points": len(plan.points),
        "computed": swept.computed,
        "cached": swept.cached,
        "plan_s": round(planned - clock, 1),
        "run_s": round(ran - planned, 1),
        "report_s": round(time.perf_counter() - ran, 1),
        "total_s": round(time.perf_counter() - clock, 1),
        "peak_mb": round(peak_mb()),
        "peak_worker_mb": round(peaks.mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--design", choices=("lhs", "sobol"), default="lhs")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a size, in this process
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.reps, args.workers, args.out, args.design)))
        return
    rows = []
    for size in args.points:
        with tempfile.TemporaryDirectory() as out:
            for kind in ("computed", "all cached"):
                command = [sys.executable, __file__, "--one", str(size), "--out", out]
                command += ["--reps", str(args.reps), "--workers", str(args.workers)]
                command += ["--design", args.design]
                done = subprocess.run(
                    command, capture_output=True, text=True, check=True, env=os.environ
                )
                row = {"run": kind, **json.loads(done.stdout.splitlines()[-1])}
                rows.append(row)
                print(json.dumps(row), flush=True)
    head = ["points", "run", "total_s", "plan_s", "run_s", "report_s", "peak_mb", "peak_worker_mb"]
    print("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in head) + " |")


if __name__ == "__main__":
    main()
