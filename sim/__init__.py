"""sim: a scenario simulation engine for analysts of nuclear diplomacy.

    import sim
    scenario = sim.load_scenario("scenarios/freeze.yaml", overrides=["talks.rounds_per_year=3"])
    results = sim.run(scenario, reps=2000, seed=7, workers=2)
    results.summary()["metrics"]["final_warheads"]["p50"]
    results.save("results")

The public API is imported lazily, so `sim --help` and `sim validate` stay fast
and never load the simulation stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.version import __version__

__all__ = [
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run",
    "simulate_replication",
]

_LAZY = {
    "load_scenario": ("sim.scenario.loader", "load_scenario"),
    "Scenario": ("sim.scenario.schema", "Scenario"),
    "ScenarioError": ("sim.errors", "ScenarioError"),
    "run": ("sim.api.runs", "run"),
    "Results": ("sim.api.runs", "Results"),
    "simulate_replication": ("sim.engine.replay", "simulate_replication"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


if TYPE_CHECKING:  # pragma: no cover
    from sim.api.runs import Results, run
    from sim.engine.replay import simulate_replication
    from sim.errors import ScenarioError
    from sim.scenario.loader import load_scenario
    from sim.scenario.schema import Scenario
