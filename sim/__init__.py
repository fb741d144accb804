"""sim: a scenario simulation engine for analysts of nuclear diplomacy.

    import sim
    scenario = sim.load_scenario("scenarios/freeze.yaml", overrides=["talks.rounds_per_year=3"])
    results = sim.run(scenario, reps=2000, seed=7, workers=2, progress=True)
    results.summary()["metrics"]["final_warheads"]["p50"]
    results.to_xarray()                       # replications x months, labelled (sim[xarray])
    results.save("results")
    sim.compare("scenarios/stalled.yaml", scenario, reps=2000, seed=7)
    sim.sweep(scenario, params={"deal.relief": [0.1, 0.2, 0.4]}, reps=200)
    sim.discover(results, "freeze_collapsed")

The public API is imported lazily, so `sim --help` and `sim validate` stay fast
and never load the simulation stack; `dir(sim)` lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.version import __version__

#: module -> the names of the API it defines, each imported on first use.
_MODULES = {
    "sim.scenario.loader": ("load_scenario",),
    "sim.scenario.schema": ("Scenario",),
    "sim.errors": ("ScenarioError",),
    "sim.api.runs": ("run", "Results", "StreamedResults"),
    "sim.api.comparison": ("compare", "Comparison"),
    "sim.api.sweeps": ("sweep", "Sweep"),
    "sim.api.discovery": ("discover", "Discovery"),
    "sim.analysis.backtest": ("backtest",),
    "sim.engine.replay": ("simulate_replication",),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "Comparison",
    "Discovery",
    "Results",
    "Scenario",
    "ScenarioError",
    "StreamedResults",
    "Sweep",
    "__version__",
    "backtest",
    "compare",
    "discover",
    "load_scenario",
    "run",
    "simulate_replication",
    "sweep",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


_NOT_SHOWN = ("annotations", "TYPE_CHECKING")


def __dir__() -> list[str]:
    """The public API (lazy names included) and the submodules imported so far."""
    loaded = (n for n in globals() if not n.startswith("_") and n not in _NOT_SHOWN)
    return sorted({*__all__, *loaded})


if TYPE_CHECKING:  # pragma: no cover
    from sim.analysis.backtest import backtest
    from sim.api.comparison import Comparison, compare
    from sim.api.discovery import Discovery, discover
    from sim.api.runs import Results, StreamedResults, run
    from sim.api.sweeps import Sweep, sweep
    from sim.engine.replay import simulate_replication
    from sim.errors import ScenarioError
    from sim.scenario.loader import load_scenario
    from sim.scenario.schema import Scenario
