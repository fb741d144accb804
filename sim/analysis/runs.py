"""The runs a comparison is made of: scenarios run now, or runs made before.

Every input becomes a `Run`: its summary and its outcomes, one row per
replication. A scenario (a file or a `Scenario` object) is run; a result
folder is read and a `Results` object taken as it is, never rerun. Before
anything runs, the inputs are checked to cover the same calendar months
(start, horizon, grid).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.engine.executors import DaskExecutor, make_executor
from sim.engine.results import Results, StreamedResults
from sim.engine.runner import run as run_scenario
from sim.engine.saved import read_arrays, read_outcomes
from sim.errors import Problem, ScenarioError
from sim.plan.outcomes import FIRSTS, SCALARS
from sim.scenario.loader import Overrides, apply_overrides, load_scenario
from sim.scenario.schema import Scenario

RESULT_FILES = ("summary.json", "replications.csv", "trajectories.npz")
QUANTITIES = ("warheads", "material")


@dataclass
class Run:
    """One side of a comparison: a run's summary and its outcomes, one row per replication."""

    label: str
    source: str  # the argument it came from
    kind: str  # "scenario": run for this comparison; "results": read from a folder
    summary: dict  # the content of summary.json
    scalars: dict[str, np.ndarray]
    firsts: dict[str, np.ndarray]  # month an event first happened, NaN if it never did
    trajectories: dict[str, np.ndarray]  # replications x months
    freeze_at_end: np.ndarray

    @property
    def seed(self) -> int:
        return int(self.summary["provenance"]["seed"])

    @property
    def replications(self) -> int:
        return int(self.summary["provenance"]["replications"])


def from_results(results, source: str, kind: str = "scenario") -> Run:
    """A Run from a `Results`: just computed for a comparison (`kind` "scenario"), or given
    already run ("results")."""
    return Run(
        label=results.scenario.name,
        source=source,
        kind=kind,
        summary=results.summary(),
        scalars=dict(results.scalars),
        firsts=dict(results.firsts),
        trajectories=dict(results.trajectories),
        freeze_at_end=results.freeze[:, -1].copy(),
    )


def check_result_folder(folder: Path, needs: tuple[str, ...] = RESULT_FILES) -> None:
    """Refuse, with a hint, anything that is not a folder written by `sim run`."""
    missing = [name for name in needs if not (folder / name).is_file()]
    if not missing:
        return
    if missing == ["trajectories.npz"]:
        raise ScenarioError.single(
            "this run was made with --no-trajectories: it keeps no monthly paths, so it "
            "cannot be compared year by year",
            file=str(folder),
            hint="give the scenario file instead, or run it again without --no-trajectories",
        )
    runs = sorted(p.parent for depth in ("*", "*/*") for p in folder.glob(f"{depth}/summary.json"))
    hint = (
        f"it holds {len(runs)} run(s); give one of them, e.g. {runs[-1]}"
        if runs
        else "give a scenario file (.yaml) or a run's folder, results/<scenario>/<run-id>/"
    )
    raise ScenarioError.single(
        f"not a result folder: {', '.join(missing)} missing", file=str(folder), hint=hint
    )


def read_folder(folder: str | Path) -> Run:
    """A Run from a result folder (summary.json, replications.csv, trajectories.npz).

    Every file is checked (`sim.engine.saved`): a damaged folder raises ScenarioError
    naming the file and what is wrong, never a traceback or a shifted figure.
    """
    folder = Path(folder)
    check_result_folder(folder)
    summary, table = read_outcomes(folder)
    path = folder / "trajectories.npz"
    arrays = read_arrays(path)
    where = {"file": str(path)}
    absent = [k for k in (*QUANTITIES, "months", "dates") if k not in arrays]
    if absent:
        raise ScenarioError.single(
            f"the result folder lacks {', '.join(absent)}; was it written by an older sim, "
            "or without trajectories?",
            **where,
            hint="run the scenario again with `sim run`",
        )
    reps, horizon = summary["provenance"]["replications"], summary["scenario"]["horizon_months"]
    months, dates = arrays["months"], arrays["dates"]
    if (
        months.shape != (horizon + 1,)
        or months.dtype.kind not in "iu"
        or not np.array_equal(months, np.arange(horizon + 1))
        or dates.shape != months.shape
        or dates.dtype.kind != "U"
        or str(dates[0]) != summary["scenario"]["start"]
    ):
        raise ScenarioError.single(
            f"months and dates must run month by month over the {horizon} months from "
            f"{summary['scenario']['start']} that summary.json gives",
            **where,
        )
    for q in QUANTITIES:
        a = arrays[q]
        if a.shape != (reps, horizon + 1) or a.dtype.kind != "f" or not np.isfinite(a).all():
            raise ScenarioError.single(
                f"{q} must be {reps} replications x {horizon + 1} months of finite numbers, "
                f"not {a.shape} of {a.dtype}",
                **where,
            )
    summary["grid"] = {"start": str(dates[0]), "horizon_months": horizon, "step": 1}
    return Run(
        label=summary["scenario"]["name"],
        source=str(folder),
        kind="results",
        summary=summary,
        scalars={name: table[name] for name in SCALARS},
        firsts={name: table[f"months_to_{name}"] for name in FIRSTS},
        trajectories={q: arrays[q] for q in QUANTITIES},
        freeze_at_end=table["freeze_in_force_at_end"].astype(bool),
    )


