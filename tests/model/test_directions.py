"""Every lever a user pulls moves its outcome the right way.

Each test runs a scenario twice with one parameter changed and everything else
the same (common random numbers: replication i of both runs shares its seed and
streams), then asserts the sign of the paired difference with a 95% confidence
interval that excludes zero. Levers are pulled hard enough for a few thousand
replications to settle the sign; the point is the direction, not its size.
"""

import math
from functools import cache

import numpy as np
import pytest
from conftest import SCENARIOS

import sim

REPS = 1500
SEED = 11


def run(name: str, **sets) -> sim.Results:
    return _run(name, tuple(sorted(sets.items())))


@cache
def _run(name: str, sets: tuple) -> sim.Results:
    """Runs are shared between tests that pull the same lever."""
    overrides = [f"{path}={value}" for path, value in sets]
    scenario = sim.load_scenario(SCENARIOS / f"{name}.yaml", overrides=overrides)
    return sim.run(scenario, reps=REPS, seed=SEED, workers=2)


def outcome(results: sim.Results, name: str) -> np.ndarray:
    if name in results.scalars:
        return results.scalars[name]
    if name == "freeze_in_force_at_end":
        return results.freeze[:, -1].astype(float)
    return (~np.isnan(results.firsts[name])).astype(float)


def paired(low: sim.Results, high: sim.Results, name: str) -> tuple[float, float, float]:
    """Mean of high - low, replication by replication, with its 95% interval."""
    d = outcome(high, name) - outcome(low, name)
    half = 1.96 * d.std(ddof=1) / math.sqrt(d.size)
    return d.mean(), d.mean() - half, d.mean() + half


LEVERS = [
    # (scenario, parameter, low value, high value, outcome, sign of high - low)
    ("stalled", "arsenal.production_rate", 5, 15, "final_material", +1),
    ("stalled", "arsenal.production_rate", 5, 15, "final_warheads", +1),
    ("stalled", "arsenal.assembly_lag", 2, 8, "final_warheads", -1),
    ("freeze", "talks.initial_trust", 0, 0.8, "deal_reached", +1),
    ("freeze", "council.sanctions.initial", 0.05, 0.6, "deal_reached", +1),
    ("stalled", "council.sanctions.initial", 0.0, 1.0, "final_material", -1),
    ("freeze", "deal.relief", 0, 0.5, "deal_reached", +1),
    ("stalled", "council.vetoes.china", 0.0, 1.0, "unsc_resolutions", -1),
    ("freeze", "deal.breakdown_rate", 0.1, 0.8, "freeze_in_force_at_end", -1),
    ("freeze", "deal.breakdown_rate", 0.1, 0.8, "months_frozen", -1),
    ("freeze", "deal.cheating.probability", 0, 1, "final_material", +1),
]

#: Deals in the freeze scenario are near-certain at its settings; the odds of a
#: deal are tested where a round rarely succeeds, so a change has room to show.
SCARCE_DEALS = {"talks.p_deal.freeze_for_relief": 0.01}


@pytest.mark.parametrize(
    ("scenario", "path", "low", "high", "name", "sign"),
    LEVERS,
    ids=[f"{p}->{n}" for _, p, _, _, n, _ in LEVERS],
)
def test_lever_moves_its_outcome_the_right_way(scenario, path, low, high, name, sign):
    extra = SCARCE_DEALS if name == "deal_reached" else {}
    if path == "council.vetoes.china":  # both members, or the other still vetoes
        a = run(scenario, **extra, **{path: low, "council.vetoes.russia": low})
        b = run(scenario, **extra, **{path: high, "council.vetoes.russia": high})
    else:
        a = run(scenario, **extra, **{path: low})
        b = run(scenario, **extra, **{path: high})
    mean, lo, hi = paired(a, b, name)
    if sign > 0:
        assert lo > 0, (path, name, mean, lo, hi)
    else:
        assert hi < 0, (path, name, mean, lo, hi)


def test_us_demand_for_a_freeze_opens_talks_and_brings_deals():
    demands = run("stalled"), run("stalled", **{"talks.us_demand": "freeze_for_relief"})
    for name in ("talks_opened", "deal_reached"):
        mean, lo, _ = paired(*demands, name)
        assert lo > 0, (name, mean)


def test_a_yongbyon_only_freeze_covers_and_detects_less():
    """Same odds and same cheating, only the coverage differs: the narrower deal leaks more
    material and its inspectors catch less of the cheating."""
    same = {
        "talks.p_deal.freeze_for_relief": 0.12,
        "deal.cheating.probability": 0.5,
        "deal.relief": 0.2,
    }
    declared = run("freeze", **same)
    narrow = run("freeze", **same, **{"deal.covers": "[yongbyon_reactor, yongbyon_enrichment]"})
    mean, lo, _ = paired(declared, narrow, "final_material")
    assert lo > 0, mean
    cheated = (declared.scalars["deals_cheated"] > 0) & (narrow.scalars["deals_cheated"] > 0)
    caught = [r.scalars["cheating_detected"][cheated].mean() for r in (declared, narrow)]
    assert caught[1] < caught[0]
