"""Analyses of runs: comparisons, one replication's story, back-tests, scenario discovery.

`compare` sets runs beside a baseline (paired where they share their random
numbers), `runs` gathers what is compared (scenario files run now, result
folders read back), `trace` tells one replication's history, `backtest` holds
the model against the historical record, `discovery` finds where outcomes of
interest concentrate (PRIM). They return plain data; writing it down is the
report layer's.
"""
