"""Comparing scenarios from Python: `compare(*runs)` and the `Comparison` it returns.

    import sim

    cmp = sim.compare("scenarios/stalled.yaml", "scenarios/freeze.yaml", reps=2000, seed=7)
    cmp                      # the headline differences, in a few lines (a table in Jupyter)
    cmp.to_pandas()          # one row per scenario and figure: difference, 95% CI, counts
    cmp.summary()            # the content of comparison.json
    cmp.save("results")      # results/compare/<id>/, as `sim compare` writes it

Each input is a scenario file or a result folder (str or Path), a `Scenario`
or a `Results` from `sim.run`: the same as `sim compare` takes, and the same
numbers (`sim.analysis.runs.gather`, then `sim.analysis.compare.compare`).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import cast

from sim.analysis.compare import compare as compare_runs
from sim.analysis.runs import Run, Source, gather
from sim.api.progress import ProgressArg, progress_bar
from sim.engine.results import StreamedResults
from sim.report.comparison import ci_text, figure_cell, level, save
from sim.report.html import outcome_cell, table
from sim.report.rounding import interval
from sim.scenario.loader import Overrides

#: The figures a comparison shows of itself: (block of comparison.json, name).
HEADLINE = (
    ("metrics", "final_warheads"),
    ("probabilities", "deal_reached"),
    ("probabilities", "freeze_in_force_at_end"),
)
#: Scenarios named in the repr before "and N more".
SHOWN = 3


@dataclass(eq=False, repr=False)
class Comparison:
    """Runs compared with the first (the baseline): every difference with its 95% CI.

    `data` is the content of comparison.json; `runs` are the runs compared, in
    order (each with its summary and per-replication outcomes).
    """

    data: dict
    runs: list[Run]

    @property
    def baseline(self) -> str:
        """The baseline's label (its scenario's name)."""
        return self.data["baseline"]

    @property
    def labels(self) -> list[str]:
        """Every run's label, the baseline first (`freeze (2)` when a name repeats)."""
        return list(self.data["scenarios"])

    def vs_baseline(self, label: str) -> dict:
        """One scenario's differences from the baseline (metrics, probabilities, averted)."""
        if label not in self.data["scenarios"] or label == self.baseline:
            others = ", ".join(repr(x) for x in self.labels[1:])
            raise KeyError(f"{label!r} is not a scenario compared with the baseline: {others}")
        return self.data["scenarios"][label]["vs_baseline"]

    def summary(self) -> dict:
        """The comparison as plain data: the content of comparison.json."""
        return self.data

    def to_pandas(self, what: str = "figures"):
        """A tidy DataFrame (needs pandas).

        `figures`: one row per compared scenario and figure (every metric and
        probability): both runs' values, the difference (scenario minus
        baseline), its s.e., 95% CI and degrees of freedom, whether it is
        paired, and the counts of each side. `averted`: one row per scenario,
        quantity (warheads, material) and year: baseline minus scenario, with
        its CI.
        """
        import pandas as pd

        if what not in ("figures", "averted"):
            raise ValueError(f"what={what!r}: use 'figures' or 'averted'")
        rows = []
        base = self.data["scenarios"][self.baseline]
        for label in self.labels[1:]:
            sc = self.data["scenarios"][label]
            vs = sc["vs_baseline"]
            if what == "averted":
                for quantity, years in vs["averted"].items():
                    rows += [
                        {"scenario": label, "quantity": quantity, **_interval(d, "year", "month",
                         "date")} for d in years
                    ]  # fmt: skip
                continue
            for block, value in (("metrics", "mean"), ("probabilities", "p")):
                for name, d in vs[block].items():
                    rows.append(
                        {
                            "scenario": label,
                            "figure": name,
                            "kind": "probability" if block == "probabilities" else "metric",
                            "baseline_value": base[block][name][value],
                            "scenario_value": sc[block][name][value],
                            **_interval(d),
                            "n_baseline": d.get("n_baseline", base[block][name]["n"]),
                            "n_scenario": d.get("n_scenario", sc[block][name]["n"]),
                        }
                    )
        return pd.DataFrame(rows)

    def save(self, root: str | Path = "results") -> Path:
        """Write `root/compare/<id>/` atomically (comparison.json, report.md, report.html,
        charts) as `sim compare` does, and return its path."""
        return save(self.data, self.runs, root)

    def _pairs(self) -> str:
        sides = {(r.seed, r.replications) for r in self.runs}
        if len(sides) == 1:
            seed, reps = sides.pop()
            return f"{reps:,} replications each, seed {seed}"
        return "runs of different seeds or replications (unpaired)"

    def __repr__(self) -> str:
        lines = [f"<Comparison with baseline {self.baseline!r}: {self._pairs()}"]
        for label in self.labels[1 : SHOWN + 1]:
            vs = self.vs_baseline(label)
            figures = "; ".join(
                f"{_name(block, name)} {ci_text(vs[block][name])}" for block, name in HEADLINE
            )
            lines.append(f"  {label}: {figures}")
        more = len(self.labels) - 1 - SHOWN
        if more > 0:
            lines.append(f"  ... and {more} more (see .to_pandas())")
        return "\n".join(lines) + ">"

    def _repr_html_(self) -> str:
        others = self.labels[1:]
        base = self.data["scenarios"][self.baseline]
        head = ["figure", f"{escape(self.baseline)} (baseline)"]
        ci = f"{level(self.data)} CI"
        for label in others:
            head += [escape(label), f"{escape(label)} − {escape(self.baseline)} [{ci}]"]
        rows = []
        for block, name in HEADLINE:
            row = [outcome_cell(name), escape(figure_cell(block, name, base[block][name]))]
            for label in others:
                sc = self.data["scenarios"][label]
                row += [
                    escape(figure_cell(block, name, sc[block][name])),
                    escape(ci_text(sc["vs_baseline"][block][name])),
                ]
            rows.append(row)
        return (
            f"<p><b>Comparison</b> with baseline {escape(self.baseline)}: "
            f"{escape(self._pairs())}</p>" + table(head, rows)
        )


