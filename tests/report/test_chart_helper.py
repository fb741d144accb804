"""Charts drawn ahead in a helper process are the charts drawn here, byte for byte."""

import os
import signal

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.report import plots

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def series():
    results = sim.run(sim.load_scenario(SCENARIOS / "freeze.yaml"), reps=30, seed=4, workers=1)
    return [plots.Series("freeze", results.summary(), results.scalars["final_warheads"])]


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(plots, "spare_core", lambda: True)  # however busy this machine is


def helper_pid() -> int:
    assert plots._helper is not None
    plots._helper.ready.result(timeout=60)  # started, matplotlib imported
    (process,) = plots._helper.pool._pool()._processes.values()
    return process.pid


def test_charts_drawn_ahead_are_the_bytes_drawn_here(series, two_cores):
    here = plots.draw(series)
    assert set(here) == {
        "warheads.png",
        "material.png",
        "freeze_in_force.png",
        "deal_reached.png",
        "final_warheads.png",
    }
    with plots.charts_ahead():
        pid = helper_pid()
        assert pid != os.getpid()
        ahead = plots.figures_later(series)()
        with plots.charts_ahead():  # nested: the same helper
            assert plots.figures_later(series)() == ahead
    assert plots._helper is None
    assert ahead == here


def test_a_lost_helper_leaves_the_charts_to_this_process(series, two_cores):
    with plots.charts_ahead():
        os.kill(helper_pid(), signal.SIGKILL)
        assert plots.figures_later(series)() == plots.draw(series)
        assert plots.figures_later(series)() == plots.draw(series)  # the pool is broken by now


def test_charts_start_before_the_tables_are_written(series, two_cores, tmp_path, monkeypatch):
    """A run's charts are sent to the helper first, then the tables are written."""
    from sim.report import html, writers

    order = []
    start = html.figures_later
    monkeypatch.setattr(html, "figures_later", lambda *a: order.append("charts") or start(*a))
    write = writers.write_replications
    monkeypatch.setattr(
        writers, "write_replications", lambda *a: order.append("tables") or write(*a)
    )
    results = sim.run(sim.load_scenario(SCENARIOS / "stalled.yaml"), reps=10, seed=2, workers=1)
    with plots.charts_ahead():
        folder = results.save(tmp_path)
    assert order == ["charts", "tables"]
    assert len(list(folder.glob("*.png"))) == 5


def test_on_one_core_no_helper_starts(series, monkeypatch):
    monkeypatch.setattr(plots, "default_workers", lambda: 1)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    with plots.charts_ahead():
        assert plots._helper is None
        assert "warheads.png" in plots.figures_later(series)()


def test_on_a_busy_machine_no_helper_starts(monkeypatch):
    monkeypatch.setattr(plots, "default_workers", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 1.0, 1.0))  # both cores nearly busy
    assert not plots.spare_core()
    monkeypatch.setattr(os, "getloadavg", lambda: (1.4, 1.0, 1.0))  # one has room
    assert plots.spare_core()
    with plots.charts_ahead():
        assert plots._helper is not None
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 1.0, 1.0))
    with plots.charts_ahead():
        assert plots._helper is None


def test_a_saved_run_has_the_same_charts_either_way(two_cores, tmp_path):
    results = sim.run(sim.load_scenario(SCENARIOS / "stalled.yaml"), reps=20, seed=2, workers=1)
    plain = results.save(tmp_path, run_id="plain")
    with plots.charts_ahead():
        ahead = results.save(tmp_path, run_id="ahead")
    pngs = sorted(p.name for p in plain.glob("*.png"))
    assert len(pngs) == 5
    for name in pngs:
        assert (ahead / name).read_bytes() == (plain / name).read_bytes()


@pytest.mark.parametrize(
    ("start", "months"), [("2026-01", 120), ("2025-07", 18), ("2030-12", 1), ("2026-03", 360)]
)
def test_year_ticks_are_those_of_year_locator(start, months):
    from matplotlib.dates import DateFormatter, YearLocator
    from matplotlib.figure import Figure

    dates = np.datetime64(start, "M") + np.arange(months + 1)
    shown = []
    for ours in (True, False):
        ax = Figure().add_subplot()
        ax.plot(dates.astype("datetime64[D]"), np.arange(months + 1))
        if ours:
            plots.year_ticks(ax)
        else:
            ax.xaxis.set_major_locator(YearLocator())
            ax.xaxis.set_major_formatter(DateFormatter("%Y"))
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        shown.append((ticks, [ax.xaxis.get_major_formatter()(t) for t in ticks]))
    assert shown[0] == shown[1]
    assert shown[0][0], "a tick at least"
