"""How long the default `sim run scenarios/freeze.yaml` takes, and where the time goes.

    python benchmarks/default_run.py              # 7 runs of the command, then the parts
    python benchmarks/default_run.py --runs 15 --scenario scenarios/stalled.yaml

Two measurements, each in fresh processes:

- **wall**: the command itself (`python -m sim run SCENARIO --out TMP`), start to
  exit, as a user at a prompt waits for it; best and median of `--runs`; the
  same with the charts drawn in the command's own process instead of a helper
  process (`sim.report.plots.charts_ahead` turned off), the two alternating so
  that both see the same machine; and `python -c pass` (the interpreter alone)
  for scale. The machine's load average is printed before and after: on a busy
  machine every figure stretches, and no helper process starts;
- **parts**: one process that does what the command does, step by step, with a
  clock around each: imports, loading the scenario, the replications, the
  summary, each file of the result folder, and the charts (importing
  matplotlib, then drawing and encoding the PNGs). The parts are done one after
  the other, so they add up to more than the command's wall time when the
  command overlaps some of them.

Prints a table; `--json PATH` also writes the figures. Timings are the
machine's: see benchmarks/README.md for recorded ones. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIO = ROOT / "scenarios" / "freeze.yaml"


#: `sim` with the charts drawn in its own process: `charts_ahead` does nothing.
HERE_ONLY = (
    "import contextlib, sys\n"
    "import sim.report.plots\n"
    "sim.report.plots.spare_core = lambda: False\n"
    "from sim.cli.app import main\n"
    "sys.argv[0] = 'sim'\n"
    "main()\n"
)


def once(cmd: list[str]) -> tuple[float, float, float | None]:
    """Wall and CPU seconds of a command in a fresh process (the CPU of that process and
    the children it waited for; not of pool workers, which a fork server starts), and
    when its figures were on screen: the last line of its last table (None without)."""
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # lines as printed, as in a terminal
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    shown = None
    assert child.stdout is not None
    for line in child.stdout:  # read as printed (the command's output is unbuffered)
        if line.startswith("└".encode()):
            shown = time.perf_counter() - t0
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - t0
    errors = child.stderr.read() if child.stderr else b""
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(cmd)} failed: {errors.decode()}")
    return seconds, usage.ru_utime + usage.ru_stime, shown


def wall(commands: dict[str, list[str]], runs: int) -> dict[str, dict]:
    """Best and median wall seconds of each command over `runs` rounds, the commands
    taking turns within each round."""
    times: dict[str, list[tuple[float, float, float | None]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(once(cmd))
    out = {}
    for name, triples in times.items():
        seconds = [w for w, _, _ in triples]
        shown = [s for _, _, s in triples if s is not None]
        out[name] = {
            "best": min(seconds),
            "median": statistics.median(seconds),
            "cpu_median": statistics.median(c for _, c, _ in triples),
            "shown_median": statistics.median(shown) if shown else None,
            "runs": seconds,
        }
    return out


def parts(scenario: str) -> dict[str, float]:
    """Each step of a default run, timed in this (fresh) process, one after the other."""
    out: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        out[name] = now - clock
        clock = now

    import sim.cli.app  # noqa: F401  (what `sim` imports before any command)

    lap("import sim.cli")
    from sim.api.runs import run
    from sim.scenario.loader import load_scenario

    lap("import the library")
    loaded = load_scenario(scenario)
    lap("load the scenario")
    results = run(loaded)
    lap(f"run {results.replications:,} replications ({results.workers} worker(s))")
    summary = results.summary()
    lap("summary (figures and drivers)")
    folder = Path(tempfile.mkdtemp(prefix="sim-bench-"))
    from sim.engine.tables import write_parquet, write_table, write_trajectories
    from sim.report.markdown import markdown
    from sim.report.writers import write_scenario

    (folder / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    lap("summary.json")
    (folder / "report.md").write_text(markdown(summary, "bench"))
    write_scenario(loaded, folder / "scenario.yaml", folder)
    lap("report.md and scenario.yaml")
    table = results.table()
    write_table(table, folder / "replications.csv")
    lap("replications.csv")
    with contextlib.suppress(ImportError):
        import pyarrow.parquet  # noqa: F401
    lap("import pyarrow")
    write_parquet(table, folder / "replications.parquet")
    lap("replications.parquet")
    write_trajectories(results, folder / "trajectories.npz")
    lap("trajectories.npz")
    import matplotlib.figure  # noqa: F401

    lap("import matplotlib")
    from sim.report.plots import Series, draw

    figs = draw([Series(loaded.name, summary, results.scalars["final_warheads"])])
    lap(f"draw and encode {len(figs)} charts")
    from sim.report.html import run_html, save_images

    save_images(figs, folder)
    (folder / "report.html").write_text(run_html(summary, figs, None, "bench"))
    lap("report.html and the PNG files")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of the command (default 7)")
    parser.add_argument("--scenario", default=str(SCENARIO))
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--parts-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.parts_only:  # the child process that times the parts
        print(json.dumps(parts(args.scenario)))
        return
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as out:
        run_args = ["run", args.scenario, "--out", out]
        figures = wall(
            {
                "python -c pass": [sys.executable, "-c", "pass"],
                "sim run": [sys.executable, "-m", "sim", *run_args],
                "charts drawn here": [sys.executable, "-c", HERE_ONLY, *run_args],
            },
            args.runs,
        )
    load_after = os.getloadavg()[0]
    done = subprocess.run(
        [sys.executable, __file__, "--parts-only", "--scenario", args.scenario],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    steps = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"{Path(args.scenario).name}: wall seconds over {args.runs} runs in fresh processes "
        f"({os.cpu_count()} cores; load average {load_before:.2f} before, {load_after:.2f} after)"
    )
    for name, w in figures.items():
        shown = "" if w["shown_median"] is None else f"; figures shown at {w['shown_median']:.2f}"
        print(
            f"  {name:<18} best {w['best']:.2f}  median {w['median']:.2f}  "
            f"(CPU of the process: median {w['cpu_median']:.2f}{shown})"
        )
    print("parts, one after the other in one fresh process (seconds):")
    for name, seconds in steps.items():
        print(f"  {name:<44} {seconds:6.3f}")
    print(f"  {'sum of the parts':<44} {sum(steps.values()):6.3f}")
    if args.json:
        record = {"wall": figures, "parts": steps, "load": [load_before, load_after]}
        Path(args.json).write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
