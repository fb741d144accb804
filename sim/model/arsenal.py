"""Arsenal: fissile material from facilities, warheads assembled from it.

Production is piecewise constant: it changes only at a yearly capacity step
(growth, and the drag of sanctions pressure at that moment) or when a facility
changes status (frozen, covert, restarting). The process sleeps from one
capacity step to the next; status changes are written into per-facility
timelines, possibly in the future (a shutdown delay, a restart delay), so no
monthly tick is needed. Material is the integral of production; warheads rise
at the assembly rate but never above material:

    W(t) = a*t + min(W0, min over s <= t of (M(s) - a*s))

which is exact for a piecewise-linear M and is what `warheads` and `paths`
evaluate.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

#: padding for the knots of shorter paths when paths are stacked; beyond any horizon
_FAR = 1e9


class Arsenal:
    """Production path of every facility, material and warheads at any time."""

    def __init__(self, world):
        p = world.p
        plan = world.plan
        self.m0 = float(p["arsenal.initial_material"])
        self.w0 = min(float(p["arsenal.initial_warheads"]), self.m0)
        self.assembly = float(p["arsenal.assembly_rate"]) / 12.0
        self.shares = plan.shares
        self.timelines: list[list[tuple[float, float]]] = [[(0.0, 1.0)] for _ in plan.shares]
        self.year = 0
        self.world = world
        self.capacity: list[tuple[float, float]] = [(0.0, self._capacity())]
        self._segments: tuple[list[float], list[float]] | None = None
        self._share_after = 1.0  # facility share in operation after the last known change
        self._last_change = 0.0  # time of the last facility change, past or scheduled
        self._cursor: tuple | None = None  # where the last walk along the path stopped
        self.env = world.env
        self.process = self.env.process(self._run())

    # -- the process: yearly capacity steps
    def _run(self):
        env = self.env
        horizon = self.world.horizon
        while True:
            due = 12.0 * (self.year + 1)
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
        """Material at t, and the running minimum of W0 and M(s) - a*s over s <= t.

        Queries move forward in time (rounds, triggers), so the walk along the
        path resumes from where the last one stopped (a cursor on the current
        path); a changed path starts again from the beginning.
        """
        times, rates = self.segments()
        a = self.assembly
        cursor = self._cursor
        if cursor is not None and cursor[0] is times and times[cursor[1]] <= t:
            _, i, m, best = cursor
        else:
            i, m, best = 0, self.m0, self.w0
        last = len(times) - 1
        while i < last and times[i + 1] <= t:
            best = min(best, m - a * times[i])
            m += rates[i] * (times[i + 1] - times[i])
            i += 1
        self._cursor = (times, i, m, best)
        best = min(best, m - a * times[i])
        m += rates[i] * (t - times[i])
        return m, min(best, m - a * t)

    def material(self, t: float) -> float:
        return self._at(t)[0]

    def warheads(self, t: float) -> float:
        m, best = self._at(t)
        return min(self.assembly * t + best, m)

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
        """What `paths` needs: initial material and warheads, assembly rate, knots and rates."""
        times, rates = self.segments()
        return (self.m0, self.w0, self.assembly, times, rates)


def paths(rows: list[tuple], grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Warheads and material on the grid (months) for many production paths at once.

    Each row's figures depend only on that row: running sums and minima are
    sequential along the row, so stacking rows of different lengths (padding
    with far-away knots) never changes a number, and a replication gives the
    same path alone or in any chunk.
    """
    n = len(rows)
    k = max(len(row[3]) for row in rows)
    knots = np.full((n, k), _FAR)
    rates = np.zeros((n, k))
    for i, (_, _, _, times, values) in enumerate(rows):
        knots[i, : len(times)] = times
        rates[i, : len(values)] = values
    m0 = np.array([row[0] for row in rows])[:, None]
    w0 = np.array([row[1] for row in rows])[:, None]
    a = np.array([row[2] for row in rows])[:, None]
    cum = np.empty((n, k))
    cum[:, :1] = m0
    np.cumsum(rates[:, :-1] * np.diff(knots, axis=1), axis=1, out=cum[:, 1:])
    cum[:, 1:] += m0
    at = (knots[:, None, :] <= grid[None, :, None]).sum(axis=2) - 1  # the knot before each month
    material = np.take_along_axis(cum, at, 1) + np.take_along_axis(rates, at, 1) * (
        grid - np.take_along_axis(knots, at, 1)
    )
    # W(t) = a*t + min(W0, min over s <= t of M(s) - a*s); the minimum of this piecewise-
    # linear function is reached at a knot or at t itself.
    low_grid = np.minimum.accumulate(material - a * grid, axis=1)
    low_knots = np.minimum.accumulate(cum - a * knots, axis=1)
    low = np.minimum(low_grid, np.take_along_axis(low_knots, at, 1))
    warheads = np.minimum(a * grid + np.minimum(low, w0), material)
    return warheads, material
