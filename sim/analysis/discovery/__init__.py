"""Scenario discovery: boxes in the space of uncertain inputs where an outcome concentrates.

`conditions` reads the outcome of interest (`final_warheads>200`,
`freeze_collapsed`), never as code; `sources` reads the inputs and outcomes of
a run, a result folder or a sweep; `space` encodes numeric and named inputs;
`prim` peels and pastes boxes (Friedman and Fisher's PRIM).

`DEFAULTS` are the settings of a search when none is given, shared by `prim`,
`sim.discover` and `sim discover`; importing this package loads nothing else,
so the command line reads them without numpy.
"""

from typing import Any

#: The settings of a search when none is given (see `sim.api.discovery.discover`).
DEFAULTS: dict[str, Any] = {
    "threshold": 0.8,  # the least coverage of the box chosen by default
    "alpha": 0.05,  # share of the box's rows peeled at each step
    "min_mass": 0.05,  # the least share of all rows a box may hold
    "paste": False,  # widen the chosen box again where that raises its density
    "paste_alpha": 0.05,  # share of rows added back at each paste (`prim` itself: alpha)
    "boxes": 2,  # the first box and at most this many minus one found after it
    "objective": "lenient1",  # the gain in density per row removed (or "original")
}
