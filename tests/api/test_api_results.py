"""A run from Python: its labelled arrays (to_xarray), how it shows itself, progress bars."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.api.progress import HtmlBar, progress_bar
from sim.plan.outcomes import FIRSTS, SCALARS

FREEZE = SCENARIOS / "freeze.yaml"
REPS = 30


@pytest.fixture(scope="module")
def results():
    return sim.run(FREEZE, reps=REPS, seed=5, workers=1)


@pytest.fixture(scope="module")
def dataset(results):
    pytest.importorskip("xarray")
    return results.to_xarray()


# --------------------------------------------------------------------------- to_xarray


def test_to_xarray_has_every_outcome_by_replication_and_month(results, dataset):
    months = results.scenario.horizon_months + 1
    assert dict(dataset.sizes) == {"replication": REPS, "month": months}
    for name in ("warheads", "material", "freeze_in_force"):
        assert dataset[name].dims == ("replication", "month")
    np.testing.assert_array_equal(dataset.warheads.values, results.trajectories["warheads"])
    np.testing.assert_array_equal(dataset.material.values, results.trajectories["material"])
    np.testing.assert_array_equal(dataset.freeze_in_force.values, results.freeze.astype(int))
    for name in SCALARS:
        assert dataset[name].dims == ("replication",)
        np.testing.assert_array_equal(dataset[name].values, results.scalars[name])
    for event in FIRSTS:
        # NaN where the event never happened, as in replications.csv
        np.testing.assert_array_equal(dataset[f"months_to_{event}"].values, results.firsts[event])
    np.testing.assert_array_equal(dataset.freeze_in_force_at_end.values, results.freeze[:, -1])
    assert dataset.warheads.attrs["units"] == "warheads"
    assert dataset.months_to_deal_reached.attrs["units"] == "months"


def test_to_xarray_coordinates_are_replications_months_dates_and_drawn_parameters(results, dataset):
    np.testing.assert_array_equal(dataset.replication.values, np.arange(REPS))
    np.testing.assert_array_equal(dataset.month.values, results.months)
    dates = dataset.date.values
    assert dataset.date.dims == ("month",) and dates.dtype.kind == "M"
    assert str(dates[0])[:10] == "2026-01-01" and str(dates[-1])[:10] == "2036-01-01"
    assert [str(d)[:7] for d in dates] == results.dates
    assert set(results.sampled) <= set(dataset.coords)
    for path, values in results.sampled.items():
        assert dataset[path].dims == ("replication",)
        np.testing.assert_array_equal(dataset[path].values, values)
    # a drawn parameter selects histories: those with a low hazard of collapse
    low = dataset.where(dataset["deal.breakdown_rate"] < 0.25, drop=True)
    assert 0 < low.sizes["replication"] < REPS
    assert (low["deal.breakdown_rate"] < 0.25).all()


def test_to_xarray_attributes_are_the_provenance(results, dataset):
    scenario = results.scenario
    assert dataset.attrs["seed"] == 5
    assert dataset.attrs["replications"] == REPS
    assert dataset.attrs["scenario"] == "freeze"
    assert dataset.attrs["scenario_hash"] == scenario.content_hash()
    assert dataset.attrs["engine_version"] == sim.__version__
    assert dataset.attrs["start"] == "2026-01" and dataset.attrs["horizon_months"] == 120
    assert None not in dataset.attrs.values()  # netCDF has no null


def test_to_xarray_round_trips_through_netcdf(dataset, tmp_path):
    xr = pytest.importorskip("xarray")
    if not any(_importable(m) for m in ("h5netcdf", "netCDF4")):
        pytest.skip("no netCDF engine installed")
    path = tmp_path / "freeze.nc"
    dataset.to_netcdf(path)
    back = xr.load_dataset(path)
    assert back.identical(dataset)


def test_a_run_without_trajectories_has_no_monthly_paths_but_the_rest(dataset):
    kept = sim.run(FREEZE, reps=10, seed=5, workers=1, trajectories=False).to_xarray()
    assert "warheads" not in kept and "material" not in kept
    assert kept.freeze_in_force.dims == ("replication", "month")
    np.testing.assert_array_equal(
        kept.final_warheads.values, dataset.final_warheads.values[:10]
    )  # the same seed: the same first replications


def test_a_streamed_run_says_it_has_no_per_replication_arrays():
    streamed = sim.run(FREEZE, reps=10, seed=5, workers=1, stream=True)
    with pytest.raises(TypeError, match=r"stream=True.*no per-replication arrays"):
        streamed.to_xarray()


# --------------------------------------------------------------------------- reprs


def test_results_show_a_few_lines_with_the_headline_figures(results):
    text = repr(results)
    assert len(text) < 500 and text.count("\n") <= 6
    assert text.startswith("<Results: 30 replications of 'freeze', seed 5")
    summary = results.summary()
    median = summary["metrics"]["final_warheads"]["p50"]
    held = summary["probabilities"]["freeze_in_force_at_end"]["p"]
    assert f"final_warheads: median {median:.0f}" in text
    assert f"P(freeze_in_force_at_end): {held:.1%}" in text
    assert "array(" not in text
    html = results._repr_html_()
    assert "<table>" in html and "final_warheads" in html and len(html) < 1500


def test_streamed_results_and_scenarios_show_a_few_lines():
    streamed = sim.run(FREEZE, reps=10, seed=5, workers=1, stream=True)
    text = repr(streamed)
    assert text.startswith("<StreamedResults: 10 replications") and len(text) < 500
    assert "P(deal_reached)" in text and "<table>" in streamed._repr_html_()
    scenario = sim.load_scenario(FREEZE)
    for shown in (repr(scenario), str(scenario)):
        assert len(shown) < 500 and shown.startswith("<Scenario 'freeze'")
        assert "16 drawn per replication" in shown  # the uncertain parameters
        assert "1,000 replications, seed 20260101" in shown  # the run: defaults
    assert "<table>" in scenario._repr_html_() and "Freeze for relief" in scenario._repr_html_()


# --------------------------------------------------------------------------- sim.run


def test_run_takes_a_file_and_overrides_with_the_numbers_of_a_loaded_scenario(results):
    again = sim.run(str(FREEZE), reps=REPS, seed=5, workers=1)
    np.testing.assert_array_equal(
        again.scalars["final_warheads"], results.scalars["final_warheads"]
    )
    changed = sim.run(FREEZE, reps=REPS, seed=5, workers=1, overrides={"deal.relief": 0.35})
    loaded = sim.load_scenario(FREEZE, overrides=["deal.relief=0.35"])
    assert changed.scenario.content_hash() == loaded.content_hash()
    scenario = sim.load_scenario(FREEZE)
    on_object = sim.run(scenario, reps=REPS, seed=5, workers=1, overrides=["deal.relief=0.35"])
    np.testing.assert_array_equal(
        on_object.scalars["final_warheads"], changed.scalars["final_warheads"]
    )
    with pytest.raises(
        sim.ScenarioError, match=r"(?s)--set deal\.relif=0\.3.*did you mean 'relief'"
    ):
        sim.run(scenario, reps=5, overrides=["deal.relif=0.3"])
    with pytest.raises(TypeError, match="scenario file or a Scenario"):
        sim.run(42)


# --------------------------------------------------------------------------- progress


def test_progress_function_hears_every_replication_and_numbers_do_not_change(results):
    calls = []
    again = sim.run(
        FREEZE, reps=REPS, seed=5, workers=1, progress=lambda d, t: calls.append((d, t))
    )
    assert calls[-1] == (REPS, REPS) and all(t == REPS for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    np.testing.assert_array_equal(
        again.scalars["final_warheads"], results.scalars["final_warheads"]
    )
    shown = sim.run(FREEZE, reps=REPS, seed=5, workers=1, progress=True)  # no terminal: no bar
    np.testing.assert_array_equal(
        shown.scalars["final_warheads"], results.scalars["final_warheads"]
    )
    with pytest.raises(TypeError, match="progress must be True, False or a function"):
        sim.run(FREEZE, reps=5, progress="yes")


def test_the_terminal_bar_names_each_label_and_counts(monkeypatch):
    from rich.console import Console

    out = io.StringIO()
    monkeypatch.setattr(
        "rich.console.Console",
        lambda **kw: Console(file=out, force_terminal=True, width=100, **kw),
    )
    with progress_bar(True) as update:
        assert update is not None
        update("stalled", 20, 20)
        update("freeze", 7, 20)
    text = out.getvalue()
    assert "stalled" in text and "freeze" in text and "7/20" in text and "replications" in text


def test_the_notebook_bar_without_widgets_redraws_html_in_place():
    class Handle:
        def __init__(self):
            self.shown = []

        def update(self, html):
            self.shown.append(str(getattr(html, "data", html)))

    handle = Handle()
    bar = HtmlBar("replications", display=lambda _html, display_id: handle)
    for done in range(0, 61, 10):
        bar.update("freeze", done, 60)
    last = handle.shown[-1]  # the finished state is always drawn
    assert '<progress value="60" max="60">' in last and "60 of 60 replications" in last
    assert "<b>freeze</b>" in last
    assert len(handle.shown) < 7  # redraws are throttled (the first and the last at least)


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True
