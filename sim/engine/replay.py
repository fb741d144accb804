"""Small helpers of the Python API that the CLI also uses."""

from __future__ import annotations

from sim.model.replication import Outcome, simulate
from sim.plan.compiled import compile_plan
from sim.scenario.schema import Scenario


def simulate_replication(scenario: Scenario, seed: int, index: int, log: bool = True) -> Outcome:
    """Replay replication `index` of a run with `seed`, with its event log.

    Gives exactly the numbers of that replication in `sim.run(scenario, seed=seed)`.
    """
    return simulate(compile_plan(scenario), seed, index, record=log)
