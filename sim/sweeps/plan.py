"""Planning a sweep: its points, each a validated scenario with a cache key.

`plan_sweep` turns a `SweepSpec` into points: each point is the scenario with
the swept parameters set to plain values, validated like any scenario, and
keyed by a hash of its resolved content, the seed, the replications and the
engine version. Sizes are checked before any point is built (`sim.engine.limits`).
Nothing here runs the model.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from dataclasses import dataclass, replace

from pydantic import ValidationError

from sim.engine.folders import overrides_mark
from sim.engine.limits import check_sweep
from sim.engine.summary import HEADLINE_EVENTS, HEADLINE_METRICS
from sim.errors import Problem, ScenarioError
from sim.plan.compiled import compile_plan
from sim.plan.outcomes import DESCRIPTIONS, EVENTS
from sim.scenario.loader import apply_overrides, load_scenario, set_path
from sim.scenario.schema import Scenario, parameters
from sim.sweeps.designs import Design, make_design
from sim.sweeps.spec import Factor, SweepSpec, Values
from sim.version import __version__

#: Bump when the content of a point record changes, so old caches are not read as new.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Point:
    """One point of a design: the swept values and the key of the scenario they give.

    The scenario itself is not kept (about 190 KB a point): a worker builds it
    again from the base scenario and the values (`resolve_point`).
    """

    index: int
    values: dict
    key: str


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
    events = set(EVENTS)
    metrics = {k for k in DESCRIPTIONS if k not in events and k != "freeze_in_force"}
    return metrics, events


def plan_sweep(spec: SweepSpec) -> SweepPlan:
    """Load the scenario, check every factor and build every point; raise on bad input.

    Sizes are checked before anything big is built: the design's point count from
    its factors' levels and samples, then the replications (see `sim.engine.limits`).
    """
    base = _load(spec)
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
        points.append(Point(i, values, point_key(scenario, seed, reps)))
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
    mark = overrides_mark(base.overrides)  # fixed --set and set:, told apart at a glance
    sweep_id = f"{spec.design}-{len(points)}x{reps}-seed{seed}-{digest[:8]}{mark}"
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


def _load(spec: SweepSpec, values: dict | None = None) -> Scenario:
    """The sweep's scenario (a file, or a `Scenario` object) with its overrides and `values`."""
    if isinstance(spec.scenario, Scenario):
        return apply_overrides(spec.scenario, spec.changes(values))
    return load_scenario(spec.scenario, overrides=spec.changes(values))


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
    shown = ", ".join(f"{k}={v}" for k, v in values.items())
    try:
        _load(spec, values)
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
