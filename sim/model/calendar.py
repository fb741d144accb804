"""The calendar: dated events and conditional triggers from the scenario.

A dated event (`at: 2026-11`) happens at its date, with its probability; it
sets parameters (a distribution is drawn at that moment), counts as a
leadership change, or acts (opens talks, holds a summit round). A trigger
(`when: {metric: warheads, op: '>', value: 100}`) is a plain comparison, never
code: it is checked whenever the state it could watch changes, and for
continuous quantities (material, warheads, sanctions pressure) at the moment
they are due to cross the threshold as the path stands.
"""

from __future__ import annotations

import math
import operator
from functools import partial

from sim.plan.compiled import Event

_OPS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class Calendar:
    """Schedules the dated events; applies any event when it comes due."""

    def __init__(self, world):
        self.world = world
        self.rng = world.streams["calendar"]
        for event in world.plan.scheduled:
            timer = world.env.timeout(event.at)
            timer.callbacks.append(partial(self._due, event))

    def _due(self, event: Event, _timer) -> None:
        self.apply(event)

    def apply(self, event: Event) -> None:
        w = self.world
        p = w.p
        chance = p[event.probability]
        if chance < 1.0 and self.rng.random() >= chance:
            if w.recording:
                w.note("calendar", f"{event.label}: no change (chance was {chance:.0%})")
            return
        changes = []
        leadership = event.leadership_change
        for path, spec in event.sets:
            value = spec.ppf(self.rng.random()) if spec.random else spec.ppf(0.5)
            old = p[path]
            p[path] = value
            changes.append(f"{path}: {_show(old)} -> {_show(value)}")
            if path == "talks.administration" and value != old:
                leadership = True
        detail = f" ({'; '.join(changes)})" if changes else ""
        if w.recording:
            w.note("calendar", f"{event.label}{detail}", key=event.key)
        for path, _ in event.sets:
            w.parameter_changed(path)
        if leadership:
            w.deal.shock("leadership_change")
        if event.action == "open_talks":
            w.talks.force_open(event.label)
        elif event.action == "hold_round":
            w.talks.hold_round(event.label)
        elif event.action == "close_talks":
            w.talks.force_close(event.label)
        w.touched()


def _show(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value).replace("_", " ")


class Triggers:
    """Checks conditional events after every change, and when a threshold is due."""

    def __init__(self, world):
        self.world = world
        self.pending = list(world.plan.triggers)
        self._check_queued = False
        self._generation = 0
        self.changed()

    def changed(self) -> None:
        """Queue a check at the current time (after the change in progress completes)."""
        if self._check_queued or not self.pending:
            return
        self._check_queued = True
        self.world.env.timeout(0).callbacks.append(self._check)

    def value(self, metric: str) -> float:
        w = self.world
        now = w.now
        if metric == "warheads":
            return w.arsenal.warheads(now)
        if metric == "material":
            return w.arsenal.material(now)
        if metric == "sanctions_pressure":
            return w.sanctions.pressure()
        if metric == "trust":
            return w.talks.trust
        if metric == "talks_open":
            return float(w.talks.state == "open")
        if metric == "freeze_in_force":
            return float(w.deal.in_force)
        return float(getattr(w, metric))

    def _check(self, _event) -> None:
        self._check_queued = False
        w = self.world
        for event in list(self.pending):
            metric, op, value = event.when
            if _OPS[op](self.value(metric), value):
                if event.once:
                    self.pending.remove(event)
                w.calendar.apply(event)
        self._arm()

    def _arm(self) -> None:
        """Wake up when a continuous quantity is due to cross a pending threshold."""
        w = self.world
        now = w.now
        due = math.inf
        for event in self.pending:
            metric, op, value = event.when
            if metric in ("warheads", "material") and op in (">", ">="):
                if not _OPS[op](self.value(metric), value):
                    due = min(due, w.arsenal.crossing(metric, value, now))
            elif metric == "sanctions_pressure" and op in ("<", "<="):
                due = min(due, w.sanctions.crossing_below(value))
        self._generation += 1
        if due < w.horizon:
            generation = self._generation
            timer = w.env.timeout(max(due - now, 0.0))
            timer.callbacks.append(partial(self._timer, generation))

    def _timer(self, generation: int, _event) -> None:
        if generation == self._generation:
            self.changed()
