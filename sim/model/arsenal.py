"""Arsenal: fissile material from facilities, warheads assembled from it.

Production is piecewise constant: it changes only at a yearly capacity step
(growth, and the drag of sanctions pressure at that moment) or when a facility
changes status (frozen, covert, restarting). The process sleeps from one
capacity step to the next; status changes are written into per-facility
timelines, possibly in the future (a shutdown delay, a restart delay), so no
monthly tick is needed. Material is the integral of production; warheads rise
at the assembly rate but never above material:

    W(t) = a*t + min(W0, min over s <= t of (M(s) - a*s))

which is exact for a piecewise-linear M and is what `warheads` and
`trajectory` evaluate.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from .clock import Mechanism


class Arsenal(Mechanism):
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
        super().__init__(world)

    # -- the process: yearly capacity steps
    def _capacity(self) -> float:
        """Weapons-equivalent per month with every facility at full output."""
        p = self.world.p
        growth = (1.0 + p["arsenal.growth"]) ** self.year
        drag = 1.0 - p["arsenal.sanctions_drag"] * self.world.sanctions.pressure()
        return p["arsenal.production_rate"] * growth * drag / 12.0

    def deadline(self) -> float:
        return 12.0 * (self.year + 1)

    def fire(self, which: int) -> None:
        self.year += 1
        self._step()

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

    def describe(self, f: int, t: float) -> str:
        m = self.multiplier(f, t)
        return "operating" if m >= 1.0 else ("frozen" if m == 0.0 else f"covert at {m:.0%}")

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

    def rate(self, t: float) -> float:
        times, rates = self.segments()
        return rates[bisect.bisect_right(times, t) - 1]

    def material(self, t: float) -> float:
        times, rates = self.segments()
        m = self.m0
        for i, t0 in enumerate(times):
            if t <= t0:
                break
            t1 = times[i + 1] if i + 1 < len(times) else math.inf
            m += rates[i] * (min(t, t1) - t0)
        return m

    def warheads(self, t: float) -> float:
        times, rates = self.segments()
        a = self.assembly
        best = self.w0
        m = self.m0
        for i, t0 in enumerate(times):
            if t0 > t:
                break
            best = min(best, m - a * t0)
            t1 = times[i + 1] if i + 1 < len(times) else math.inf
            m += rates[i] * (min(t, t1) - t0)
        best = min(best, m - a * t)
        return min(a * t + best, m)

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

    def trajectory(self, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Warheads and material at each grid time (months from the start, ascending)."""
        times, rates = self.segments()
        t = np.array(times)
        r = np.array(rates)
        cum = np.empty(len(t) + 1)
        cum[0] = self.m0
        np.cumsum(r[:-1] * np.diff(t), out=cum[1:-1])
        cum[1:-1] += self.m0
        end = max(grid[-1], t[-1])
        cum[-1] = cum[-2] + r[-1] * (end - t[-1])
        knots = np.append(t, end)
        material = np.interp(grid, knots, cum)
        # W(t) = a*t + min(W0, min over s <= t of M(s) - a*s): the minimum of this
        # piecewise-linear function is reached at a knot or at t itself.
        a = self.assembly
        low_grid = np.minimum.accumulate(material - a * grid)
        low_knots = np.minimum.accumulate(cum[:-1] - a * t)
        low = np.minimum(low_grid, low_knots[np.searchsorted(t, grid, side="right") - 1])
        warheads = np.minimum(a * grid + np.minimum(low, self.w0), material)
        return warheads, material
