"""`sim sweep --dry-run`'s estimate against the real sweep, timed from the prompt.

    python benchmarks/sweep_estimate.py           # three sweeps of 27 to 960 points
    python benchmarks/sweep_estimate.py --big     # and the 7,680-point Sobol sweep of freeze.yaml

For each sweep: the dry run's estimate (parsed from its output), then the same
command run for real in a fresh folder, its wall time measured around the
whole process (start-up, planning, the points, analysis, report). Prints one
row a sweep with the ratio estimate / truth; the target is within ±30%.
Figures depend on the machine and its load; record them in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from sweep_memory import FACTORS  # noqa: E402  (the 13 uncertain parameters of freeze.yaml)

FREEZE = str(ROOT / "scenarios" / "freeze.yaml")
STALLED = str(ROOT / "scenarios" / "stalled.yaml")
ALL = [a for p in FACTORS for a in ("-p", f"{p}=scenario")]
GRID = ["-p", "arsenal.production_rate=6,12,18", "-p", "arsenal.growth=0:0.1:3"]
GRID += ["-p", "talks.open_rate.denuclearization_first=0.01,0.05,0.1"]
SWEEPS = {
    "grid 27 points x 1,000 (stalled)": [STALLED, *GRID, "-n", "1000"],
    "lhs 500 points x 200 (freeze, 13 factors)": [
        FREEZE, *ALL, "-d", "lhs", "--samples", "500", "-n", "200"
    ],
    "sobol N=64: 960 points x 100 (freeze, 13 factors)": [
        FREEZE, *ALL, "-d", "sobol", "--samples", "64", "-n", "100"
    ],
}  # fmt: skip
BIG = {
    "sobol N=512: 7,680 points x 100 (freeze, 13 factors)": [
        FREEZE, *ALL, "-d", "sobol", "--samples", "512", "-n", "100"
    ],
}  # fmt: skip
ESTIMATE = re.compile(r"estimate: about .*? \((\d+) s: ")


def sim(args: list[str]) -> tuple[str, float]:
    """Run `sim ...` in a fresh process: its output and wall seconds."""
    clock = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, check=True
    )
    return done.stdout, time.perf_counter() - clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", action="store_true", help="add the 7,680-point sweep")
    parser.add_argument("--only-big", action="store_true", help="only the 7,680-point sweep")
    parser.add_argument("--workers", default=None, help="-w for every sweep (default: all cores)")
    args = parser.parse_args()
    sweeps = BIG if args.only_big else {**SWEEPS, **(BIG if args.big else {})}
    rows = []
    for name, command in sweeps.items():
        extra = ["-w", args.workers] if args.workers else []
        with tempfile.TemporaryDirectory() as out:
            dry, _ = sim(["sweep", *command, *extra, "-o", out, "--dry-run"])
            found = ESTIMATE.search(dry)
            if not found:
                raise SystemExit(f"no estimate in the dry run's output:\n{dry}")
            guess = float(found[1])
            pilot = " / ".join(
                line.strip()
                for line in dry.splitlines()
                if line.strip().startswith(("pilot", "workers"))
            )
            _, truth = sim(["sweep", *command, *extra, "-o", out, "-q"])
        rows.append((name, guess, truth))
        print(f"{name}: estimate {guess:.0f} s, truth {truth:.0f} s, "
              f"ratio {guess / truth:.2f} [{pilot}]", flush=True)  # fmt: skip
    print("\n| sweep | estimate | truth | estimate ÷ truth |\n|---|---|---|---|")
    for name, guess, truth in rows:
        print(f"| {name} | {guess:.0f} s | {truth:.0f} s | {guess / truth:.2f} |")


if __name__ == "__main__":
    main()
