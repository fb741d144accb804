"""Speed and memory of `sim`, against bare SimPy, a plain SimPy model and the numpy limit.

    python benchmarks/run.py            # the full set (about 6 minutes on 2 cores)
    python benchmarks/run.py --quick    # smaller runs, no 200,000-replication runs

Prints one table and writes it as JSON (benchmarks/out/benchmark.json, or
--json PATH). Every `sim` run is measured in a fresh process. Figures are of
the machine it runs on; see benchmarks/README.md for recorded ones.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import simpy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import numpy_limit  # noqa: E402
import plain_simpy  # noqa: E402

import sim  # noqa: E402
from sim.engine.pool import default_workers  # noqa: E402
from sim.model.replication import run_one  # noqa: E402
from sim.plan.compiled import compile_plan  # noqa: E402

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
COMPARED = (
    "final_warheads",
    "final_material",
    "missile_launches",
    "nuclear_tests",
    "unsc_vetoes",
    "rounds_held",
    "deals",
    "months_frozen",
)


def measure(scenario: Path, reps: int, workers: int, *extra: str) -> dict:
    cmd = [
        sys.executable,
        str(HERE / "measure_run.py"),
        str(scenario),
        str(reps),
        str(workers),
        *extra,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def events_per_replication(scenario: Path, n: int = 2000) -> float:
    plan = compile_plan(sim.load_scenario(scenario))
    draws = plan.draws(1, 0, n)
    return sum(run_one(plan, draws, j, count=True).events for j in range(n)) / n


def raw_simpy_events_per_second(n: int = 300_000) -> float:
    env = simpy.Environment()

    def ticker(env):
        for _ in range(n):
            yield env.timeout(1)

    env.process(ticker(env))
    t0 = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - t0)


_BURN = "s = 0\nfor i in range(20_000_000):\n    s += i * i % 7\n"


def machine_scaling(cores: int) -> float:
    """How this machine scales plain CPU-bound Python over `cores` independent processes.

    The ceiling for any multi-process speed-up here (virtual cores may share a
    physical core or a busy host): `cores` x (time alone) / (time of the slowest
    when all run at once).
    """

    def timed(n: int) -> float:
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", _BURN]) for _ in range(n)]
        for p in procs:
            p.wait()
        return time.perf_counter() - t0

    alone = timed(1)
    return cores * alone / timed(cores)


def resolved(scenario: Path) -> dict:
    return json.loads(json.dumps(sim.load_scenario(scenario).resolved, default=str))


def agreement(plain: dict, sim_results) -> list[dict]:
    """Means compared with their combined standard error; percentiles side by side."""
    rows = []
    for name in COMPARED:
        a = np.asarray(plain[name], dtype=float)
        b = np.asarray(sim_results.scalars[name], dtype=float)
        se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        z = (a.mean() - b.mean()) / se if se > 0 else 0.0
        rows.append(
            {
                "outcome": name,
                "plain": [float(v) for v in (a.mean(), *np.percentile(a, [5, 50, 95]))],
                "sim": [float(v) for v in (b.mean(), *np.percentile(b, [5, 50, 95]))],
                "z": float(z),
                "agrees": bool(abs(z) < 3),
            }
        )
    return rows


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": default_workers(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "sim": sim.__version__,
        "platform": platform.platform(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small runs, skip the big-memory ones")
    parser.add_argument("--reps", type=int, help="replications per sim run (default 20000)")
    parser.add_argument("--json", type=Path, default=HERE / "out" / "benchmark.json")
    args = parser.parse_args()
    reps = args.reps or (2000 if args.quick else 20_000)
    plain_reps = 300 if args.quick else 2000
    cores = default_workers()
    report: dict = {"machine": machine(), "reps": reps, "scenarios": {}, "baselines": {}}
    print(
        f"sim {sim.__version__} on {report['machine']['cpu']} ({cores} cores), "
        f"{reps:,} replications\n"
    )

    print(
        f"{'scenario':22s} {'1 worker':>10s} {f'{cores} workers':>10s} {'scaling':>8s} "
        f"{'events/rep':>10s} {'peak MB':>8s} {'B/rep kept':>10s}"
    )
    for path in SCENARIOS:
        one = measure(path, reps, 1)
        many = measure(path, reps, cores)
        row = {
            "one_worker_reps_per_s": one["reps_per_s"],
            "all_cores_reps_per_s": many["reps_per_s"],
            "scaling": many["reps_per_s"] / one["reps_per_s"],
            "events_per_rep": events_per_replication(path),
            "peak_mb": many["peak_mb"],
            "peak_worker_mb": many["peak_worker_mb"],
            "retained_bytes_per_rep": many["retained_bytes_per_rep"],
        }
        report["scenarios"][path.stem] = row
        print(
            f"{path.stem:22s} {row['one_worker_reps_per_s']:10,.0f} "
            f"{row['all_cores_reps_per_s']:10,.0f} "
            f"{row['scaling']:8.2f} {row['events_per_rep']:10.1f} {row['peak_mb']:8.0f} "
            f"{row['retained_bytes_per_rep']:10,.0f}"
        )

    print("\nBaselines (one core)")
    ceiling = machine_scaling(cores)
    report["baselines"]["machine_scaling"] = ceiling
    print(f"  machine: {cores} independent CPU-bound processes run {ceiling:.2f}x one")
    raw = raw_simpy_events_per_second()
    report["baselines"]["raw_simpy_events_per_s"] = raw
    print(f"  bare SimPy: {raw:,.0f} timeouts/s")
    for name in ("stalled", "freeze"):
        path = ROOT / "scenarios" / f"{name}.yaml"
        data = resolved(path)
        t0 = time.perf_counter()
        plain = plain_simpy.run(data, plain_reps, seed=1)
        plain_rate = plain_reps / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        limit_reps = 20_000 if args.quick else 100_000
        numpy_limit.run(data, limit_reps, seed=1)
        limit_rate = limit_reps / (time.perf_counter() - t0)
        sim_results = sim.run(sim.load_scenario(path), reps=plain_reps, seed=1, workers=cores)
        rows = agreement(plain, sim_results)
        ours = report["scenarios"][name]
        ratios = {
            "plain_simpy_reps_per_s": plain_rate,
            "numpy_limit_reps_per_s": limit_rate,
            "sim_all_cores_over_plain": ours["all_cores_reps_per_s"] / plain_rate,
            "sim_over_numpy_limit": ours["all_cores_reps_per_s"] / limit_rate,
            "all_cores_over_one_worker": ours["scaling"],
            "outcomes": rows,
        }
        report["baselines"][name] = ratios
        print(
            f"  {name}: plain SimPy {plain_rate:,.0f} reps/s; numpy limit {limit_rate:,.0f} reps/s"
        )
        print(
            f"    sim ({cores} cores) / plain SimPy (1 core) = "
            f"{ratios['sim_all_cores_over_plain']:.1f}x;"
            f" sim / numpy limit = {ratios['sim_over_numpy_limit']:.3f};"
            f" {cores} cores / 1 worker = {ratios['all_cores_over_one_worker']:.2f}"
        )
        print(
            f"    {'outcome':18s} {'plain mean  p5  p50  p95':>28s}   "
            f"{'sim mean  p5  p50  p95':>28s}  z"
        )
        for r in rows:
            p, s = r["plain"], r["sim"]
            print(
                f"    {r['outcome']:18s} {p[0]:9.2f} {p[1]:6.1f} {p[2]:6.1f} {p[3]:6.1f}   "
                f"{s[0]:9.2f} {s[1]:6.1f} {s[2]:6.1f} {s[3]:6.1f}  {r['z']:+.1f}"
                f"{'' if r['agrees'] else '  (differs)'}"
            )

    if not args.quick:
        print("\nMemory")
        with tempfile.TemporaryDirectory() as tmp:
            big = measure(ROOT / "scenarios" / "stalled.yaml", 200_000, cores, "--save", tmp)
        report["memory"] = {"200k_with_trajectories": big}
        print(
            f"  200,000 replications with trajectories, saved: peak {big['peak_mb']:,.0f} MB "
            f"(workers {big['peak_worker_mb']:,.0f} MB), {big['seconds']:.0f} s + "
            f"{big['save_seconds']:.0f} s to save"
        )
        flat = {}
        for n in (50_000, 400_000):
            with tempfile.TemporaryDirectory() as tmp:
                flat[n] = measure(
                    ROOT / "scenarios" / "stalled.yaml", n, cores, "--stream", "--save", tmp
                )
            print(f"  {n:,} replications with --no-trajectories: peak {flat[n]['peak_mb']:,.0f} MB")
        report["memory"]["streamed"] = {str(k): v for k, v in flat.items()}

    args.json.parent.mkdir(parents=True, exist_ok=True)
    plain = lambda o: o.item() if hasattr(o, "item") else str(o)  # noqa: E731 - numpy scalars
    args.json.write_text(json.dumps(report, indent=1, default=plain) + "\n")
    print(f"\nWritten: {os.path.relpath(args.json)}")


if __name__ == "__main__":
    main()
