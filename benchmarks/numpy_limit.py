"""The speed limit: the arsenal and talks of the model, all replications at once in numpy.

No discrete-event machinery at all: every replication advances together,
one talks event (an opening or a round) per vectorized step, and production is
integrated on the monthly grid from each replication's freeze spells. It
covers the arsenal and the talks (with deals, freezes, cheating and
breakdowns) but not launches, tests or the Council, so it is a bound on what
any event-by-event simulation of this work could reach, not a substitute.
It does not import `sim`; it reads the same resolved scenario as
plain_simpy.py.

    python benchmarks/numpy_limit.py scenario.json --reps 100000
"""

from __future__ import annotations

import math

import numpy as np


def sample(rng, spec, n):
    if not isinstance(spec, dict):
        return np.full(n, spec, dtype=float) if not isinstance(spec, str) else spec
    if "value" in spec:
        return sample(rng, spec["value"], n)
    if "uniform" in spec:
        return rng.uniform(*spec["uniform"], size=n)
    if "triangular" in spec:
        return rng.triangular(*spec["triangular"], size=n)
    if "lognormal" in spec:
        args = spec["lognormal"]
        median, sigma = (args["median"], args["sigma"]) if isinstance(args, dict) else args
        return rng.lognormal(math.log(median), sigma, size=n)
    raise ValueError(f"unsupported parameter {spec}")


def month_index(text) -> int:
    year, month = map(int, str(text).split("-")[:2])
    return year * 12 + month - 1


