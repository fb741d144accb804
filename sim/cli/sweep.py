"""The `sim sweep` command: registered on `sim.cli.app`.

Only option gathering and printing live here; planning, caching, executors,
sensitivity and the report are in the library (`sweep_spec`, `designs`,
`sweep`, `executors`, `sensitivity`, `sweep_report`), imported inside the
command so that `sim --help` stays fast.
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.app import app
from sim.cli.common import (
    ExecutorKind,
    OutOption,
    SetOption,
    err,
    guard,
    interrupted_code,
    progress_bar,
    reps_option,
    seed_option,
)


class DesignKind(StrEnum):
    grid = "grid"
    lhs = "lhs"
    sobol = "sobol"


@app.command()
def sweep(
    file: Annotated[
        Path, typer.Argument(help="Scenario file, or a sweep file naming one.", show_default=False)
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="PATH=SPEC",
            help="A parameter to vary. SPEC: a list 0.05,0.1,0.2; a range start:stop:count "
            "(0.05:0.25:5); bounds low:high or a distribution triangular(6,12,20) for lhs/sobol; "
            "'scenario' for the parameter's own distribution. Repeatable.",
        ),
    ] = None,
    design: Annotated[
        DesignKind | None,
        typer.Option("--design", "-d", help="grid (every combination; default), lhs or sobol."),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            min=2,
            help="lhs: points; sobol: base samples N (a power of 2), giving "
            "N x (factors + 2) points. Default 64.",
        ),
    ] = None,
    reps: int | None = reps_option(
        "Replications per point (default: the scenario's run.replications)."
    ),
    seed: int | None = seed_option(
        "Seed, the same at every point (default: the scenario's run.seed)."
    ),
    set_: SetOption = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            "-m",
            metavar="NAME",
            help="A metric or event to analyse (default: the headline ones). Repeatable.",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Sweep name (default: the scenario's name).")
    ] = None,
    out: OutOption = Path("results"),
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Local processes, or local Dask workers (default: all cores).",
        ),
    ] = None,
    executor: Annotated[
        ExecutorKind,
        typer.Option("--executor", "-e", help="local processes, or dask (a local cluster)."),
    ] = ExecutorKind.local,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="tcp://HOST:PORT",
            help="Run the points on this existing Dask cluster.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and a time estimate; run nothing.")
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Rerun the points that failed before.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a scenario over many parameter values and rank what moves each outcome.

    Each point is the scenario with the swept parameters set to plain values,
    run with the same seed (common random numbers). Finished points are cached
    by content: rerunning recomputes nothing, and an interrupted sweep resumes.
    Results go to OUT/sweeps/NAME/ID/ (points.csv, report.md, report.html).

    Examples:

        sim sweep scenarios/stalled.yaml -p arsenal.production_rate=6,12,18
          -p arsenal.growth=0:0.1:3 -n 200

        sim sweep scenarios/stalled.yaml --design sobol --samples 128
          -p arsenal.production_rate=scenario -p arsenal.initial_material=60:140

        sim sweep scenarios/sweeps/production.sweep.yaml --dry-run

        sim sweep scenarios/sweeps/production.sweep.yaml --scheduler tcp://10.0.0.5:8786
    """
    with guard():
        from sim.engine.executors import make_executor
        from sim.engine.folders import check_out
        from sim.sweeps.files import build_spec
        from sim.sweeps.plan import plan_sweep
        from sim.sweeps.run import pending, run_sweep
        from sim.sweeps.store import store_for

        runner = make_executor(executor.value, workers, scheduler)  # checks --scheduler first
        spec = build_spec(
            file,
            param,
            design=design.value if design else None,
            samples=samples,
            reps=reps,
            seed=seed,
            name=name,
            sets=set_,
            metrics=metric,
        )
        clock = time.perf_counter()
        plan = plan_sweep(spec)
        planning = time.perf_counter() - clock
        store = store_for(plan, out)
        if dry_run:
            _print_plan(plan, pending(plan, store, retry_failed), planning, runner, out)
            return
        check_out(out)
        try:
            with runner, progress_bar(quiet) as progress:
                result = run_sweep(
                    plan, store, runner, retry_failed=retry_failed, progress=progress
                )
        except (KeyboardInterrupt, OSError) as exc:
            _, cached, failed = pending(plan, store)
            saved = f"{cached + failed} of {len(plan.unique())} points are saved in {store.folder}"
            if isinstance(exc, OSError):  # the cache could not be written: a full disk?
                err(f"error: {exc}\n{saved}; fix the cause and run the same command to resume.")
                raise typer.Exit(1) from None
            err(f"Interrupted: {saved}; run the same command again to resume.")
            raise typer.Exit(interrupted_code(exc)) from None
        if store.damaged:
            err(
                f"{len(store.damaged)} cached point record(s) in {store.folder} were damaged "
                "or unreadable and were computed again."
            )
        _finish(result, runner, out, store)


