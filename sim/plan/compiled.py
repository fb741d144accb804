"""A scenario compiled for running: flat parameter paths, facility tables, dated events.

Workers receive a `Plan` (small, picklable) rather than the pydantic scenario, and
each replication draws its own parameter values from it with `sample`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.plan.streams import Draws
from sim.scenario.dates import Month, parse_date
from sim.scenario.distributions import Spec
from sim.scenario.schema import Scenario, parameters


@dataclass(frozen=True)
class Event:
    """A compiled calendar entry."""

    key: str
    label: str
    at: float | None  # months from the start, for scheduled events
    when: tuple[str, str, float] | None  # (metric, op, value), for triggers
    probability: str  # parameter path of its probability
    sets: tuple[tuple[str, Spec], ...]
    action: str | None
    leadership_change: bool
    once: bool


@dataclass(frozen=True)
class Plan:
    name: str
    start: Month
    horizon: int  # months
    constants: dict
    random: tuple[tuple[str, Spec], ...]
    facilities: tuple[str, ...]
    labels: tuple[str, ...]
    shares: tuple[float, ...]
    covered: tuple[bool, ...]
    binds_all: bool
    members: tuple[str, ...]
    scheduled: tuple[Event, ...]
    triggers: tuple[Event, ...]
    sampled: tuple[str, ...] = field(default=())
    lead: int = 0  # months from the arsenal's estimate date to the start
    inspected: float = 1.0  # share of production at the facilities a deal covers

    def draws(self, seed: int, start: int, stop: int) -> Draws:
        """The random numbers replications [start, stop) of a run with `seed` begin with."""
        return Draws(seed, start, stop, self.random)


def compile_plan(scenario: Scenario) -> Plan:
    """Flatten a validated scenario into what the model reads at run time."""
    params = parameters(scenario)
    constants = {p: s.ppf(0.5) for p, s in params.items() if not s.random}
    random = tuple((p, s) for p, s in params.items() if s.random)
    arsenal = scenario.arsenal
    names = tuple(arsenal.facilities)
    declared = {k for k, f in arsenal.facilities.items() if f.declared}
    covers = scenario.deal.covers
    if covers == "all":
        covered = set(names)
    elif covers == "declared":
        covered = declared
    else:
        covered = set(covers)
    start = scenario.start_month
    scheduled: list[tuple[float, Event]] = []  # (months from the start, event)
    triggers: list[Event] = []
    for key, entry in scenario.calendar.items():
        event = Event(
            key=key,
            label=entry.label or key.replace("_", " "),
            at=None if entry.at is None else parse_date(entry.at) - start.index,
            when=None
            if entry.when is None
            else (entry.when.metric, entry.when.op, entry.when.value),
            probability=f"calendar.{key}.probability",
            sets=tuple(entry.set.items()),
            action=entry.action,
            leadership_change=entry.leadership_change,
            once=entry.once,
        )
        if event.at is None:
            triggers.append(event)
        else:
            scheduled.append((event.at, event))
    scheduled.sort(key=lambda dated: dated[0])
    return Plan(
        name=scenario.name,
        start=start,
        horizon=scenario.horizon_months,
        constants=constants,
        random=random,
        facilities=names,
        labels=tuple(arsenal.facilities[k].label or k for k in names),
        shares=tuple(float(arsenal.facilities[k].share.value) for k in names),
        covered=tuple(k in covered for k in names),
        binds_all=scenario.deal.binds == "all",
        members=tuple(scenario.council.vetoes),
        scheduled=tuple(event for _, event in scheduled),
        triggers=tuple(triggers),
        sampled=tuple(p for p, _ in random),
        lead=scenario.lead_months,
        inspected=sum(float(arsenal.facilities[k].share.value) for k in names if k in covered),
    )