def _name(block: str, name: str) -> str:
    return f"P({name})" if block == "probabilities" else name


def _interval(d: dict, *keys: str) -> dict:
    """A difference's figures as columns (and `keys` of it first)."""
    ci = interval(d) or [None, None]
    return {
        **{k: d[k] for k in keys},
        "diff": d["diff"],
        "se": d["se"],
        "ci_low": ci[0],
        "ci_high": ci[1],
        "df": d["df"],
        "n": d["n"],
        "paired": d["paired"],
    }


def compare(
    *runs: Source | StreamedResults | list | tuple,
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    overrides: Overrides = None,
    confidence: float = 0.95,
    progress: ProgressArg = None,
) -> Comparison:
    """Compare runs with the first, the baseline, as `sim compare` does.

    Each of `runs` is a scenario file or a result folder (str or Path), a
    `Scenario`, or a `Results` from `sim.run` (a list of them works too).
    Scenarios are run now, all with one seed and number of replications so that
    they pair (common random numbers): `reps` and `seed` if given, else the
    first folder's or Results', else the first scenario's `run:` section;
    `overrides` (as `--set`) apply to each of them. Folders and Results are
    taken as they are, never rerun. Every interval of a difference is at the
    `confidence` level (as `--confidence`). `progress=True` shows a bar per
    scenario.
    Raises ScenarioError for input that cannot be compared (a missing file,
    runs over different months), naming it.
    """
    if len(runs) == 1 and isinstance(runs[0], list | tuple):
        runs = tuple(runs[0])
    sources = cast(tuple[Source | StreamedResults, ...], runs)  # a list given is unpacked
    if len(sources) < 2:
        raise TypeError("compare needs at least two runs: the baseline, then what to compare")
    with progress_bar(progress) as update:
        gathered = gather(
            sources, reps=reps, seed=seed, workers=workers, progress=update, overrides=overrides
        )
    return Comparison(compare_runs(gathered, confidence=confidence), gathered)
