"""Cautions: figures that rest on too few replications to quote, said in words.

Every figure carries its standard error, but a reader skimming a headline
does not weigh `0.060 ± 0.034`: with 50 replications a probability of 0.06
is three histories. These sentences say so plainly after a run, in
report.md and in report.html:

- a small run: the ends of its 90% intervals (p5, p95) rest on fewer than
  `FEW` replications each, i.e. fewer than 200 replications in all;
- a probability that rests on fewer than `FEW` replications: the event
  happened (or did not happen) in only that many (an event that never
  happened, or always did, is bounded by its Monte Carlo interval instead);
- a `months_to_<event>` mean over fewer than `FEW` replications, the ones
  where the event happened.
"""

from __future__ import annotations

from sim.plan.outcomes import describe

#: A figure that rests on fewer replications than this is not one to quote.
FEW = 10
#: The share of replications beyond each end of a 90% interval.
TAIL = 0.05
#: What to do about it.
ADVICE, ADVICE_MANY = "run more for a figure to quote", "run more for figures to quote"


def cautions(metrics: dict, probabilities: dict, replications: int) -> list[str]:
    """Sentences about the figures of a run that rest on fewer than `FEW` replications.

    `metrics` and `probabilities` are those of a summary (summary.json), over
    `replications` replications. Empty when every figure rests on enough.
    """
    n = replications
    out = []
    tail = int(n * TAIL)
    if tail < FEW:
        out.append(
            f"A small run: with {n:,} replications the ends of each 90% interval (p5, p95) "
            f"rest on {tail} replication{'s' if tail != 1 else ''} each; run "
            f"{round(FEW / TAIL):,} or more (--reps) for figures to quote."
        )
    told = set()
    for event, p in probabilities.items():
        if p.get("p") is None or not p.get("n"):
            continue
        happened = round(p["p"] * p["n"])
        of = f"of {p['n']:,}"
        shown = f"P({describe(event, True)})"
        months = f"months_to_{event}"
        if 0 < happened < FEW and metrics.get(months, {}).get("n") == happened:
            told.add(months)
            out.append(
                f"{shown} and {months} rest on {happened} {of} replications, those where it "
                f"happened: {ADVICE_MANY}."
            )
        elif 0 < happened < FEW:
            out.append(f"{shown} rests on {happened} {of} replications: {ADVICE}.")
        elif 0 < p["n"] - happened < FEW:
            out.append(
                f"{shown} rests on the {p['n'] - happened} {of} replications where it did not "
                f"happen: {ADVICE}."
            )
    for name, m in metrics.items():
        if name.startswith("months_to_") and name not in told and 0 < m["n"] < FEW:
            out.append(
                f"{name} is a mean over the {m['n']} of {n:,} replications where the event "
                f"happened: {ADVICE}."
            )
    return out


def run_cautions(summary: dict) -> list[str]:
    """The cautions of a run, from its summary (summary.json)."""
    return cautions(
        summary["metrics"], summary["probabilities"], summary["provenance"]["replications"]
    )