def _print_plan(plan, counts, planning: float, runner, out: Path) -> None:
    from sim.report.sweep import duration
    from sim.sweeps.estimate import describe, estimate

    todo, cached, failed = counts
    d = plan.design
    echo = typer.echo
    echo(f"Sweep '{plan.name}' ({plan.id}) of scenario {plan.base.name} ({plan.base.path})")
    extra = f", N = {d.base_samples} base samples" if d.kind == "sobol" else ""
    echo(f"  design: {d.kind} over {len(d.factors)} factor(s){extra}")
    for f in d.factors:
        for p, v in f.params:
            echo(f"    {p}: {v.describe()}" + ("  (zipped)" if len(f.params) > 1 else ""))
    distinct = len(plan.unique())
    echo(
        f"  points: {len(plan.points):,} ({distinct:,} distinct) x {plan.reps:,} replications, "
        f"seed {plan.seed}: {distinct * plan.reps:,} replications in all"
    )
    echo(f"  cached: {cached:,}; failed earlier: {failed:,}; to run: {len(todo):,}")
    e = estimate(plan, todo, runner, planning, chart=_chart())
    for line in describe(e):
        echo(line)
    parts = (
        f"planning {duration(e.planning_seconds)}, the points {duration(e.run_seconds or 0)}, "
        f"analysis and report {duration(e.report_seconds)}"
    )
    total = e.total_seconds
    if total is not None:
        where = runner.description
        echo(f"  estimate: about {duration(total)} ({total:.0f} s: {parts}) on {where}")
    else:
        echo(
            f"  estimate: {duration(e.computing_seconds)} of computing, shared among the workers "
            f"of {runner.description}; then analysis and report {duration(e.report_seconds)}"
        )
    echo(f"  results: {Path(out) / 'sweeps' / plan.name / plan.id}")
    echo("Nothing was run (--dry-run).")


def _chart():
    """The report's tornado chart, for the estimate to time (None without matplotlib)."""
    try:
        from sim.report.sweep_plots import tornado
    except ImportError:
        return None
    return tornado


def _finish(result, runner, out: Path, store) -> None:
    from sim.report.sweep import write_sweep
    from sim.sweeps.sensitivity import analyse
    from sim.version import __version__

    plan = result.plan
    rankings = analyse(result)
    info = {
        "engine_version": __version__,
        "executor": runner.description,
        "wall_seconds": round(result.wall_seconds, 3),
        "points_dir": str(store.folder),
    }
    folder = write_sweep(result, rankings, out, info)
    distinct = len(plan.unique())
    failed_keys = set(result.failed)
    failed = len(failed_keys)
    line = (
        f"{len(plan.points):,} points ({distinct:,} distinct): {result.computed:,} computed, "
        f"{result.cached:,} cached, {failed:,} failed"
    )
    if result.computed == 0 and not failed:
        line += " (all cached: nothing recomputed)"
    typer.echo(line + ".")
    if result.failed_before:
        err(
            f"{result.failed_before} point(s) failed in an earlier run and were not rerun; "
            "--retry-failed reruns them."
        )
    for name, r in rankings.items():
        top = r.drivers()[:3]
        if top:
            typer.echo(f"  {name}: driven most by {', '.join(top)}")
    if failed:
        err(
            f"{failed} point(s) failed; their errors are in the report; rerun them with "
            "--retry-failed."
        )
        for point in [p for p in plan.unique().values() if p.key in failed_keys][:5]:
            shown = ", ".join(f"{k}={v}" for k, v in point.values.items())
            err(f"  point {point.index} ({shown}): {result.error(point)}")
    typer.echo(f"Results: {folder}")
    if failed:
        raise typer.Exit(1)
