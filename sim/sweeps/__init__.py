"""Sweeps: a scenario over many values of its assumptions, and which of them matter.

`spec` and `files` read what to vary (command-line SPECs, sweep files);
`designs` lays out the points (grid, Latin hypercube, Sobol); `plan` validates
each point and keys it; `store` keeps finished points on disk; `run` runs what
is not cached; `table` and `sensitivity` turn the points into a table and
rankings. Built on the engine; reports are written by `sim.report.sweep`.
"""
