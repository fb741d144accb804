"""Running replications and keeping what they give: the engine.

`runner` runs a scenario's replications in chunks, serially or on the one
process `pool` (or a Dask cluster through `executors`), within the sizes of
`limits`; `collect` keeps the outcomes in memory or streams them; `results` is
what a run returns, `summary`, `intervals` and `drivers` its statistics;
`tables` and `folders` the files and folders data is kept in, `saved` reading
result folders back; `replay` one replication with its event log. Above the
model, below analysis and reports; it knows nothing of how figures are shown.
"""
