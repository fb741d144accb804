"""Arsenal: fissile material from facilities, warheads assembled from it.

Production is piecewise constant: it changes only at a yearly capacity step
(growth, and the drag of sanctions pressure at that moment) or when a facility
changes status (frozen, covert, restarting). The process sleeps from one
capacity step to the next; status changes are written into per-facility
timelines, possibly in the future (a shutdown delay, a restart delay), so no
monthly tick is needed. Material M is the integral of production.

Warheads W are assembled from material through a pipeline with a time constant
tau (the assembly lag): dW/dt = (M - W) / tau. Published estimates show
assembled warheads well below the material for them (SIPRI: about 20 of 45-55 in
2022, 50 of up to 90 in 2024 and 2025) and the share assembled rising as the
stock grows, which a first-order pipeline reproduces and "assemble as fast as
material allows" does not. On a stretch where M rises at rate r from m,

    W(t) = M(t) - r*tau + (W0 - m + r*tau) * exp(-(t - t0) / tau)

exactly, so `warheads` and `paths` evaluate the path knot by knot, never
ticking. W never exceeds M and never falls.

The figures of the scenario's `initial_*` describe `estimate_date`; the path
starts there (at a negative model time) and runs at the starting capacity up to
the start, so the start state is the estimate rolled forward with this
replication's own production and assembly.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

#: padding for the knots of shorter paths when paths are stacked; beyond any horizon
_FAR = 1e9


def advance(m: float, w: float, rate: float, dt: float, tau: float) -> tuple[float, float]:
    """Material and warheads `dt` months after (m, w), producing `rate` a month."""
    m1 = m + rate * dt
    lag = rate * tau
    return m1, m1 - lag + (w - m + lag) * math.exp(-dt / tau)


class Arsenal:
    """Production path of every facility, material and warheads at any time."""

    def __init__(self, world):
        p = world.p
        plan = world.plan
        self.t0 = -float(plan.lead)  # the estimate date, in model months
        self.m0 = float(p["arsenal.initial_material"])
        self.w0 = min(float(p["arsenal.initial_warheads"]), self.m0)
        self.tau = 12.0 * float(p["arsenal.assembly_lag"])  # months
        self.shares = plan.shares
        self.timelines: list[list[tuple[float, float]]] = [[(self.t0, 1.0)] for _ in plan.shares]
        self.world = world
        # Capacity steps every 12 months from the estimate date; those up to the
        # start happen in the roll-forward, at the starting sanctions pressure.
        self.year = 0
        self.capacity: list[tuple[float, float]] = [(self.t0, self._capacity())]
        while self._due() <= 0.0:
            self.year += 1
            self.capacity.append((self._due(self.year), self._capacity()))
        self._segments: tuple[list[float], list[float]] | None = None
        self._share_after = 1.0  # facility share in operation after the last known change
        self._last_change = self.t0  # time of the last facility change, past or scheduled
        self._cursor: tuple | None = None  # where the last walk along the path stopped
        self.env = world.env
        self.process = self.env.process(self._run())

    def _due(self, year: int | None = None) -> float:
        """Model time of capacity step `year` (default: the next one)."""
        return self.t0 + 12.0 * ((self.year + 1) if year is None else year)

    # -- the process: yearly capacity steps
    def _run(self):
        env = self.env
        horizon = self.world.horizon
        while True:
            due = self._due()
            if due >= horizon:
                return
            yield env.timeout(due - env.now)
            self.year += 1
            self._step()

    def _capacity(self) -> float:
        """Weapons-equivalent per month with every facility at full output."""
        p = self.world.p
        growth = (1.0 + p["arsenal.growth"]) ** self.year
        drag = 1.0 - p["arsenal.sanctions_drag"] * self.world.sanctions.pressure()
        return p["arsenal.production_rate"] * growth * drag / 12.0

    def changed(self) -> None:
        """A production parameter was set: a new capacity from now (no need to wake)."""
        self._step()

    def _step(self) -> None:
        now = self.env.now
        cap = self._capacity()
        if self.capacity[-1][0] == now:
            self.capacity[-1] = (now, cap)
        else:
            self.capacity.append((now, cap))
        if self._segments is not None and now >= self._last_change:
            # no facility change pending: extend the cached path instead of rebuilding it
            times, rates = self._segments
            if times[-1] == now:
                rates[-1] = cap * self._share_after
            else:
                times.append(now)
                rates.append(cap * self._share_after)
        else:
            self._segments = None

    # -- facility status
    def multiplier(self, f: int, t: float) -> float:
        timeline = self.timelines[f]
        i = bisect.bisect_right(timeline, (t, math.inf)) - 1
        return timeline[i][1]

    def _set(self, f: int, at: float, mult: float) -> None:
        timeline = self.timelines[f]
        while len(timeline) > 1 and timeline[-1][0] >= at:
            timeline.pop()
        if timeline[-1][0] >= at:
            timeline[-1] = (at, mult)
        else:
            timeline.append((at, mult))
        self._last_change = max(self._last_change, at)
        self._segments = None

    def freeze(self, at: float, cheat_fraction: float | None) -> None:
        """From `at`, stop covered facilities; bound uncovered ones stop or go on covertly."""
        plan = self.world.plan
        for f, covered in enumerate(plan.covered):
            if covered:
                self._set(f, at, 0.0)
            elif plan.binds_all:
                self._set(f, at, cheat_fraction if cheat_fraction is not None else 0.0)

    def restart(self, now: float, at: float) -> None:
        """The freeze is over: cancel pending shutdowns; stopped facilities restart at `at`."""
        for f in range(len(self.shares)):
            current = self.multiplier(f, now)
            self._set(f, now, current)
            if current < 1.0:
                self._set(f, at, 1.0)

    # -- the path
    def segments(self) -> tuple[list[float], list[float]]:
        """Breakpoints and the production rate (per month) from each one on."""
        if self._segments is None:
            shares = self.shares
            mults = [timeline[0][1] for timeline in self.timelines]
            share = sum([s * m for s, m in zip(shares, mults, strict=True)])
            changes = [(t, -1, c) for t, c in self.capacity]
            for f, timeline in enumerate(self.timelines):
                if len(timeline) > 1:
                    changes += [(t, f, m) for t, m in timeline[1:]]
            changes.sort()
            cap = 0.0
            times: list[float] = []
            rates: list[float] = []
            for t, f, value in changes:
                if f < 0:
                    cap = value
                else:
                    share += shares[f] * (value - mults[f])
                    mults[f] = value
                if times and times[-1] == t:
                    rates[-1] = cap * share
                else:
                    times.append(t)
                    rates.append(cap * share)
            self._segments = (times, rates)
            self._share_after = share
        return self._segments

    def _at(self, t: float) -> tuple[float, float]:
        """Material and warheads at t.

        Queries move forward in time (rounds, triggers), so the walk along the
        path resumes from where the last one stopped (a cursor on the current
        path); a changed path starts again from the beginning.
        """
        times, rates = self.segments()
        tau = self.tau
        cursor = self._cursor
        if cursor is not None and cursor[0] is times and times[cursor[1]] <= t:
            _, i, m, w = cursor
        else:
            i, m, w = 0, self.m0, self.w0
        last = len(times) - 1
        while i < last and times[i + 1] <= t:
            m, w = advance(m, w, rates[i], times[i + 1] - times[i], tau)
            i += 1
        self._cursor = (times, i, m, w)
        return advance(m, w, rates[i], t - times[i], tau)

    def material(self, t: float) -> float:
        return self._at(t)[0]

    def warheads(self, t: float) -> float:
        return self._at(t)[1]

    def crossing(self, metric: str, value: float, after: float) -> float:
        """First time after `after` that material or warheads exceed `value`, as now known."""
        f = self.material if metric == "material" else self.warheads
        end = self.world.horizon
        if f(end) <= value:
            return math.inf
        lo, hi = after, end
        for _ in range(50):
            mid = (lo + hi) / 2
            if f(mid) > value:
                hi = mid
            else:
                lo = mid
        return hi

    def path(self) -> tuple[float, float, float, list[float], list[float]]:
        """What `paths` needs: material and warheads at the first knot, lag, knots and rates."""
        times, rates = self.segments()
        return (self.m0, self.w0, self.tau, times, rates)


def paths(rows: list[tuple], grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Warheads and material on the grid (months) for many production paths at once.

    Each row's figures depend only on that row: material and warheads are carried
    from knot to knot along the row, so stacking rows of different lengths
    (padding with far-away knots) never changes a number, and a replication gives
    the same path alone or in any chunk.
    """
    n = len(rows)
    k = max(len(row[3]) for row in rows)
    knots = np.full((n, k), _FAR)
    rates = np.zeros((n, k))
    for i, (_, _, _, times, values) in enumerate(rows):
        knots[i, : len(times)] = times
        rates[i, : len(values)] = values
    m0 = np.array([row[0] for row in rows])
    w0 = np.array([row[1] for row in rows])
    tau = np.array([row[2] for row in rows])[:, None]
    steps = np.diff(knots, axis=1)
    cum = np.empty((n, k))  # material at each knot
    cum[:, 0] = m0
    np.cumsum(rates[:, :-1] * steps, axis=1, out=cum[:, 1:])
    cum[:, 1:] += m0[:, None]
    lag = rates * tau  # r * tau on the stretch after each knot
    decay = np.exp(-steps / tau)
    made = np.empty((n, k))  # warheads at each knot
    made[:, 0] = w0
    for j in range(k - 1):
        made[:, j + 1] = (
            cum[:, j + 1] - lag[:, j] + (made[:, j] - cum[:, j] + lag[:, j]) * decay[:, j]
        )
    at = (knots[:, None, :] <= grid[None, :, None]).sum(axis=2) - 1  # the knot before each month
    since = grid - np.take_along_axis(knots, at, 1)
    lag_at = np.take_along_axis(lag, at, 1)
    m_at = np.take_along_axis(cum, at, 1)
    material = m_at + np.take_along_axis(rates, at, 1) * since
    warheads = (
        material - lag_at + (np.take_along_axis(made, at, 1) - m_at + lag_at) * np.exp(-since / tau)
    )
    return warheads, material
