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

The names are reached as `sim.run`, `sim.compare`, ... (imported lazily by
`sim`); this package imports none of its modules, so a command that needs
only runs (`sim run`) does not load comparisons, sweeps and discovery.
"""
