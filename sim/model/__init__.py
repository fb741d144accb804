"""The SimPy model of one replication: one module per mechanism (see docs/MODEL.md).

`world` holds the shared state; `clock` the hazard-clock process pattern every
mechanism uses; `arsenal`, `talks`, `deal`, `provocations`, `council` and
`calendar` are the six mechanisms; `replication` wires them and returns the
outcome of one replication.
"""
