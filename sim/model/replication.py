"""One replication: wire the mechanisms, run to the horizon, collect fixed-shape outcomes."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import simpy
from simpy.core import NORMAL
from simpy.events import EventPriority

from sim.model.arsenal import Arsenal, paths
from sim.model.calendar import Calendar, Triggers
from sim.model.council import Council, Sanctions
from sim.model.deal import Deal
from sim.model.provocations import Provocations
from sim.model.talks import Talks
from sim.model.world import World
from sim.plan.compiled import Plan
from sim.plan.outcomes import FIRSTS
from sim.plan.streams import Draws


class Outcome(NamedTuple):
    scalars: tuple[float, ...]  # in the order of SCALARS
    firsts: tuple[float, ...]  # in the order of FIRSTS
    warheads: np.ndarray  # monthly, float32
    material: np.ndarray
    freeze: np.ndarray  # monthly, bool: a freeze in force
    sampled: tuple  # this replication's draws of the random parameters
    log: list | None  # the event log, when requested
    events: int  # SimPy events scheduled (a cost measure)


class Partial(NamedTuple):
    """A replication run to its horizon, before its production path is evaluated.

    Paths are evaluated for a whole chunk at once (`arsenal.paths`), which is
    much cheaper than one by one; the arsenal figures of `scalars` (the first
    three) are filled in then.
    """

    scalars: list[float]
    firsts: tuple[float, ...]
    spells: list[list[float]]  # [start, end) of each freeze
    path: tuple
    sampled: tuple
    log: list | None
    events: int | None  # SimPy events scheduled, when counted


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events scheduled on it (a cost measure).

    Counting costs a Python call per event, so runs use a plain environment and
    only replays and benchmarks (`count=True`) use this one. Events are
    scheduled exactly as by the plain one, so the numbers are the same.
    """

    def __init__(self) -> None:
        super().__init__()
        self.scheduled = 0

    def schedule(
        self, event: simpy.Event, priority: EventPriority = NORMAL, delay: float = 0
    ) -> None:
        self.scheduled += 1
        super().schedule(event, priority, delay)


def build(plan: Plan, draws: Draws, j: int, record: bool = False, count: bool = False) -> World:
    """Wire replication `draws.start + j`: its parameters, streams and mechanisms."""
    params = dict(plan.constants)
    sampled = tuple(values[j] for values in draws.values)
    params.update(zip(plan.sampled, sampled, strict=True))
    world = World(plan, params, draws.streams(j), record)
    if count:  # before any mechanism schedules an event
        world.env = CountingEnvironment()
    world.sampled = sampled
    world.sanctions = Sanctions(world)
    world.arsenal = Arsenal(world)
    world.deal = Deal(world)
    world.talks = Talks(world)
    world.council = Council(world)
    world.provocations = Provocations(world)
    world.calendar = Calendar(world)
    if plan.triggers:
        world.triggers = Triggers(world)
    return world


def run_one(plan: Plan, draws: Draws, j: int, record: bool = False, count: bool = False) -> Partial:
    """Run replication `draws.start + j` to the horizon (`count`: its SimPy events too)."""
    world = build(plan, draws, j, record, count)
    world.env.run(until=world.horizon)
    return finish(world)


def finish(world: World) -> Partial:
    horizon = world.horizon
    world.provocations.close_stretch(horizon)
    w = world
    months_frozen = sum(min(end, horizon) - start for start, end in w.freeze_spells)
    scalars = [
        math.nan,  # final_warheads, final_material, material_per_year: see `complete`
        math.nan,
        math.nan,
        months_frozen,
        w.rounds_held,
        w.deals,
        w.collapses,
        w.launches,
        w.icbm_launches,
        w.nuclear_tests,
        w.unsc_drafts,
        w.unsc_vetoes,
        w.unsc_resolutions,
        w.deals_cheated,
        w.cheating_detected,
        w.sanctions.pressure(horizon),
        w.talks.trust,
    ]
    firsts = tuple(w.first.get(name, math.nan) for name in FIRSTS)
    if w.log is not None:  # by time; a tally of launches before what ended its stretch
        w.log.sort(key=lambda entry: (entry[0], entry[1] != "launches"))
    events = w.env.scheduled if isinstance(w.env, CountingEnvironment) else None
    return Partial(scalars, firsts, w.freeze_spells, w.arsenal.path(), w.sampled, w.log, events)


def freeze_row(spells: list[list[float]], months: int) -> np.ndarray:
    """True at each grid month (0..months) that falls inside a freeze [start, end)."""
    row = np.zeros(months + 1, dtype=bool)
    for start, end in spells:
        row[math.ceil(start) : months + 1 if end == math.inf else math.ceil(end)] = True
    return row


def month_grid(plan: Plan, trajectories: bool = True) -> np.ndarray:
    """The months paths are evaluated at: every month 0..horizon, or (without
    trajectories) only month 0 and the horizon, all the arsenal figures need."""
    if trajectories:
        return np.arange(plan.horizon + 1, dtype=float)
    return np.array([0.0, plan.horizon], dtype=float)


def complete(
    plan: Plan, parts: list[Partial], grid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate the chunk's production paths on `grid` and fill in the arsenal figures.

    `grid` (default: every month, `month_grid`) must start at month 0 and end at
    the horizon; each month's figures are the same whatever else is on it.
    """
    if grid is None:
        grid = month_grid(plan)
    warheads, material = paths([part.path for part in parts], grid)
    years = plan.horizon / 12.0
    for i, part in enumerate(parts):
        part.scalars[0] = float(warheads[i, -1])
        part.scalars[1] = float(material[i, -1])
        part.scalars[2] = float((material[i, -1] - material[i, 0]) / years)
    return warheads, material


def simulate(plan: Plan, seed: int, index: int, record: bool = False) -> Outcome:
    """Run replication `index` of a run with `seed` on its own (same numbers as in a run)."""
    part = run_one(plan, plan.draws(seed, index, index + 1), 0, record, count=True)
    assert part.events is not None, "counted: run with count=True"
    warheads, material = complete(plan, [part])
    return Outcome(
        tuple(part.scalars),
        part.firsts,
        warheads[0].astype(np.float32),
        material[0].astype(np.float32),
        freeze_row(part.spells, plan.horizon),
        part.sampled,
        part.log,
        part.events,
    )
