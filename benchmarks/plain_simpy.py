"""The stalled scenario's model written as a user would write it without `sim`.

A baseline for benchmarks/run.py: the same mechanisms and the same parameters
as `sim` (read from a resolved scenario, `sim show --json`), written the
straightforward SimPy way: one process per mechanism, a monthly tick for
production, sanctions erosion, the talks-opening hazard, the test hazard and
the freeze's hazards, exponential waits for launches and rounds, a process per
Council vote, and every draw from one numpy Generator per replication.

It does not import `sim`. Its outcome percentiles should agree with `sim`'s
within their standard errors (the benchmark prints both); its speed is what
`sim` is compared with.

    python benchmarks/plain_simpy.py scenario.json --reps 2000
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
import simpy


def draw(rng: np.random.Generator, spec):
    """Sample a parameter written as in a scenario file."""
    if not isinstance(spec, dict):
        return spec
    if "value" in spec:
        return spec["value"]
    if "uniform" in spec:
        return rng.uniform(*spec["uniform"])
    if "triangular" in spec:
        lo, mode, hi = spec["triangular"]
        return rng.triangular(lo, mode, hi)
    if "lognormal" in spec:
        args = spec["lognormal"]
        median, sigma = (args["median"], args["sigma"]) if isinstance(args, dict) else args
        return rng.lognormal(math.log(median), sigma)
    if "choice" in spec:
        values = spec["choice"]
        values = values["values"] if isinstance(values, dict) else values
        return values[rng.integers(len(values))]
    raise ValueError(f"unsupported parameter {spec}")


def sample(rng, node):
    """Draw every parameter of a (nested) section once."""
    if isinstance(node, dict) and not any(
        k in node for k in ("value", "uniform", "triangular", "lognormal", "choice", "normal")
    ):
        return {k: sample(rng, v) for k, v in node.items() if k not in ("source", "note", "label")}
    return draw(rng, node)


class Model:
    def __init__(self, env, rng, p, calendar, start_index):
        self.env, self.rng, self.p = env, rng, p
        a = p["arsenal"]
        self.material = a["initial_material"]
        self.warheads = min(a["initial_warheads"], self.material)
        self.facilities = a["facilities"]
        self.output = {name: 1.0 for name in self.facilities}  # share of output running
        self.pressure = p["council"]["sanctions"]["initial"]
        self.demand = p["talks"]["us_demand"]
        self.administration = p["talks"]["administration"]
        self.trust = p["talks"]["initial_trust"]
        self.trust0, self.pressure0 = self.trust, self.pressure
        self.warheads0 = max(self.warheads, 1)
        self.talks_open = False
        self.freeze = False
        self.cheating = False
        self.inspectors = False
        self.detected = False
        self.shocks = []  # (ends, factor)
        self.rounds = self.deals = self.collapses = 0
        self.launches = self.icbms = self.tests = 0
        self.drafts = self.vetoes = self.resolutions = 0
        self.months_frozen = 0.0
        self.monthly_warheads, self.monthly_material = [], []
        self.calendar = calendar
        self.start_index = start_index
        self.talks_wakeup = env.event()
        for proc in (
            self.production,
            self.talks,
            self.launches_process,
            self.tests_process,
            self.deal_process,
            self.calendar_process,
        ):
            env.process(proc())

    def posture(self):
        return "freeze" if self.freeze else ("talks" if self.talks_open else "confrontation")

    # -- arsenal and sanctions: a monthly tick
    def production(self):
        a, s = self.p["arsenal"], self.p["council"]["sanctions"]
        year, capacity = 0, None
        for month in range(self.p["horizon_months"] + 1):
            if month % 12 == 0:
                drag = 1 - a["sanctions_drag"] * self.pressure
                capacity = a["production_rate"] * (1 + a["growth"]) ** year * drag
                year += 1
            self.monthly_warheads.append(self.warheads)
            self.monthly_material.append(self.material)
            running = sum(f["share"] * self.output[n] for n, f in self.facilities.items())
            self.material += capacity / 12 * running
            self.warheads = min(self.warheads + a["assembly_rate"] / 12, self.material)
            self.pressure *= math.exp(-s["decay_per_year"] * (1 + s["evasion"]) / 12)
            if self.freeze:
                self.months_frozen += 1
            yield self.env.timeout(1)

    # -- talks: monthly hazard of opening, rounds at exponential intervals
    def talks(self):
        t = self.p["talks"]
        while True:
            if not self.talks_open and not self.freeze:
                rate = t["open_rate"][self.demand] * t["engagement"][self.administration]
                if self.rng.random() < 1 - math.exp(-rate / 12):
                    # it happens during the coming month, not at its first instant
                    yield self.env.timeout(self.rng.random())
                    if not self.freeze:
                        self.talks_open = True
                    continue
                yield self.env.timeout(1)
            elif self.talks_open:
                yield self.env.timeout(self.rng.exponential(12 / t["rounds_per_year"]))
                if self.talks_open:
                    self.round()
            else:
                yield self.talks_wakeup

    def round(self):
        t = self.p["talks"]
        self.rounds += 1
        base = t["p_deal"][self.demand]
        odds = t["deal_odds"]
        x = math.log(base / (1 - base)) if 0 < base < 1 else (math.inf if base >= 1 else -math.inf)
        x += odds["trust"] * (self.trust - self.trust0)
        x += odds["sanctions"] * (self.pressure - self.pressure0)
        x += odds["arsenal"] * math.log2(max(self.warheads, 1) / self.warheads0)
        p_deal = 1 / (1 + math.exp(-x))
        u = self.rng.random()
        if u < p_deal:
            self.start_deal()
        elif u < p_deal + (1 - p_deal) * t["p_breakdown"][self.demand]:
            self.talks_open = False
            self.trust = max(0, self.trust - t["trust_loss"])
        else:
            self.trust = min(1, self.trust + t["trust_gain"])

    # -- the deal: shutdown, inspectors, monthly breakdown and detection hazards
    def start_deal(self):
        d = self.p["deal"]
        self.deals += 1
        self.talks_open = False
        self.freeze = True
        self.cheating = self.rng.random() < d["cheating"]["probability"]
        self.inspectors = self.detected = False
        self.pressure = max(0, self.pressure - d["relief"])
        self.env.process(self.shutdown(self.deals))

    def covered(self, name):
        covers = self.p["deal"]["covers"]
        if covers == "all":
            return True
        if covers == "declared":
            return self.facilities[name]["declared"]
        return name in covers

    def shutdown(self, deal):
        d = self.p["deal"]
        yield self.env.timeout(d["shutdown_months"])
        if self.freeze and self.deals == deal:
            for name in self.facilities:
                if self.covered(name):
                    self.output[name] = 0.0
                elif d["binds"] == "all":
                    self.output[name] = d["cheating"]["fraction"] if self.cheating else 0.0
        yield self.env.timeout(max(d["inspectors_months"] - d["shutdown_months"], 0))
        if self.freeze and self.deals == deal:
            self.inspectors = True

    def deal_process(self):
        d = self.p["deal"]
        while True:
            yield self.env.timeout(1)
            if not self.freeze:
                continue
            now = self.env.now
            self.shocks = [(e, f) for e, f in self.shocks if e > now]
            factor = math.prod(f for _, f in self.shocks)
            watched = self.cheating and self.inspectors and not self.detected
            if watched and self.rng.random() < 1 - math.exp(-d["cheating"]["detection_rate"] / 12):
                self.detected = True
                self.shock("cheating_detected")
            if self.rng.random() < 1 - math.exp(-d["breakdown_rate"] * factor / 12):
                # the collapse falls somewhere in the coming month
                within = self.rng.random()
                yield self.env.timeout(within)
                if self.freeze:
                    self.collapse()
                yield self.env.timeout(1 - within)

    def shock(self, kind):
        s = self.p["deal"]["shocks"][kind]
        if self.freeze and s["factor"] != 1 and s["months"] > 0:
            self.shocks.append((self.env.now + s["months"], s["factor"]))

    def collapse(self):
        self.freeze = False
        self.collapses += 1
        self.trust = max(0, self.trust - self.p["talks"]["trust_loss"])
        self.env.process(self.restart())
        self.talks_wakeup.succeed()
        self.talks_wakeup = self.env.event()

    def restart(self):
        stopped = [n for n, v in self.output.items() if v < 1]
        yield self.env.timeout(self.p["deal"]["restart_months"])
        for name in stopped:
            self.output[name] = 1.0

    # -- provocations and the Council
    def launches_process(self):
        pr = self.p["provocations"]
        while True:
            rate = pr["launches_per_year"][self.posture()]
            wait = self.rng.exponential(12 / rate) if rate > 0 else math.inf
            if wait > 1:  # the posture may change: look again in a month (memoryless)
                yield self.env.timeout(1)
                continue
            yield self.env.timeout(wait)
            self.launches += 1
            if self.rng.random() < pr["icbm_share"]:
                self.icbms += 1
                if self.rng.random() < self.p["council"]["draft_probability"]["icbm"]:
                    self.env.process(self.vote())

    def tests_process(self):
        pr = self.p["provocations"]
        while True:
            yield self.env.timeout(1)
            rate = pr["nuclear_test_rate"][self.posture()]
            if rate > 0 and self.rng.random() < 1 - math.exp(-rate / 12):
                self.tests += 1
                if self.rng.random() < self.p["council"]["draft_probability"]["nuclear_test"]:
                    self.env.process(self.vote())

    def vote(self):
        c = self.p["council"]
        self.drafts += 1
        yield self.env.timeout(c["vote_lag_months"])
        vetoed = [self.rng.random() < p for p in c["vetoes"].values()]
        if any(vetoed):
            self.vetoes += 1
        else:
            self.resolutions += 1
            self.pressure = min(1, self.pressure + c["sanctions"]["per_resolution"])
            self.shock("unsc_resolution")

    # -- the calendar
    def calendar_process(self):
        for at, entry in self.calendar:
            yield self.env.timeout(max(at - self.env.now, 0))
            if self.rng.random() >= entry.get("probability", 1.0):
                continue
            for path, value in entry.get("set", {}).items():
                if path == "talks.us_demand":
                    self.demand = value
                elif path == "talks.administration":
                    if value != self.administration:
                        self.shock("leadership_change")
                    self.administration = value
                else:
                    raise ValueError(f"the plain model does not handle {path}")
            if entry.get("leadership_change"):
                self.shock("leadership_change")
            if entry.get("action") == "open_talks":
                self.talks_open = True


def month_index(text: str) -> int:
    year, month = map(int, str(text).split("-")[:2])
    return year * 12 + month - 1


def run(scenario: dict, reps: int, seed: int) -> dict:
    horizon = 12 * scenario.get("horizon_years", 10)
    start = month_index(scenario["start"])
    calendar = sorted(
        (month_index(e["at"]) - start, e) for e in scenario.get("calendar", {}).values()
    )
    out = {
        k: np.empty(reps)
        for k in (
            "final_warheads",
            "final_material",
            "missile_launches",
            "nuclear_tests",
            "unsc_vetoes",
            "unsc_resolutions",
            "rounds_held",
            "deals",
            "months_frozen",
        )
    }
    for i in range(reps):
        rng = np.random.default_rng([seed, i])
        params = {
            k: sample(rng, scenario[k])
            for k in ("arsenal", "talks", "deal", "provocations", "council")
        }
        params["horizon_months"] = horizon
        env = simpy.Environment()
        m = Model(env, rng, params, calendar, start)
        env.run(until=horizon + 0.5)
        out["final_warheads"][i] = m.monthly_warheads[-1]
        out["final_material"][i] = m.monthly_material[-1]
        out["missile_launches"][i] = m.launches
        out["nuclear_tests"][i] = m.tests
        out["unsc_vetoes"][i] = m.vetoes
        out["unsc_resolutions"][i] = m.resolutions
        out["rounds_held"][i] = m.rounds
        out["deals"][i] = m.deals
        out["months_frozen"][i] = m.months_frozen
    return out


def command(model, default_reps: int, doc: str) -> None:
    """The command line of a baseline script: run `model` on a resolved scenario, time it,
    print percentiles of its outcomes (shared with numpy_limit.py)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("scenario", help="resolved scenario as JSON (sim show --json FILE)")
    parser.add_argument("--reps", type=int, default=default_reps)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with open(args.scenario) as f:
        scenario = json.load(f)
    t0 = time.perf_counter()
    out = model(scenario, args.reps, args.seed)
    dt = time.perf_counter() - t0
    print(f"{args.reps} replications in {dt:.2f} s: {args.reps / dt:,.0f} replications/s")
    for name, values in out.items():
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        mean = values.mean()
        print(f"  {name:18s} mean {mean:8.2f}  p5 {p5:7.1f}  p50 {p50:7.1f}  p95 {p95:7.1f}")


if __name__ == "__main__":
    command(run, 1000, __doc__)
