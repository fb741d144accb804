"""Runs from Python: `run` returns results that can save themselves.

The engine's `Results` and `StreamedResults` are data: they do not know how
they are written down. The Python API hands back the same data in subclasses
that add `save(root)`, which writes the result folder through the report layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.api.progress import ProgressArg, progress_bar
from sim.engine import results as engine
from sim.engine.executors import DaskExecutor
from sim.engine.runner import run as run_engine
from sim.report.writers import write_run
from sim.scenario.loader import Overrides, apply_overrides, load_scenario
from sim.scenario.schema import Scenario


class Saving:
    """`save()` for a run's results."""

    def save(
        self,
        out: str | Path = "results",
        run_id: str | None = None,
        charts: bool = True,
        name: str | None = None,
    ) -> Path:
        """Write `out/<scenario>/<run-id>/` atomically and return its path.

        `charts=False` skips drawing the charts (about a second a run), e.g. when
        saving many runs whose tables are all that is read. `name` replaces the
        scenario's name in the path (a safe folder name).
        """
        return write_run(self, Path(out), run_id, charts, name)


@dataclass(eq=False, kw_only=True, repr=False)  # the engine's short repr, not a dump
class Results(Saving, engine.Results):
    """Every outcome of a run as arrays (see `sim.engine.results.Results`), and `save()`."""


@dataclass(eq=False, kw_only=True, repr=False)
class StreamedResults(Saving, engine.StreamedResults):
    """A streamed run's statistics and spooled table, and `save()`."""


def scenario_of(source: str | Path | Scenario, overrides: Overrides = None) -> Scenario:
    """A scenario file loaded, or a `Scenario` object, with `overrides` applied."""
    if isinstance(source, Scenario):
        return apply_overrides(source, overrides)
    if isinstance(source, str | Path):
        return load_scenario(source, overrides=overrides)
    raise TypeError(f"expected a scenario file or a Scenario, not {type(source).__name__}")


def run(
    scenario: str | Path | Scenario,
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    *,
    overrides: Overrides = None,
    progress: ProgressArg = None,
    trajectories: bool = True,
    stream: bool = False,
    precision: float | None = None,
    max_reps: int | None = None,
    spool_dir: str | None = None,
    executor: str | DaskExecutor = "local",
    scheduler: str | None = None,
) -> Results | StreamedResults:
    """Run replications of a scenario and return every outcome, ready to `save()`.

    `scenario` is a `Scenario` or a scenario file, with `overrides` applied
    (`["deal.relief=0.3"]` or `{"deal.relief": 0.3}`, as `--set`). `reps` and
    `seed` default to the scenario's `run:` section; `workers=1` runs in this
    process, more use worker processes (default: as many as the work
    pays for, up to every core), with the same numbers. `progress=True` shows
    a bar (terminal or notebook); a function `progress(done, total)` is called
    instead. `stream=True` keeps nothing per
    replication in memory. With `precision`, batches run until the headline
    standard errors are that small (`max_reps` caps them). See
    `sim.engine.runner.run`. `executor="dask"` or `scheduler="tcp://HOST:PORT"`
    sends the replications to a Dask cluster.
    """
    scenario = scenario_of(scenario, overrides)
    with progress_bar(progress) as update:
        results = run_engine(
            scenario,
            reps,
            seed,
            workers,
            progress=(lambda done, total: update(scenario.name, done, total)) if update else None,
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
