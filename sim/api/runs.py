"""Runs from Python: `run` returns results that can save themselves.

The engine's `Results` and `StreamedResults` are data: they do not know how
they are written down. The Python API hands back the same data in subclasses
that add `save(root)`, which writes the result folder through the report layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.engine import results as engine
from sim.engine.executors import DaskExecutor
from sim.engine.runner import Progress
from sim.engine.runner import run as run_engine
from sim.report.writers import write_run
from sim.scenario.schema import Scenario


class Saving:
    """`save()` for a run's results."""

    def save(
        self, out: str | Path = "results", run_id: str | None = None, charts: bool = True
    ) -> Path:
        """Write `out/<scenario>/<run-id>/` atomically and return its path.

        `charts=False` skips drawing the charts (about a second a run), e.g. when
        saving many runs whose tables are all that is read.
        """
        return write_run(self, Path(out), run_id, charts)


@dataclass(eq=False, kw_only=True)
class Results(Saving, engine.Results):
    """Every outcome of a run as arrays (see `sim.engine.results.Results`), and `save()`."""


@dataclass(eq=False, kw_only=True)
class StreamedResults(Saving, engine.StreamedResults):
    """A streamed run's statistics and spooled table, and `save()`."""


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
) -> Results | StreamedResults:
    """Run replications of a scenario and return every outcome, ready to `save()`.

    `reps` and `seed` default to the scenario's `run:` section; `workers=1` runs
    in this process, more use worker processes (default: as many as the work
    pays for, up to every core), with the same numbers. `stream=True` keeps
    nothing per replication in memory. With `precision`, batches run until the
    headline standard errors are that small (`max_reps` caps them).
    `executor="dask"` or `scheduler="tcp://HOST:PORT"` sends the replications
    to a Dask cluster. See `sim.engine.runner.run`.
    """
    results = run_engine(
        scenario,
        reps,
        seed,
        workers,
        progress=progress,
        trajectories=trajectories,
        stream=stream,
        precision=precision,
        max_reps=max_reps,
        spool_dir=spool_dir,
        executor=executor,
        scheduler=scheduler,
        kinds=(Results, StreamedResults),
    )
    assert isinstance(results, Results | StreamedResults), "the engine builds the kinds given"
    return results
