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

#: `months_to_<event>` of every event above: when it first happened (NaN: never).
MONTHS_TO = tuple(f"months_to_{e}" for e in FIRSTS)
#: A run's metrics (summary.json `metrics`, per-replication numbers) and its events
#: (`probabilities`: the events above, and a freeze in force at the horizon), in this order.
METRICS = (*SCALARS, *MONTHS_TO)
EVENTS = (*FIRSTS, "freeze_in_force_at_end")


#: What each per-replication figure means: the scalars and `months_to_<event>`.
METRIC_DESCRIPTIONS = {
    "final_warheads": "assembled warheads at the horizon",
    "final_material": "fissile material at the horizon (weapons-equivalent, incl. warheads)",
    "material_per_year": "material added per year, on average over the horizon",
    "months_frozen": "months with a freeze in force",
    "rounds_held": "rounds of talks held",
    "deals": "deals reached",
    "freeze_collapses": "freezes that collapsed",
    "missile_launches": "missile launch events",
    "icbm_launches": "ICBM launch events",
    "nuclear_tests": "nuclear tests",
    "unsc_drafts": "UNSC draft resolutions",
    "unsc_vetoes": "UNSC drafts vetoed",
    "unsc_resolutions": "UNSC sanctions resolutions adopted",
    "deals_cheated": "deals under which the DPRK cheated",
    "cheating_detected": "deals under which inspectors detected cheating",
    "final_sanctions_pressure": "sanctions pressure at the horizon (0-1)",
    "final_trust": "trust at the horizon (0-1)",
    "months_to_talks_opened": "months until talks first open (when they do)",
    "months_to_deal_reached": "months until the first deal (when there is one)",
    "months_to_cheating": "months until a deal with cheating (when there is one)",
    "months_to_cheating_detected": "months until inspectors first detect cheating (when they do)",
    "months_to_freeze_collapsed": "months until a freeze first collapses (when one does)",
    "months_to_nuclear_test": "months until the first nuclear test (when there is one)",
    "months_to_unsc_resolution": "months until the first new resolution (when there is one)",
}

#: What each event means (its probability is that it happens at least once).
EVENT_DESCRIPTIONS = {
    "talks_opened": "talks open at some point",
    "deal_reached": "a deal is reached",
    "cheating": "the DPRK cheats under a deal",
    "cheating_detected": "inspectors detect cheating under a deal",
    "freeze_collapsed": "a freeze collapses",
    "nuclear_test": "a nuclear test",
    "unsc_resolution": "a new UNSC sanctions resolution",
    "freeze_in_force_at_end": "a freeze is in force at the horizon",
    "freeze_in_force": "a freeze is in force",
}

#: Every figure's name, metrics first, in the order reports list them. `cheating_detected`
#: is both a count (a metric) and an event: label a figure with `describe`, which knows which.
DESCRIPTIONS = METRIC_DESCRIPTIONS | {
    name: text for name, text in EVENT_DESCRIPTIONS.items() if name not in METRIC_DESCRIPTIONS
}


def describe(name: str, event: bool = False) -> str:
    """What a figure means: an event's (`event=True`, a probability) or a metric's label.

    Unknown names are returned as they are.
    """
    first, second = (
        (EVENT_DESCRIPTIONS, METRIC_DESCRIPTIONS)
        if event
        else (METRIC_DESCRIPTIONS, EVENT_DESCRIPTIONS)
    )
    return first.get(name) or second.get(name) or name
