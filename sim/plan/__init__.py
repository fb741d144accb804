"""What one replication needs: the compiled plan, its random streams, the outcome names.

`compiled` flattens a validated scenario into a small, picklable `Plan` that
worker processes receive; `streams` derives each replication's named random
streams from its seed; `outcomes` names what a replication reports. Depends on
`sim.scenario` only.
"""