def run(sc: dict, reps: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    n = reps
    a, t, d, c = sc["arsenal"], sc["talks"], sc["deal"], sc["council"]
    horizon = 12 * sc.get("horizon_years", 10)

    def p(spec):
        return sample(rng, spec, n)

    m0, w0 = p(a["initial_material"]), p(a["initial_warheads"])
    rate, growth, assembly = p(a["production_rate"]), p(a["growth"]), p(a["assembly_rate"])
    drag = p(a["sanctions_drag"])
    s = c["sanctions"]
    pressure0 = p(s["initial"])
    decay = p(s["decay_per_year"]) * (1 + p(s["evasion"]))
    rounds_rate = p(t["rounds_per_year"]) / 12
    breakdown = p(d["breakdown_rate"]) / 12
    shutdown, restart = p(d["shutdown_months"]), p(d["restart_months"])
    fraction = p(d["cheating"]["fraction"])
    p_cheat = p(d["cheating"]["probability"])
    facilities = a["facilities"]
    covers = d["covers"]
    shares = {
        k: f["share"]["value"] if isinstance(f["share"], dict) else f["share"]
        for k, f in facilities.items()
    }

    def covered(k):
        return (
            covers == "all"
            or (covers == "declared" and facilities[k].get("declared", True))
            or (isinstance(covers, list) and k in covers)
        )

    covered_share = sum(v for k, v in shares.items() if covered(k))
    other_share = 1 - covered_share
    binds_all = d.get("binds", "all") == "all"

    # the calendar's demand and administration as step functions of time
    start = month_index(sc["start"])
    demand_steps = [
        (0.0, t["us_demand"]["value"] if isinstance(t["us_demand"], dict) else t["us_demand"])
    ]
    admin_steps = [(0.0, t["administration"])]
    for entry in sc.get("calendar", {}).values():
        at = month_index(entry["at"]) - start
        for path, value in entry.get("set", {}).items():
            (demand_steps if path == "talks.us_demand" else admin_steps).append((at, value))

    changes = sorted({at for at, _ in demand_steps[1:] + admin_steps[1:]})

    def at_time(steps, when):
        out = np.empty(n, dtype=object)
        out[:] = steps[0][1]
        for step_at, value in steps[1:]:
            out[when >= step_at] = value
        return out

    def value(table, keys):
        """Look up a per-demand or per-administration number for each replication."""
        out = np.empty(n)
        for key, spec in table.items():
            out[keys == key] = _num(spec)
        return out

    trust = p(t["initial_trust"])
    trust0 = trust.copy()
    odds = t.get("deal_odds", {})
    b_trust, b_sanctions, b_arsenal = (
        _num(odds.get(k, 0)) for k in ("trust", "sanctions", "arsenal")
    )
    now = np.zeros(n)
    state = np.zeros(n, dtype=np.int8)  # 0 closed, 1 open, 2 freeze
    spells_start, spells_end, spells_frac = [], [], []  # freeze spells, one list entry per step
    rounds = np.zeros(n, dtype=np.int64)
    deals = np.zeros(n, dtype=np.int64)
    for _ in range(400):
        live = now < horizon
        if not live.any():
            break
        demand = at_time(demand_steps, now)
        admin = at_time(admin_steps, now)
        open_rate = value(t["open_rate"], demand) * value(t["engagement"], admin) / 12
        hazard = np.where(state == 0, open_rate, np.where(state == 1, rounds_rate, breakdown))
        wait = np.where(hazard > 0, rng.exponential(1.0, n) / np.maximum(hazard, 1e-300), np.inf)
        # rates change at calendar dates: stop there and draw again (memoryless)
        change = np.full(n, np.inf)
        for step_at in changes:
            change = np.where((step_at > now) & (step_at < change), step_at, change)
        capped = now + wait > change
        now = np.where(live, np.where(capped, change, now + wait), now)
        act = live & (now < horizon) & ~capped
        opening = act & (state == 0)
        state[opening] = 1
        collapse = act & (state == 2)
        state[collapse] = 0
        trust[collapse] = np.maximum(0, trust[collapse] - _num(t["trust_loss"]))
        spells_end.append(np.where(collapse, now, np.nan))
        holding = act & (state == 1) & ~opening
        rounds += holding
        pressure = pressure0 * np.exp(-decay * now / 12)
        months = np.minimum(now, horizon)
        warheads = w0 + assembly * months / 12  # leverage term: a rough warhead count is enough
        x = np.log(value(t["p_deal"], demand) / (1 - value(t["p_deal"], demand)))
        x = x + b_trust * (trust - trust0) + b_sanctions * (pressure - pressure0)
        x = x + b_arsenal * np.log2(np.maximum(warheads, 1) / np.maximum(w0, 1))
        p_deal = 1 / (1 + np.exp(-x))
        u = rng.random(n)
        deal = holding & (u < p_deal)
        brk = holding & ~deal & (u < p_deal + (1 - p_deal) * value(t["p_breakdown"], demand))
        progress = holding & ~deal & ~brk
        state[deal] = 2
        deals += deal
        state[brk] = 0
        trust[brk] = np.maximum(0, trust[brk] - _num(t["trust_loss"]))
        trust[progress] = np.minimum(1, trust[progress] + _num(t["trust_gain"]))
        cheat = rng.random(n) < p_cheat
        keep = np.where(binds_all, np.where(cheat, fraction, 0.0), 1.0) * other_share
        spells_start.append(np.where(deal, now + shutdown, np.nan))
        spells_frac.append(np.where(deal, keep, np.nan))

    # production multiplier by month: 1 outside freezes, the kept share inside, 0 while restarting
    grid = np.arange(horizon) + 0.5
    running = np.ones((n, horizon))
    open_start = np.full(n, np.nan)
    open_frac = np.full(n, np.nan)
    for s_, f_, e_ in zip(spells_start, spells_frac, spells_end, strict=True):
        closing = ~np.isnan(e_) & ~np.isnan(open_start)
        lo, hi = open_start[closing], e_[closing] + restart[closing]
        inside = (grid >= lo[:, None]) & (grid < hi[:, None])
        frac = np.where(grid < e_[closing][:, None], open_frac[closing][:, None], 0.0)
        running[closing] = np.where(inside, frac, running[closing])
        open_start[closing] = np.nan
        new = ~np.isnan(s_)
        open_start[new], open_frac[new] = s_[new], f_[new]
    tail = ~np.isnan(open_start)
    inside = grid >= open_start[tail][:, None]
    running[tail] = np.where(inside, open_frac[tail][:, None], running[tail])
    year = np.arange(horizon) // 12
    capacity = rate[:, None] * (1 + growth[:, None]) ** year
    capacity *= 1 - drag[:, None] * pressure0[:, None] * np.exp(-decay[:, None] * year)
    material = m0 + (capacity * running / 12).sum(axis=1)
    return {"final_material": material, "rounds_held": rounds, "deals": deals}


def _num(spec) -> float:
    return spec["value"] if isinstance(spec, dict) else float(spec)


if __name__ == "__main__":
    from plain_simpy import command  # the same command line as the plain SimPy baseline

    command(run, 100_000, __doc__)
