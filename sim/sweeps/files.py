"""Sweep files: a sweep written in YAML beside its scenario, and the sweep a command gives.

A sweep file names its scenario (relative to the file) and says what to vary,
in `product:` (each parameter varied independently of the others) and `zip:`
(groups of parameters varied together, value by value):

    scenario: stalled.yaml
    name: production
    design: grid            # grid, lhs or sobol
    reps: 200
    seed: 7
    set: {horizon_years: 10}
    product:
      arsenal.production_rate: [6, 12, 18]
      arsenal.growth: 0:0.1:3
    zip:
      - arsenal.initial_material: [60, 90, 140]
        arsenal.initial_warheads: [35, 50, 70]
    metrics: [final_material, final_warheads]

A file with a top-level `scenario:` key is a sweep file (a scenario never has
one). Every problem names the file, line and key, like a scenario's.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from sim.errors import Problem, ScenarioError
from sim.scenario.loader import YAML_SUFFIXES
from sim.scenario.messages import short
from sim.scenario.params import Name
from sim.scenario.schema import Scenario
from sim.scenario.yamlfile import Marks, read_yaml
from sim.sweeps.spec import DESIGNS, Factor, SweepSpec, Where, parse_params, parse_sets, parse_value


class SweepFile(BaseModel):
    """A sweep file: YAML beside the scenario, naming it and what to vary."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str = Field(description="The scenario file, relative to this file.")
    name: Name | None = Field(
        None, description="Folder under results/sweeps/ (default: the scenario's)."
    )
    design: Literal["grid", "lhs", "sobol"] = "grid"
    samples: int | None = Field(
        None, ge=2, le=10_000_000, description="LHS points, or Sobol base samples N."
    )
    reps: int | None = Field(None, ge=1, le=1_000_000_000, description="Replications per point.")
    seed: int | None = Field(None, ge=0, lt=2**64)
    set: dict[str, Any] = Field(default_factory=dict, description="Fixed overrides, as --set.")
    product: dict[str, Any] = Field(
        default_factory=dict, description="Parameters varied independently."
    )
    zip: list[dict[str, Any]] = Field(
        default_factory=list, description="Groups of parameters varied together."
    )
    metrics: list[str] | None = Field(None, description="Metrics to analyse (default: headline).")


def is_sweep_file(path: Path) -> bool:
    """A sweep file is a YAML mapping with a `scenario:`, `product:` or `zip:` key
    (scenario files never have one)."""
    data, _ = read_yaml(path)
    return isinstance(data, dict) and any(k in data for k in ("scenario", "product", "zip"))


def read_sweep_file(path: Path) -> SweepSpec:
    """Read and check a sweep file; every problem names its line."""
    data, marks = read_yaml(path)
    file = str(path)
    try:
        doc = SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_file_problem(err, marks, file) for err in exc.errors()]) from None
    if Path(doc.scenario).suffix.lower() not in YAML_SUFFIXES:
        raise ScenarioError(
            [
                _at(marks, ("scenario",), file).problem(
                    "the scenario must be a .yaml or .yml file", "scenario"
                )
            ]
        )
    factors = []
    for key, raw in doc.product.items():
        factors.append(Factor(((key, parse_value(raw, key, _at(marks, ("product", key), file))),)))
    for i, group in enumerate(doc.zip):
        where = _at(marks, ("zip", i), file)
        if not group:
            raise ScenarioError([where.problem("an empty zip group", f"zip[{i}]")])
        params = tuple(
            (key, parse_value(raw, key, _at(marks, ("zip", i, key), file)))
            for key, raw in group.items()
        )
        counts = {p: len(v.levels) for p, v in params if v.levels is not None}
        if len(set(counts.values())) > 1:
            sizes = ", ".join(f"{p} has {n}" for p, n in counts.items())
            raise ScenarioError(
                [
                    where.problem(
                        f"zipped parameters need the same number of values: {sizes}", f"zip[{i}]"
                    )
                ]
            )
        factors.append(Factor(params))
    return SweepSpec(
        scenario=_tidy(path.parent / doc.scenario),
        factors=tuple(factors),
        design=doc.design,
        samples=doc.samples,
        reps=doc.reps,
        seed=doc.seed,
        name=doc.name,
        overrides=dict(doc.set),
        metrics=tuple(doc.metrics) if doc.metrics else None,
        source=file,
        override_at={k: _at(marks, ("set", k), file) for k in doc.set},
    )


