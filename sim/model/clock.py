"""Hazard clocks: event-driven waiting with rates that change with the state.

Every random event in the model (talks opening, a round, a breakdown, a test, an
ICBM launch) arrives at a rate that depends on the state. Rather than tick every
month, each event type has a clock holding an exponential "budget" E ~ Exp(1);
the event fires when the integrated rate reaches E. While the rate is constant
the process sleeps exactly until then (one SimPy timeout). When the state
changes, the process is interrupted, spends the budget used so far at the old
rate, and sleeps again at the new rate. This is exact for piecewise-constant
hazards and needs one random draw per event, whatever the number of changes.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from ..streams import exponential

INF = math.inf


class Clock:
    """The remaining exponential budget of one event type."""

    __slots__ = ("left", "rng")

    def __init__(self, rng):
        self.rng = rng
        self.left = exponential(rng)

    def renew(self) -> None:
        self.left = exponential(self.rng)


class Mechanism:
    """A SimPy process that waits on hazard clocks and on scheduled deadlines.

    Subclasses give `rates()` (per month, one per clock), optionally
    `deadline()` (the next scheduled change, in model time) and `fire(k)` (k is
    the clock index, or -1 for the deadline). They call `changed()` when
    something they read has changed, from anywhere in the model.
    """

    clocks: tuple[Clock, ...] = ()

    def __init__(self, world):
        self.world = world
        self.env = world.env
        self._interrupted = False
        self.process = self.env.process(self._run())

    def rates(self) -> tuple[float, ...]:
        return ()

    def deadline(self) -> float:
        return INF

    def fire(self, which: int) -> None:
        raise NotImplementedError

    def changed(self) -> None:
        """Wake the process so it re-reads its rates (no-op if it is the one running)."""
        if self._interrupted or self.env.active_process is self.process:
            return
        if self.process.is_alive:
            self._interrupted = True
            self.process.interrupt()

    def _run(self) -> Generator:
        env = self.env
        clocks = self.clocks
        horizon = self.world.horizon
        never = self.world.never
        while True:
            rates = self.rates()
            now = env.now
            wait, which = INF, None
            for k, rate in enumerate(rates):
                if rate > 0.0:
                    w = clocks[k].left / rate
                    if w < wait:
                        wait, which = w, k
            due = self.deadline() - now
            if due < wait:
                wait, which = max(due, 0.0), -1
            try:
                if now + wait >= horizon:
                    yield never  # nothing more happens before the end of the run
                else:
                    yield env.timeout(wait)
            except simpy.Interrupt:
                self._interrupted = False
                spent = env.now - now
                if spent > 0.0:
                    for clock, rate in zip(clocks, rates, strict=False):
                        clock.left = max(clock.left - rate * spent, 0.0)
                continue
            spent = env.now - now
            for k, (clock, rate) in enumerate(zip(clocks, rates, strict=False)):
                if k == which:
                    clock.renew()
                elif rate > 0.0:
                    clock.left = max(clock.left - rate * spent, 0.0)
            self.fire(which)
