"""Sensitivity measures against functions whose answers are known, and the stalled scenario."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

from sim.cli.app import app
from sim.sweeps.designs import grid, latin_hypercube, make_design
from sim.sweeps.sensitivity import Ranking, Swing, rank
from sim.sweeps.spec import Factor, Where, parse_spec

pytest.importorskip("SALib")


def factors(specs: dict) -> tuple[Factor, ...]:
    return tuple(Factor(((name, parse_spec(s, name, Where())),)) for name, s in specs.items())


def inputs(design, names) -> np.ndarray:
    return np.array([[design.values(i)[n] for n in names] for i in range(len(design))])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list, list]:
    """Analytic first- and total-order Sobol indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values():
    pi = math.pi
    design = make_design("sobol", factors({f"x{i}": f"{-pi}:{pi}" for i in (1, 2, 3)}), 1024, 11)
    assert len(design) == 1024 * 5
    x = inputs(design, ["x1", "x2", "x3"])
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    r = rank(design, y.tolist(), "ishigami", seed=11)
    assert r.method == "sobol"
    first, total = ishigami_indices()
    for j in range(3):
        # Each estimate lies within its own 95% interval of the true value, and the
        # intervals are narrow enough for that to mean something.
        assert abs(r.first[j] - first[j]) <= r.first_ci[j] < 0.1, (j, r.first[j], first[j])
        assert abs(r.total[j] - total[j]) <= r.total_ci[j] < 0.1, (j, r.total[j], total[j])
    assert r.order() == [0, 1, 2]  # ST: x1 (0.56) > x2 (0.44) > x3 (0.24)
    assert r.clear(2)  # x3 matters only through its interaction with x1 ...
    assert abs(r.first[2]) < r.first_ci[2]  # ... its first-order index is zero


def test_standardized_regression_coefficients_of_a_linear_function():
    design = latin_hypercube(factors({"x1": "0:1", "x2": "0:1", "x3": "0:1"}), 200, seed=2)
    x = inputs(design, ["x1", "x2", "x3"])
    y = 2 * x[:, 0] + x[:, 1]
    r = rank(design, y.tolist(), "linear", seed=2)
    assert r.method == "src" and r.r2 == pytest.approx(1.0)
    # For an exactly linear y, SRC_j = b_j sd(x_j) / sd(y) in the sample ...
    for j, b in enumerate([2.0, 1.0, 0.0]):
        assert r.src[j] == pytest.approx(b * x[:, j].std() / y.std(), abs=1e-9)
    # ... close to the population values 2/sqrt(5) and 1/sqrt(5) for independent inputs.
    assert r.src[0] == pytest.approx(2 / math.sqrt(5), abs=0.05)
    assert r.src[1] == pytest.approx(1 / math.sqrt(5), abs=0.05)
    assert r.order()[:2] == [0, 1] and not r.clear(2) and r.clear(0)


def test_regression_intervals_cover_the_truth_when_there_is_noise():
    design = latin_hypercube(factors({"x1": "0:1", "x2": "0:1"}), 400, seed=3)
    x = inputs(design, ["x1", "x2"])
    noise = np.random.default_rng(0).normal(0, 0.3, len(x))
    y = 2 * x[:, 0] - x[:, 1] + noise
    r = rank(design, y.tolist(), "noisy", seed=3)
    sd_y = math.sqrt(4 / 12 + 1 / 12 + 0.09)
    for j, b in enumerate([2.0, -1.0]):
        low, high = r.src_ci[j]
        assert low <= b * math.sqrt(1 / 12) / sd_y <= high
    assert r.src[1] < 0


def test_swings_on_a_grid_are_main_effects_in_the_outcome_units():
    design = grid(factors({"x1": "1,2,3", "x2": "0,1"}))
    x = inputs(design, ["x1", "x2"])
    y = x[:, 0] + 10 * x[:, 1]
    r = rank(design, y.tolist(), "y", seed=0)
    s1, s2 = r.swings
    assert (s1.low, s1.high, s1.swing) == (6.0, 8.0, 2.0)  # (1 + 11) / 2 and (3 + 13) / 2
    assert (s2.low, s2.high, s2.swing) == (2.0, 12.0, 10.0)
    assert (s1.low_label, s1.high_label) == ("1", "3")
    flat = rank(design, [4.2] * len(design), "flat", seed=0)
    assert flat.method == "none" and flat.note == "does not vary across the sweep"


def test_a_sobol_sweep_of_the_stalled_scenario_ranks_production_first(tmp_path):
    runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
    args = [
        "sweep",
        SCENARIOS / "stalled.yaml",
        "--design",
        "sobol",
        "--samples",
        32,
        "-p",
        "arsenal.production_rate=scenario",
        "-p",
        "arsenal.growth=scenario",
        "-p",
        "arsenal.initial_material=scenario",
        "-m",
        "final_material",
        "-n",
        5,
        "-s",
        1,
        "-w",
        2,
        "-o",
        tmp_path,
    ]
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "160 points (160 distinct)" in result.output
    folder = Path(result.output.strip().splitlines()[-1].removeprefix("Results: "))
    doc = json.loads((folder / "sweep.json").read_text())["sensitivity"]["final_material"]
    assert doc["method"] == "sobol"
    assert doc["ranking"][0] == "arsenal.production_rate"
    st = {name: f["ST"] for name, f in doc["factors"].items()}
    top = doc["factors"]["arsenal.production_rate"]
    runner_up = max(v for k, v in st.items() if k != "arsenal.production_rate")
    assert top["ST"] - top["ST_conf"] > 0  # clearly not zero
    assert top["ST"] > runner_up
    assert "S1 (95% CI)" in (folder / "report.md").read_text()


def test_a_factor_of_two_names_enters_the_regression_as_0_1():
    design = grid(factors({"demand": "freeze_for_relief,arms_control", "x": "0,1,2,3"}))
    rows = [design.values(i) for i in range(len(design))]
    y = [3.0 * (r["demand"] == "arms_control") + r["x"] for r in rows]
    r = rank(design, y, "y", seed=1)
    assert r.method == "src" and r.r2 == pytest.approx(1.0)
    d = np.array([float(v["demand"] == "arms_control") for v in rows])
    x = np.array([v["x"] for v in rows], dtype=float)
    assert r.src[0] == pytest.approx(3 * d.std() / np.std(y))
    assert r.src[1] == pytest.approx(x.std() / np.std(y))
    s = r.swings[0]
    assert (s.low_label, s.high_label, s.swing) == ("freeze_for_relief", "arms_control", 3.0)
    three = grid(factors({"demand": "a,b,c", "x": "0,1"}))
    r3 = rank(three, [float(i) for i in range(len(three))], "y", seed=1)
    assert r3.src[0] is None and "more than two values" in r3.note


def test_drivers_are_the_clear_factors_most_important_first():
    swings = [Swing("0", "1", 0.0, 1.0)] * 3
    src = Ranking("y", "src", ["a", "b", "c"], src=[0.1, -0.9, 0.5],
                  src_ci=[(-0.1, 0.3), (-1.0, -0.8), (0.4, 0.6)], swings=swings)  # fmt: skip
    assert src.drivers() == ["b", "c"]
    sobol = Ranking("y", "sobol", ["a", "b"], first=[0.1, 0.5], first_ci=[0.1, 0.1],
                    total=[0.2, 0.7], total_ci=[0.3, 0.1], swings=swings[:2])  # fmt: skip
    assert sobol.drivers() == ["b"]
    assert Ranking("y", "none", ["a"], swings=swings[:1]).drivers() == []