def _check_name(name: str) -> None:
    """`--name` becomes a folder: the rule of scenario and sweep file names applies."""
    try:
        TypeAdapter(Name).validate_python(name)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ScenarioError.single(message, file="--name") from None


def _at(marks: Marks, key: tuple, file: str) -> Where:
    line, column = marks.get(key, (None, None))
    return Where(file, line, column)


def _file_problem(err: ErrorDetails, marks: Marks, file: str) -> Problem:
    loc = tuple(err["loc"])
    where = _at(marks, loc, file) if loc in marks else _at(marks, loc[:-1], file)
    if where.line is None:  # nothing more precise: the top of the file
        where = Where(file, 1)
    path = ".".join(map(str, loc)) or None
    kind = err["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), list(SweepFile.model_fields), n=1)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else ("a sweep file has: " + ", ".join(SweepFile.model_fields))
        )
        return where.problem(f"unknown key {loc[-1]!r}", path, hint)
    if kind == "missing":
        return where.problem(
            f"missing required key {loc[-1]!r}",
            path,
            SweepFile.model_fields[str(loc[-1])].description,
        )
    message = err["msg"].replace("Input should be", "expected").removeprefix("Value error, ")
    if kind == "value_error":
        return where.problem(message, path)
    return where.problem(f"{message}, got {short(err.get('input'))}", path)


def build_spec(
    file: str | Path | Scenario,
    params: list[str] | Mapping[str, Any] | None = None,
    *,
    design: str | None = None,
    samples: int | None = None,
    reps: int | None = None,
    seed: int | None = None,
    name: str | None = None,
    sets: list[str] | Mapping[str, Any] | None = None,
    metrics: list[str] | None = None,
) -> SweepSpec:
    """A sweep from a scenario or sweep file plus command-line options (which win).

    From Python, `file` may be a `Scenario` object, `params` a mapping of dotted
    paths to what a sweep file's `product:` takes (a SPEC string, a list of
    values, a distribution), and `sets` a mapping of paths to values.
    """
    if isinstance(file, Scenario):
        base = SweepSpec(file, factors=())
    else:
        file = Path(file)
        base = read_sweep_file(file) if is_sweep_file(file) else SweepSpec(file, factors=())
    if name is not None:
        _check_name(name)
    set_values, set_at = parse_sets(sets) if not isinstance(sets, Mapping) else (dict(sets), {})
    factors = list(base.factors)
    from_file = {p: k for k, f in enumerate(base.factors) for p in f.paths}
    given = (
        [Factor(((p, parse_value(v, p, Where("params"))),)) for p, v in params.items()]
        if isinstance(params, Mapping)
        else parse_params(params or [])
    )
    for factor in given:
        (path,) = factor.paths
        k = from_file.pop(path, None)  # each file entry may be replaced once
        if k is None:
            factors.append(factor)
        elif len(factors[k].paths) > 1:
            raise ScenarioError.single(
                "is in a zip group of the sweep file; change it there",
                file="--param",
                path=path,
            )
        else:
            factors[k] = factor  # the command line replaces the file's entry
    seen: set[str] = set()
    for factor in factors:
        for path, values in factor.params:
            if path in seen:
                problem = values.where.problem("varied twice", path, "give each parameter once")
                raise ScenarioError([problem])
            seen.add(path)
    if not factors:
        raise ScenarioError.single(
            "nothing to sweep",
            file=str(file.path or file.name) if isinstance(file, Scenario) else str(file),
            hint="add --param PATH=SPEC, e.g. --param arsenal.production_rate=6,12,18",
        )
    chosen = design or base.design
    if chosen not in DESIGNS:
        raise ScenarioError.single(
            f"--design {chosen!r}: use one of {', '.join(DESIGNS)}", file="--design"
        )
    return SweepSpec(
        scenario=base.scenario,
        factors=tuple(factors),
        design=chosen,
        samples=samples if samples is not None else base.samples,
        reps=reps if reps is not None else base.reps,
        seed=seed if seed is not None else base.seed,
        name=name or base.name,
        overrides={**base.overrides, **set_values},
        override_at={**base.override_at, **set_at},
        metrics=tuple(metrics) if metrics else base.metrics,
        source=base.source,
    )


def _tidy(path: Path) -> Path:
    """`scenarios/sweeps/../stalled.yaml` as `scenarios/stalled.yaml`, when both are the
    same file (a `..` after a linked folder leads elsewhere: then the path is kept)."""
    tidy = Path(os.path.normpath(path))
    try:
        return tidy if tidy.resolve() == path.resolve() else path
    except OSError:
        return path
