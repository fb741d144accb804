# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # `sim` from Python: run, compare, sweep, discover
#
# A notebook written as a plain Python script of cells (`# %%` markers, the
# jupytext "percent" format). Run it from the repository root as a script,
# `python examples/notebook.py`, or open it in Jupyter: VS Code and PyCharm run
# the cells as they are; for JupyterLab, `jupytext --to notebook
# examples/notebook.py` makes a `.ipynb` of it. Each cell ends by showing what
# it made: in Jupyter as a small table, in a terminal as a few lines of text.
#
# `REPS` (the environment variable `SIM_EXAMPLE_REPS`) sets the replications;
# the tests run this file with a few dozen. Results are saved under `OUT`
# (`SIM_EXAMPLE_OUT`, default `results`).
#
# **Workers.** Every call here says `workers=1`: the replications run in this
# process. With more workers `sim` starts worker processes, and each of them
# imports the script that started it: in a notebook that needs nothing, but
# in a script every call must sit under `if __name__ == "__main__":` (or the
# workers would run the script again; `sim` stops and says so). This file is
# both, so it keeps to one worker; in your own notebook, leave `workers` out
# to use every core (the numbers are the same).

# %%
import os
from pathlib import Path

import sim

try:  # Jupyter shows an object as a table; a script prints its few lines
    from IPython.display import display
except ImportError:
    display = print

REPS = int(os.environ.get("SIM_EXAMPLE_REPS", "2000"))
OUT = Path(os.environ.get("SIM_EXAMPLE_OUT", "results"))
OUT.mkdir(parents=True, exist_ok=True)
# the shipped scenarios, from the repository root or from examples/
SCENARIOS = Path("scenarios") if Path("scenarios").is_dir() else Path("..", "scenarios")

# %% [markdown]
# ## Load a scenario and run it
#
# `load_scenario` reads, resolves and checks a YAML scenario; `overrides`
# change it as `--set` does. `run` returns every outcome of every replication.

# %%
scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
display(scenario)

results = sim.run(scenario, reps=REPS, seed=7, workers=1, progress=True)
display(results)

# %% [markdown]
# ## The figures: `summary()` is what `summary.json` holds

# %%
summary = results.summary()
warheads = summary["metrics"]["final_warheads"]
held = summary["probabilities"]["freeze_in_force_at_end"]
print(
    f"median warheads at the horizon: {warheads['p50']:.0f} "
    f"(90% of histories between {warheads['p5']:.0f} and {warheads['p95']:.0f})"
)
print(f"P(a freeze in force at the horizon): {held['p']:.2f} ± {held['mcse']:.2f}")

# %% [markdown]
# ## One row per replication (pandas), or labelled arrays (xarray)
#
# `to_pandas()` has the drawn parameters and every outcome of each history.
# `to_xarray()` (the `xarray` extra) has the monthly paths, replications x
# months, with dates and the drawn parameters as coordinates.

# %%
table = results.to_pandas()
display(table[["deal.breakdown_rate", "final_warheads", "freeze_in_force_at_end"]].describe())

try:
    ds = results.to_xarray()
except ImportError:
    print("to_xarray needs the xarray extra: pip install 'sim[xarray]'")
else:
    display(ds)
    every_two_years = ds.warheads.median("replication").isel(month=slice(0, None, 24))
    for date, value in zip(every_two_years.date.values, every_two_years.values, strict=True):
        print(f"median warheads {str(date)[:7]}: {value:.0f}")
    ds.to_netcdf(OUT / "freeze.nc")  # netCDF, with its coordinates and provenance

# %% [markdown]
# ## Compare with the baseline
#
# The first run is the baseline. Scenarios run with one seed, so replication
# *i* of each shares its random numbers and the differences are paired. A
# `Results` already computed is taken as it is, not run again.

# %%
comparison = sim.compare(SCENARIOS / "stalled.yaml", results, workers=1, progress=True)
display(comparison)

figures = comparison.to_pandas()
row = figures.set_index("figure").loc["final_warheads"]
print(
    f"final warheads, freeze minus stalled: {row['diff']:.1f} "
    f"[{row['ci_low']:.1f}, {row['ci_high']:.1f}]"
)
averted = comparison.to_pandas("averted")
display(averted[averted.quantity == "warheads"][["date", "diff", "ci_low", "ci_high"]])

# %% [markdown]
# ## A small sweep: which assumption moves the outcome?
#
# Each point is the scenario with these parameters set; every point uses the
# same seed. `sensitivity()` ranks the factors for each outcome.

# %%
sweep = sim.sweep(
    scenario,
    params={"deal.breakdown_rate": [0.1, 0.29, 0.6], "talks.rounds_per_year": [2, 4]},
    reps=max(REPS // 10, 20),
    seed=7,
    workers=1,
    progress=True,
)
display(sweep)
ranks = sweep.sensitivity()
columns = [
    "factor",
    "rank",
    "SRC",
    "SRC_low",
    "SRC_high",
    "low",
    "mean_at_low",
    "high",
    "mean_at_high",
]
display(ranks[ranks.outcome == "freeze_in_force_at_end"][columns])
print(
    "freeze in force at the horizon, driven by:",
    ", ".join(sweep.drivers("freeze_in_force_at_end")) or "nothing clear",
)

# %% [markdown]
# ## Scenario discovery: where do the freezes collapse?
#
# PRIM looks for limits on the drawn parameters inside which the outcome is
# concentrated, and says it in words.

# %%
found = sim.discover(results, "freeze_collapsed")
print(found.sentence())

# %% [markdown]
# ## Save everything: the folders `sim run`, `sim compare`, `sim sweep` and
# `sim discover` write (each with report.html)

# %%
for made in (results, comparison, sweep, found):
    print("saved", made.save(OUT))
