"""Sweeps: plan the points, run only what is not cached, keep each finished point at once.

`plan_sweep` turns a `SweepSpec` into points: each point is the scenario with
the swept parameters set to plain values, validated like any scenario, and
keyed by a hash of its resolved content, the seed, the replications and the
engine version. `run_sweep` looks every key up in a `PointStore` (one small JSON
file per finished point), hands the rest to an executor, and writes each record
the moment it arrives, so a sweep killed at any instant loses at most the
points in flight and the next run resumes where it stopped.

Every point runs `sim.run(scenario, reps, seed, workers=1)` with the sweep's
seed: replication i has the same child seed at every point (common random
numbers), so differences between points are the parameters' effect, not noise.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .designs import Design, make_design
from .errors import Problem, ScenarioError
from .limits import check_sweep
from .plan import compile_plan
from .schema import Scenario, parameters
from .sweep_spec import Factor, SweepSpec, Values
from .version import __version__

#: Bump when the content of a point record changes, so old caches are not read as new.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Point:
    """One point of a design: the swept values and the scenario they give."""

    index: int
    values: dict
    key: str
    scenario: Scenario = field(repr=False, compare=False)


@dataclass(frozen=True)
class SweepPlan:
    """Everything decided before anything runs."""

    spec: SweepSpec
    base: Scenario
    design: Design
    points: tuple[Point, ...]
    reps: int
    seed: int
    name: str
    id: str
    metrics: tuple[str, ...]

    def unique(self) -> dict[str, Point]:
        """One point per distinct key (two design points may give the same scenario)."""
        out: dict[str, Point] = {}
        for p in self.points:
            out.setdefault(p.key, p)
        return out


def known_outputs() -> tuple[set[str], set[str]]:
    """Metric names and event names a sweep can analyse."""
    from .outcomes import FIRSTS
    from .summary import DESCRIPTIONS

    events = {*FIRSTS, "freeze_in_force_at_end"}
    metrics = {k for k in DESCRIPTIONS if k not in events and k != "freeze_in_force"}
    return metrics, events


def plan_sweep(spec: SweepSpec) -> SweepPlan:
    """Load the scenario, check every factor and build every point; raise on bad input.

    Sizes are checked before anything big is built: the design's point count from
    its factors' levels and samples, then the replications (see `limits`).
    """
    from .loader import load_scenario

    base = load_scenario(spec.scenario, overrides=spec.changes())
    factors = _resolve_factors(spec, base)
    reps = spec.reps if spec.reps is not None else base.run.replications
    seed = spec.seed if spec.seed is not None else base.run.seed
    metrics = _check_metrics(spec.metrics)
    source = str(spec.source) if spec.source else None
    design = make_design(spec.design, factors, spec.samples, seed, source)  # size checked first
    check_sweep(compile_plan(base), len(design), reps)
    points, problems = [], []
    for i in range(len(design)):
        values = design.values(i)
        try:
            scenario = resolve_point(base, values)
        except ScenarioError as exc:
            problems += _located(spec, values, i, exc)
            if len(problems) >= 5:
                break
            continue
        points.append(Point(i, values, point_key(scenario, seed, reps), scenario))
    if problems:
        raise ScenarioError(problems)
    digest = hashlib.sha256(
        json.dumps(
            {
                "design": spec.design,
                "factors": [[(p, v.describe()) for p, v in f.params] for f in factors],
                "keys": [p.key for p in points],
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    sweep_id = f"{spec.design}-{len(points)}x{reps}-seed{seed}-{digest[:8]}"
    return SweepPlan(
        spec=replace(spec, factors=factors),
        base=base,
        design=design,
        points=tuple(points),
        reps=reps,
        seed=seed,
        name=spec.name or base.name,
        id=sweep_id,
        metrics=metrics,
    )


def _resolve_factors(spec: SweepSpec, base: Scenario) -> tuple[Factor, ...]:
    params = parameters(base)
    problems: list[Problem] = []
    factors = []
    for factor in spec.factors:
        resolved = []
        for path, values in factor.params:
            if path not in params:
                close = difflib.get_close_matches(path, list(params), n=1, cutoff=0.6)
                hint = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else (
                        "`sim show` lists the scenario; a parameter is a dotted path such as "
                        "arsenal.production_rate"
                    )
                )
                problems.append(
                    values.where.problem(f"not a parameter of scenario {base.name!r}", path, hint)
                )
                continue
            if values.from_scenario:
                own = params[path]
                if not own.random:
                    problems.append(
                        values.where.problem(
                            f"is fixed at {own.describe()} in the scenario, so it has no "
                            "distribution to sample",
                            path,
                            "give values, bounds or a distribution",
                        )
                    )
                    continue
                values = Values(text=values.text, dist=own, from_scenario=True, where=values.where)
            if spec.design == "grid" and not values.finite:
                problems.append(
                    values.where.problem(
                        f"a grid needs values, but {values.text!r} is a distribution or bounds",
                        path,
                        "give a list (6,12,18) or a range (6:18:3), or use --design lhs "
                        "or --design sobol",
                    )
                )
                continue
            resolved.append((path, values))
        factors.append(Factor(tuple(resolved)))
    if problems:
        raise ScenarioError(problems)
    return tuple(factors)


def _check_metrics(names: tuple[str, ...] | None) -> tuple[str, ...]:
    from .summary import HEADLINE_EVENTS, HEADLINE_METRICS

    if not names:
        return (*HEADLINE_METRICS, *HEADLINE_EVENTS)
    metrics, events = known_outputs()
    known = sorted(metrics | events)
    bad = [n for n in names if n not in known]
    if bad:
        close = difflib.get_close_matches(bad[0], known, n=1)
        raise ScenarioError.single(
            f"unknown metric {bad[0]!r}",
            file="--metric",
            hint=f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(known),
        )
    return tuple(names)


def resolve_point(base: Scenario, values: dict) -> Scenario:
    """The base scenario with swept parameters set to plain values, validated.

    Works on the resolved data (after extends and --set) and validates it once
    with the scenario model, which is what `load_scenario` does after reading the
    files; re-reading YAML for every point would cost far more than validating.
    """
    from pydantic import ValidationError

    from .loader import set_path

    data = copy.deepcopy(base.resolved)
    for path, value in values.items():
        set_path(data, path, value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(
            [Problem(e["msg"], path=".".join(map(str, e["loc"]))) for e in exc.errors()]
        ) from None


def _located(spec: SweepSpec, values: dict, i: int, exc: ScenarioError) -> list[Problem]:
    """Re-load the failing point through the loader for file-and-line messages."""
    from .loader import load_scenario

    shown = ", ".join(f"{k}={v}" for k, v in values.items())
    try:
        load_scenario(spec.scenario, overrides=spec.changes(values))
        problems = exc.problems
    except ScenarioError as located:
        problems = located.problems
    return [
        replace(p, message=f"at point {i} ({shown}): {p.message}", file=p.file or "--param")
        for p in problems
    ]


def point_key(scenario: Scenario, seed: int, reps: int) -> str:
    """The cache key of a point: what determines its numbers, and nothing else."""
    text = json.dumps(
        {
            "scenario": scenario.content_hash(),
            "seed": seed,
            "reps": reps,
            "engine": __version__,
            "format": CACHE_FORMAT,
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


# --------------------------------------------------------------------------- running a point


def _simulate(scenario: Scenario, reps: int, seed: int) -> dict:
    from .runner import run

    summary = run(scenario, reps=reps, seed=seed, workers=1, trajectories=False).summary()
    return {"metrics": summary["metrics"], "probabilities": summary["probabilities"]}


def run_point(scenario: Scenario, key: str, reps: int, seed: int) -> dict:
    """Run one point and return its record; an error becomes a failed record, not a raise.

    Runs wherever the executor puts it (a local process, a Dask worker on another
    machine), so it takes everything it needs as arguments and reads no files.
    """
    clock = time.perf_counter()
    try:
        record: dict[str, Any] = {"status": "ok", **_simulate(scenario, reps, seed)}
    except Exception as exc:
        record = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    record.update(
        key=key,
        reps=reps,
        seed=seed,
        scenario_hash=scenario.content_hash(),
        engine_version=__version__,
        host=socket.gethostname(),
        seconds=round(time.perf_counter() - clock, 4),
    )
    return record


class PointStore:
    """Finished points on disk: `<folder>/<key>.json`, each written atomically.

    A record that cannot be read or is not what this engine writes (truncated
    JSON, an "ok" record without its figures, wrong types) is treated as
    missing, so the point is computed again; its key is kept in `damaged` for
    the caller to say so once. Records are written to a fresh temporary file
    (O_EXCL, never through a link) and renamed over the old one, so a kill
    leaves the old state or the new, never half a file. `out`, when given, is
    the folder the store must stay inside (links leading out are refused).
    """

    def __init__(self, folder: Path, out: Path | None = None):
        self.folder = Path(folder)
        self.out = Path(out) if out is not None else None
        self.damaged: set[str] = set()

    def get(self, key: str) -> dict | None:
        path = self.folder / f"{key}.json"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # unreadable, truncated, not UTF-8
            record = None
        if not _sound(record, key):
            self.damaged.add(key)
            return None
        return record

    def put(self, record: dict) -> None:
        from .folders import TMP, create_file, make_inside, owner_tag

        if self.out is not None:
            make_inside(self.out, *self.folder.relative_to(self.out).parts)
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = create_file(self.folder, owner_tag(TMP), ".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.folder / f"{record['key']}.json")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


_AT_END = ("freeze_in_force_at_end",)  # the event that is a state at the horizon


def _number(x, low: float = -math.inf, high: float = math.inf) -> bool:
    """A finite JSON number in [low, high] (JSON may hold NaN and Infinity; a record may not)."""
    real = isinstance(x, int | float) and not isinstance(x, bool)
    return real and math.isfinite(x) and low <= x <= high


def _sound(record, key: str) -> bool:
    """Whether a cached record is one this engine wrote for `key`: every figure, right types.

    An "ok" record holds exactly the engine's metrics and events (the points
    table is their union, so one missing or extra name would break it), each
    with every figure: numbers, or null where a metric has no value (n = 0).
    """
    from .outcomes import FIRSTS, SCALARS
    from .sweep_table import STATS

    if not isinstance(record, dict) or record.get("key") != key:
        return False
    if record.get("status") == "failed":
        return isinstance(record.get("error"), str)
    metrics, probabilities = record.get("metrics"), record.get("probabilities")
    if record.get("status") != "ok" or not isinstance(metrics, dict):
        return False
    if set(metrics) != {*SCALARS, *(f"months_to_{e}" for e in FIRSTS)}:
        return False
    if not isinstance(probabilities, dict) or set(probabilities) != {*FIRSTS, *_AT_END}:
        return False
    for m in metrics.values():
        if not isinstance(m, dict) or not set(STATS) <= set(m) or not _count(m["n"]):
            return False
        if not all(_number(m[s]) if m["n"] else m[s] is None for s in STATS if s != "n"):
            return False
    for p in probabilities.values():
        if not isinstance(p, dict) or not {"p", "mcse"} <= set(p) or not _number(p["p"], 0, 1):
            return False
        if not (p["mcse"] is None or _number(p["mcse"], 0)):
            return False
    return True


def _count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def store_for(plan: SweepPlan, out: Path, where: str | None = None) -> PointStore:
    """Points are shared by every sweep of the same name, so overlapping sweeps reuse them.

    The sweep's name must be one plain folder name, and the store must lie
    inside `out` (a planted link leading elsewhere is refused); `where` names
    the name's source in the message (`--name`, the sweep file).
    """
    from .folders import check_name, check_within

    check_name(plan.name, "sweep name", where or plan.spec.source or str(plan.base.path))
    return PointStore(check_within(out, "sweeps", plan.name, "points"), out)


# --------------------------------------------------------------------------- running a sweep


@dataclass
class SweepRun:
    """A finished (or resumed) sweep: a record for every distinct point."""

    plan: SweepPlan
    records: dict[str, dict]
    computed: int = 0
    cached: int = 0
    failed_before: int = 0  # failed in an earlier run and not retried
    retried: int = 0
    wall_seconds: float = 0.0

    @property
    def failed(self) -> list[str]:
        return [k for k, r in self.records.items() if r["status"] != "ok"]

    def record(self, point: Point) -> dict:
        return self.records[point.key]


Progress = Callable[[int, int], None]


def run_sweep(
    plan: SweepPlan,
    store: PointStore,
    executor,
    *,
    retry_failed: bool = False,
    progress: Progress | None = None,
) -> SweepRun:
    """Run every point not in the store; write each record as soon as it arrives."""
    clock = time.perf_counter()
    records: dict[str, dict] = {}
    todo: list[Point] = []
    failed_before = retried = 0
    for key, point in plan.unique().items():
        record = store.get(key)
        if record is not None and record["status"] != "ok" and retry_failed:
            retried += 1
            record = None
        if record is None:
            todo.append(point)
        else:
            records[key] = record
            failed_before += record["status"] != "ok"
    cached = len(records) - failed_before
    total = len(todo) * plan.reps
    if progress:
        progress(0, total)
    tasks = [(p.scenario, p.key, plan.reps, plan.seed) for p in todo]
    for done, (i, outcome) in enumerate(executor.map(run_point, tasks), start=1):
        if not isinstance(outcome, BaseException) and outcome["engine_version"] != __version__:
            outcome = RuntimeError(
                f"the worker on {outcome['host']} runs sim {outcome['engine_version']}, "
                f"this machine {__version__}; install the same version everywhere"
            )
        if isinstance(outcome, BaseException):  # the executor lost the task (e.g. a worker died)
            outcome = {
                "status": "failed",
                "error": f"{type(outcome).__name__}: {outcome}",
                "key": todo[i].key,
                "reps": plan.reps,
                "seed": plan.seed,
            }
        store.put(outcome)
        records[outcome["key"]] = outcome
        if progress:
            progress(done * plan.reps, total)
    return SweepRun(
        plan,
        records,
        computed=len(todo),
        cached=cached,
        failed_before=failed_before,
        retried=retried,
        wall_seconds=time.perf_counter() - clock,
    )


def pending(plan: SweepPlan, store: PointStore, retry_failed: bool = False) -> tuple[int, int, int]:
    """(to run, cached, failed earlier) without running anything: for --dry-run."""
    todo = cached = failed = 0
    for key in plan.unique():
        record = store.get(key)
        if record is None or (record["status"] != "ok" and retry_failed):
            todo += 1
        elif record["status"] == "ok":
            cached += 1
        else:
            failed += 1
    return todo, cached, failed


def pilot(plan: SweepPlan, reps: int = 20) -> float:
    """Seconds per replication, from a short run of the first point (nothing is stored)."""
    point = plan.points[0]
    n = max(1, min(reps, plan.reps))
    clock = time.perf_counter()
    _simulate(point.scenario, n, plan.seed)
    return (time.perf_counter() - clock) / n
