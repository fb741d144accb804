"""One replication: wire the mechanisms, run to the horizon, collect fixed-shape outcomes."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..plan import Plan
from ..streams import Draws
from .arsenal import Arsenal
from .calendar import Calendar, Triggers
from .council import Council, Sanctions
from .deal import Deal
from .provocations import Provocations
from .talks import Talks
from .world import World

#: Scalar outcomes of a replication, in this order.
SCALARS = (
    "final_warheads",
    "final_material",
    "material_per_year",
    "months_frozen",
    "rounds_held",
    "deals",
    "freeze_collapses",
    "missile_launches",
    "icbm_launches",
    "nuclear_tests",
    "unsc_drafts",
    "unsc_vetoes",
    "unsc_resolutions",
    "deals_cheated",
    "cheating_detected",
    "final_sanctions_pressure",
    "final_trust",
)

#: Events whose first month is recorded (NaN if they never happen).
FIRSTS = (
    "talks_opened",
    "deal_reached",
    "cheating",
    "cheating_detected",
    "freeze_collapsed",
    "nuclear_test",
    "unsc_resolution",
)


class Outcome(NamedTuple):
    scalars: tuple[float, ...]
    firsts: tuple[float, ...]
    warheads: np.ndarray  # monthly, float32
    material: np.ndarray
    freeze: np.ndarray  # monthly, bool: a freeze in force
    sampled: tuple  # this replication's draws of the random parameters
    log: list | None  # the event log, when requested
    events: int  # SimPy events scheduled (a cost measure)


def build(plan: Plan, draws: Draws, j: int, record: bool = False) -> World:
    """Wire replication `draws.start + j`: its parameters, streams and mechanisms."""
    params = dict(plan.constants)
    sampled = tuple(values[j] for values in draws.values)
    params.update(zip(plan.sampled, sampled, strict=True))
    world = World(plan, params, draws.streams(j), record)
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


def run_one(plan: Plan, draws: Draws, j: int, record: bool = False) -> Outcome:
    """Run replication `draws.start + j` to the horizon and return its outcome."""
    world = build(plan, draws, j, record)
    world.env.run(until=world.horizon)
    return finish(world)


def simulate(plan: Plan, seed: int, index: int, record: bool = False) -> Outcome:
    """Run replication `index` of a run with `seed` on its own (same numbers as in a run)."""
    return run_one(plan, plan.draws(seed, index, index + 1), 0, record)


def finish(world: World) -> Outcome:
    horizon = world.horizon
    world.provocations.close_stretch(horizon)
    grid = np.arange(world.plan.horizon + 1, dtype=float)
    warheads, material = world.arsenal.trajectory(grid)
    freeze = np.zeros(grid.shape, dtype=bool)
    months_frozen = 0.0
    for start, end in world.freeze_spells:
        freeze |= (grid >= start) & (grid < end)
        months_frozen += min(end, horizon) - start
    w = world
    years = horizon / 12.0
    scalars = (
        float(warheads[-1]),
        float(material[-1]),
        float((material[-1] - material[0]) / years),
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
    )
    firsts = tuple(w.first.get(name, math.nan) for name in FIRSTS)
    if w.log is not None:
        w.log.sort(key=lambda entry: entry[0])
    return Outcome(
        scalars,
        firsts,
        warheads.astype(np.float32),
        material.astype(np.float32),
        freeze,
        w.sampled,
        w.log,
        next(w.env._eid),
    )
