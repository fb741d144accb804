"""The Python API: what a notebook or a script calls.

`run` a scenario and `save` its results; replay one replication
(`simulate_replication`); `discover` where the outcomes of interest live.
This is the top of the library: it may use every layer below (the report
layer included, to save), and the command line is a thin layer over it.
"""

from sim.api.discovery import Discovery, discover
from sim.api.runs import Results, StreamedResults, run
from sim.engine.replay import simulate_replication
from sim.scenario.loader import load_scenario

__all__ = [
    "Discovery",
    "Results",
    "StreamedResults",
    "discover",
    "load_scenario",
    "run",
    "simulate_replication",
]
