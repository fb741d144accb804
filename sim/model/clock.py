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

INF = math.inf


class Mechanism:
    """A SimPy process waiting on two hazard clocks and on scheduled deadlines.

    Every random mechanism here has two kinds of random event (talks: opening,
    round; deal: breakdown, detection; provocations: ICBM launch, test), so the
    loop is written for exactly two clocks, k = 0 and 1. Subclasses give
    `rates()` (per month), optionally `deadline()` (the next scheduled change,
    in model time) and `fire(k)` (k = -1 for the deadline). They call
    `changed()` when something they read has changed, from anywhere in the model.
    """

    def __init__(self, world, rng):
        self.world = world
        self.env = world.env
        self.rng = rng
        self.left0 = -math.log(1.0 - rng.random())  # remaining exponential budgets
        self.left1 = -math.log(1.0 - rng.random())
        self._interrupted = False
        self._idle = None  # the event an idle process waits on; triggered to wake it
        self.process = self.env.process(self._run())

    def rates(self) -> tuple[float, float]:
        return (0.0, 0.0)

    def deadline(self) -> float:
        return INF

    def fire(self, which: int) -> None:
        raise NotImplementedError

    def changed(self) -> None:
        """Wake the process so it re-reads its rates (no-op if it is the one running).

        An idle process is woken by triggering its idle event (cheap); one
        waiting on a timeout has to be interrupted.
        """
        if self._interrupted or self.env.active_process is self.process:
            return
        idle = self._idle
        if idle is not None:
            if not idle.triggered:
                idle.succeed()
            return
        if self.process.is_alive:
            self._interrupted = True
            self.process.interrupt()

    def _run(self) -> Generator:
        env = self.env
        horizon = self.world.horizon
        timeout = env.timeout
        event = env.event
        rates, deadline, fire = self.rates, self.deadline, self.fire
        rand = self.rng.random
        log = math.log
        while True:
            r0, r1 = rates()
            now = env.now
            w0 = self.left0 / r0 if r0 > 0.0 else INF
            w1 = self.left1 / r1 if r1 > 0.0 else INF
            wait, which = (w0, 0) if w0 <= w1 else (w1, 1)
            due = deadline() - now
            if due < wait:
                wait, which = (due if due > 0.0 else 0.0), -1
            try:
                if now + wait >= horizon:  # nothing happens before the end unless woken
                    self._idle = event()
                    yield self._idle
                    self._idle = None
                    woken = True
                else:
                    yield timeout(wait)
                    woken = False
            except simpy.Interrupt:
                woken = True
                self._interrupted = False
            if woken:
                spent = env.now - now
                if spent > 0.0:
                    if r0 > 0.0:
                        self.left0 = max(self.left0 - r0 * spent, 0.0)
                    if r1 > 0.0:
                        self.left1 = max(self.left1 - r1 * spent, 0.0)
                continue
            spent = env.now - now
            if which == 0:
                self.left0 = -log(1.0 - rand())
            elif r0 > 0.0:
                self.left0 = max(self.left0 - r0 * spent, 0.0)
            if which == 1:
                self.left1 = -log(1.0 - rand())
            elif r1 > 0.0:
                self.left1 = max(self.left1 - r1 * spent, 0.0)
            fire(which)
