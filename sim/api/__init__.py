"""The Python API: what a notebook or a script calls.

`run` a scenario (`Results`, with `save`, `to_pandas`, `to_xarray`);
`compare` runs with a baseline (`Comparison`); `sweep` a scenario's
parameters and rank what drives each outcome (`Sweep`); `discover` where the
outcomes of interest live (`Discovery`); replay one replication
(`simulate_replication`). Each takes scenario files, `Scenario` objects and
results already run alike, returns an object with `summary()`,
`to_pandas()` and `save(root)` (the folder the command line writes), and
shows itself in a few lines. This is the top of the library: it may use
every layer below (the report layer included, to save), and the command
line is a thin layer over it.
"""

from sim.api.comparison import Comparison, compare
from sim.api.discovery import Discovery, discover
from sim.api.runs import Results, StreamedResults, run
from sim.api.sweeps import Sweep, sweep
from sim.engine.replay import simulate_replication
from sim.scenario.loader import load_scenario

__all__ = [
    "Comparison",
    "Discovery",
    "Results",
    "StreamedResults",
    "Sweep",
    "compare",
    "discover",
    "load_scenario",
    "run",
    "simulate_replication",
    "sweep",
]