def grid_of(scenario=None, run: Run | None = None) -> dict:
    """Start, horizon and step (months) of the reporting grid: what must agree to compare."""
    if run is not None:
        sc = run.summary["scenario"]
        default = {"start": sc["start"], "horizon_months": sc["horizon_months"], "step": 1}
        return run.summary.get("grid", default)
    return {
        "start": str(scenario.start_month),
        "horizon_months": scenario.horizon_months,
        "step": 1,
    }


def check_compatible(grids: list[tuple[str, dict]]) -> None:
    """Refuse runs whose calendar months differ from the baseline's, saying what differs."""
    (base_source, base), *others = grids
    units = {"start": "", "horizon_months": " months", "step": " month(s)"}
    names = {"start": "start", "horizon_months": "horizon", "step": "reporting grid step"}
    problems = []
    for source, grid in others:
        diffs = [
            f"{names[k]} {grid[k]}{units[k]}, the baseline's {base[k]}{units[k]}"
            for k in names
            if str(grid[k]) != str(base[k])
        ]
        if diffs:
            problems.append(
                Problem(
                    f"cannot be compared with the baseline {base_source}: {'; '.join(diffs)}",
                    file=source,
                    hint="compare runs over the same months: same start, horizon and grid",
                )
            )
    if problems:
        raise ScenarioError(problems)


Source = str | Path | Scenario | Results


def describe(source: Source | StreamedResults) -> str:
    """What a source is called in messages and in comparison.json's `source`."""
    if isinstance(source, Scenario):
        return source.path or f"<scenario {source.name}>"
    if isinstance(source, Results | StreamedResults):
        return f"<Results of {source.scenario.name}>"
    return str(source)


def _load(source: Source | StreamedResults, overrides: Overrides = None) -> Scenario | Run:
    """A scenario to run (with `overrides`), or a Run made before (a result folder, a `Results`)."""
    if isinstance(source, Scenario):
        return apply_overrides(source, overrides)
    if isinstance(source, StreamedResults) or (
        isinstance(source, Results) and not set(QUANTITIES) <= set(source.trajectories)
    ):
        how = "stream=True" if isinstance(source, StreamedResults) else "trajectories=False"
        raise ScenarioError.single(
            f"a run made with {how} keeps no monthly paths, so it cannot be compared year by year",
            file=describe(source),
            hint=f"give its scenario instead, or run it again without {how}",
        )
    if isinstance(source, Results):
        return from_results(source, describe(source), "results")
    if not isinstance(source, str | Path):
        raise TypeError(
            "compare a scenario file or result folder (str or Path), a Scenario or a "
            f"Results, not {type(source).__name__}"
        )
    path = Path(source)
    if path.is_dir():
        return read_folder(path)
    if path.is_file():
        return load_scenario(path, overrides=overrides)
    raise ScenarioError.single("no such scenario file or result folder", file=str(source))


def gather(
    sources: Sequence[Source | StreamedResults],
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress=None,
    overrides: Overrides = None,
    *,
    executor: str | DaskExecutor = "local",
    scheduler: str | None = None,
) -> list[Run]:
    """Read result folders and run scenarios, checking first that all can be compared.

    A source is a scenario file or a result folder (str or Path), a `Scenario`
    (run now, like a file) or a `Results` (taken as it is, like a folder).
    Scenarios all run with one seed and number of replications, so they pair
    with each other: those given, else the first folder's or Results' (so they
    pair with it too), else the first scenario's `run:` defaults.
    `overrides` (`PATH=VALUE`, as `--set`) apply to every scenario (file or object); a
    folder or a `Results` is taken as it was run.
    `progress(label, done, total)`.
    `executor` and `scheduler` say where they run, as for `sim.engine.runner.run`;
    on Dask, every scenario runs on one cluster, started or connected to once.
    """
    loaded: list[Scenario | Run] = []
    problems: list[Problem] = []
    for source in sources:
        try:
            loaded.append(_load(source, overrides))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    check_compatible(
        [
            (describe(s), grid_of(run=x) if isinstance(x, Run) else grid_of(scenario=x))
            for s, x in zip(sources, loaded, strict=True)
        ]
    )
    folders = [x for x in loaded if isinstance(x, Run)]
    files = [x for x in loaded if isinstance(x, Scenario)]
    if folders:
        seed = folders[0].seed if seed is None else seed
        reps = folders[0].replications if reps is None else reps
    elif files:
        seed = files[0].run.seed if seed is None else seed
        reps = files[0].run.replications if reps is None else reps
    runs = []
    with _one_cluster(executor, workers, scheduler, bool(files)) as where:
        for source, item in zip(sources, loaded, strict=True):
            if isinstance(item, Run):
                runs.append(item)
                continue
            report = (lambda d, t, name=item.name: progress(name, d, t)) if progress else None
            results = run_scenario(
                item, reps=reps, seed=seed, workers=workers, progress=report, executor=where
            )
            runs.append(from_results(results, describe(source)))
    return runs


@contextmanager
def _one_cluster(
    executor: str | DaskExecutor, workers: int | None, scheduler: str | None, needed: bool
) -> Iterator[str | DaskExecutor]:
    """The executor every scenario file of a comparison runs on: a Dask cluster is
    started (or connected to) once for all of them, and only if anything runs."""
    if not needed or isinstance(executor, DaskExecutor) or not (executor == "dask" or scheduler):
        yield executor
        return
    with make_executor("dask", workers, scheduler) as cluster:
        yield cluster
