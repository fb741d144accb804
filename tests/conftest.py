"""Shared fixtures: a neutral scenario that each test perturbs with dotted-path overrides."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import sim
from sim.scenario.loader import scenario_from_dict, set_path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

#: Nothing happens unless a test switches it on: no growth, talks never open,
#: no launches, no tests, no drafts. Two facilities, one declared.
NEUTRAL = {
    "name": "neutral",
    "start": "2026-01",
    "horizon_years": 10,
    "arsenal": {
        "initial_warheads": 50,
        "initial_material": 80,
        "production_rate": 12,
        "growth": 0.0,
        "assembly_lag": 1.0,
        "sanctions_drag": 0.0,
        "facilities": {
            "open_site": {"declared": True, "share": 0.75},
            "hidden_site": {"declared": False, "share": 0.25},
        },
    },
    "talks": {
        "us_demand": "denuclearization_first",
        "administration": "incumbent",
        "engagement": {"incumbent": 1.0, "successor": 1.0},
        "open_rate": {"denuclearization_first": 0, "freeze_for_relief": 0, "arms_control": 0},
        "rounds_per_year": 4,
        "p_deal": {"denuclearization_first": 0, "freeze_for_relief": 0, "arms_control": 0},
        "p_breakdown": {"denuclearization_first": 0, "freeze_for_relief": 0, "arms_control": 0},
        "initial_trust": 0.5,
        "trust_gain": 0.1,
        "trust_loss": 0.2,
    },
    "deal": {
        "covers": "declared",
        "binds": "all",
        "shutdown_months": 2,
        "inspectors_months": 4,
        "relief": 0.0,
        "breakdown_rate": 0.0,
        "restart_months": 3,
    },
    "provocations": {
        "launches_per_year": {"confrontation": 0, "talks": 0, "freeze": 0},
        "icbm_share": 0.0,
        "nuclear_test_rate": {"confrontation": 0, "talks": 0, "freeze": 0},
    },
    "council": {
        "draft_probability": {"icbm": 0.0, "nuclear_test": 0.0},
        "vote_lag_months": 1,
        "vetoes": {"china": 0.0, "russia": 0.0},
        "sanctions": {"initial": 0.5, "per_resolution": 0.1, "decay_per_year": 0.0},
    },
}


def make_scenario(**overrides) -> sim.Scenario:
    """The neutral scenario with `a__b__c=value` overrides (double underscore = dot)."""
    data = copy.deepcopy(NEUTRAL)
    for key, value in overrides.items():
        set_path(data, key.replace("__", "."), value)
    return scenario_from_dict(data)


@pytest.fixture
def neutral():
    return copy.deepcopy(NEUTRAL)


def shipped() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


def save_without_charts(results, out, run_id):
    """Save a run quickly: tests that read its tables need no charts."""
    return results.save(out, run_id=run_id, charts=False)
