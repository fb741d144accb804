"""`import sim`: the API is listed (`__all__`, `dir(sim)`) and loaded only when used."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import tomllib

from conftest import ROOT

import sim

API = {
    "run", "load_scenario", "compare", "sweep", "discover", "backtest", "simulate_replication",
    "Results", "Scenario", "ScenarioError", "__version__",
}  # fmt: skip


def test_all_and_dir_list_the_api():
    assert set(sim.__all__) >= API
    assert set(dir(sim)) >= API
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    assert "TYPE_CHECKING" not in dir(sim) and "_LAZY" not in dir(sim)


def test_the_api_is_what_its_modules_define():
    from sim.analysis.backtest import backtest
    from sim.api.comparison import compare
    from sim.api.discovery import discover
    from sim.api.runs import run
    from sim.api.sweeps import Sweep, sweep

    assert (sim.run, sim.compare, sim.discover, sim.backtest) == (run, compare, discover, backtest)
    assert sim.Sweep is Sweep
    assert sim.sweep is sweep
    assert inspect.signature(sim.sweep) == inspect.signature(sweep)
    assert "Run a scenario over many values" in sim.sweep.__doc__


def test_the_function_sim_sweep_and_the_package_sim_sweeps_do_not_share_a_name():
    import sim.sweeps.files as files
    from sim.api.sweeps import sweep

    assert sim.sweep is sweep and sim.sweeps.files is files


def test_import_sim_and_dir_load_no_simulation_stack():
    code = (
        "import sys, sim\nnames = dir(sim)\n"
        "print('HEAVY', sorted(m for m in ('numpy', 'simpy', 'pandas', 'xarray', 'rich')"
        " if m in sys.modules), 'run' in names and 'compare' in names)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    ).stdout
    assert "HEAVY [] True" in out


def test_the_xarray_extra_brings_a_netcdf_engine_and_is_part_of_all():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    names = {re.match(r"[\w.-]+", r)[0].lower() for r in extras["xarray"]}
    assert {"xarray", "h5netcdf", "h5py"} <= names
    (everything,) = extras["all"]
    assert "xarray" in re.search(r"\[(.*)\]", everything)[1].split(",")
