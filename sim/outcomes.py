"""The names of a replication's outcomes, in the order the model reports them.

Kept apart from the model (which needs SimPy) so that aggregation, reports
and comparisons can name the outcomes without loading the simulation.
"""

#: Scalar outcomes of a replication, in this order.
SCALARS = (
    "final_warheads",
    "final_material",
    "material_per_year",
    "months_frozen",
    "rounds_held",
    "deals",
    "freeze_collapses",
    "missile_launches",
    "icbm_launches",
    "nuclear_tests",
    "unsc_drafts",
    "unsc_vetoes",
    "unsc_resolutions",
    "deals_cheated",
    "cheating_detected",
    "final_sanctions_pressure",
    "final_trust",
)

#: Events whose first month is recorded (NaN if they never happen).
FIRSTS = (
    "talks_opened",
    "deal_reached",
    "cheating",
    "cheating_detected",
    "freeze_collapsed",
    "nuclear_test",
    "unsc_resolution",
)
