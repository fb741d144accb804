"""Scenario discovery: boxes in the space of uncertain inputs where an outcome concentrates.

`conditions` reads the outcome of interest (`final_warheads>200`,
`freeze_collapsed`), never as code; `sources` reads the inputs and outcomes of
a run, a result folder or a sweep; `space` encodes numeric and named inputs;
`prim` peels and pastes boxes (Friedman and Fisher's PRIM).
"""
