"""Figures that read as exact are exact: one rounding rule everywhere, Monte Carlo intervals on
every probability and percentile, and headlines built from the figures themselves."""

import copy
import json
import re
from pathlib import Path

import pytest
from conftest import SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim
from sim.cli.app import app
from sim.engine.sketch import ALPHA
from sim.engine.summary import PERCENTILES, share
from sim.report import markdown as report
from sim.report.rounding import difference, estimate, fmt, percentile, place, probability, span

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})
FREEZE = SCENARIOS / "freeze.yaml"
#: A 0 that is not alone (0.00, -0, +0, -0.0...) reads as a rounded-away figure.
FALSE_ZERO = re.compile(r"(?<![\d.,])[-+]?0\.0+(?![\d])|(?<![\d.,])-0(?![\d.])|\+0(?![\d.])")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize(
    ("x", "se", "text"),
    [
        (0.004, 0.002, "0.0040 ± 0.0020"),  # was 0.00 ± 0.00 in report headlines
        (0.0, 0.00098, "0 ± 0.00098"),  # a probability of 0 with its honest error
        (175.32, 2.227, "175.3 ± 2.2"),
        (1_234_567.0, 3210.0, "1,234,600 ± 3,200"),
        (0.999, 0.000999, "0.9990 ± 0.0010"),  # 0.000999 rounds to 0.0010, not 0.00100
        (0.00004, 0.3, "0.00004 ± 0.30"),  # never rounded to 0
        (-0.2, 3.0, "-0.2 ± 3.0"),
        (2.0, 0.0, "2 ± 0"),
        (0.1115650800742149, 2.6e-18, "0.112 ± 2.6e-18"),  # floating-point noise, not digits
        (None, 0.1, "–"),
    ],
)
def test_a_figure_is_written_to_the_digits_its_error_justifies(x, se, text):
    assert estimate(x, se) == text


@pytest.mark.parametrize(
    ("x", "text"),
    [(0, "0"), (-0.0, "0"), (6.0, "6"), (-3.0, "-3"), (187.4, "187"), (16.73, "16.7"),
     (0.0395, "0.0395"), (1234.5, "1,234"), (2.5e-7, "2.50e-07"), (None, "–")],
)  # fmt: skip
def test_figures_without_an_error_have_three_digits_and_whole_numbers_none(x, text):
    assert fmt(x) == text


def test_differences_and_intervals_never_read_minus_zero():
    assert difference({"diff": -0.3, "se": 2.0, "ci95": [-4.3, 3.7]}) == "-0.3 [-4.3, +3.7]"
    assert difference({"diff": -12.13, "se": 1.3, "ci95": [-14.68, -9.58]}) == "-12.1 [-14.7, -9.6]"
    assert difference({"diff": 6.0, "se": 0.0, "ci95": [6.0, 6.0]}) == "+6 [+6, +6]"
    assert difference({"diff": 0.0, "se": 0.0, "ci95": [0.0, 0.0]}) == "0 [0, 0]"
    assert difference({"diff": 0.004, "se": 0.3, "ci95": [-0.6, 0.6]}) == "+0.004 [-0.60, +0.60]"
    assert span(-5.0, 3.0) == "-5 to 3" and span(None, 7.0) == "up to 7"
    assert span(None, None) == "too few replications"


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).filter(lambda v: v != 0),
    st.floats(min_value=1e-9, max_value=1e6),
)
def test_no_figure_is_rounded_to_zero_or_beyond_its_rounding(x, se):
    text = estimate(x, se)
    shown, _, error = text.partition(" ± ")
    assert not FALSE_ZERO.search(text) and shown not in ("0", "-0")
    value = float(shown.replace(",", ""))
    if "e" in text:  # a negligible s.e., or x too small for fixed decimals: 3 digits
        assert value == pytest.approx(x, rel=5e-3)
    else:  # x to the place of the s.e.'s second significant digit, or finer
        assert abs(value - x) <= 10.0 ** -place(se) / 2 * (1 + 1e-9) + abs(x) * 1e-12
        assert float(error.replace(",", "")) > 0


def test_a_small_probability_reads_with_its_digits_in_the_headline(tmp_path):
    summary = sim.run(sim.load_scenario(FREEZE), reps=30, seed=1, workers=1).summary()
    summary["probabilities"]["nuclear_test"] = share(4, 1000)
    lines = report.headline(summary)
    test = next(line for line in lines if line.startswith("P(a nuclear test)"))
    assert test == "P(a nuclear test) = 0.0040 ± 0.0020 [MC 0.0016–0.0102]."
    summary["probabilities"]["nuclear_test"] = share(0, 1000)
    test = next(line for line in report.headline(summary) if "nuclear test" in line)
    assert test == "P(a nuclear test) = 0 ± 0.00098 [MC 0–0.00383]."


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = invoke("run", FREEZE, "--reps", 300, "--seed", 8, "-w", 1, "-o", out)
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1].removeprefix("Results: "))
    return result.output, folder, json.loads((folder / "summary.json").read_text())


def test_the_terminal_and_both_reports_write_a_figure_alike(cli_run):
    output, folder, summary = cli_run
    md = (folder / "report.md").read_text()
    page = (folder / "report.html").read_text()
    for event in ("deal_reached", "freeze_collapsed", "nuclear_test", "talks_opened"):
        text = probability(summary["probabilities"][event])
        assert text in output and text in md and text in page, (event, text)
    fw = summary["metrics"]["final_warheads"]
    assert percentile(fw, 50) in output and percentile(fw, 50) in md
    assert f"median {percentile(fw, 50)}; 90% interval {percentile(fw, 5)}" in md
    for name, source in (("terminal", output), ("report.md", md)):
        assert not FALSE_ZERO.search(source), (name, FALSE_ZERO.search(source))
    launches = summary["metrics"]["missile_launches"]
    assert all(launches[f"p{q}"] == int(launches[f"p{q}"]) for q in PERCENTILES)


def test_summary_json_gives_every_probability_and_percentile_an_interval(cli_run):
    _, _, summary = cli_run
    for name, p in summary["probabilities"].items():
        low, high = p["ci95"]
        assert low <= p["p"] <= high and high > low and p["mcse"] > 0, name
    for name, m in summary["metrics"].items():
        if not m["n"]:
            continue
        for q in PERCENTILES:
            low, high = m[f"p{q}_ci95"]
            assert low is None or low <= m[f"p{q}"], (name, q)
            assert high is None or m[f"p{q}"] <= high, (name, q)
    band = summary["trajectories"]["warheads"]
    assert len(band["p50_ci95"]) == len(band["months"])
    assert all(lo <= mid <= hi for (lo, hi), mid in zip(band["p50_ci95"], band["p50"], strict=True))


def test_a_streamed_run_has_the_same_headline_and_intervals(tmp_path):
    scenario = sim.load_scenario(FREEZE)
    kept = sim.run(scenario, reps=1000, seed=2, workers=1).summary()
    streamed = sim.run(scenario, reps=1000, seed=2, workers=1, stream=True).summary()
    assert streamed["trajectories"] == {}
    # the same sentences; percentiles of a streamed run are within 0.1% (its sketch)
    numbers = re.compile(r"\d[\d,.]*")
    for a, b in zip(report.headline(streamed), report.headline(kept), strict=True):
        assert numbers.sub("#", a) == numbers.sub("#", b)
        got = [float(v.replace(",", "").rstrip(".")) for v in numbers.findall(a)]
        want = [float(v.replace(",", "").rstrip(".")) for v in numbers.findall(b)]
        assert got == pytest.approx(want, rel=0.01)
    assert report.headline(streamed)[0].startswith("Assembled warheads after 10 years: median")
    assert streamed["probabilities"] == kept["probabilities"]
    for name, k in kept["metrics"].items():
        for q in PERCENTILES:
            a, b = streamed["metrics"][name][f"p{q}_ci95"], k[f"p{q}_ci95"]
            if b is None:
                assert a is None, (name, q)
                continue
            for x, y in zip(a, b, strict=True):  # None: too few replications for that end
                assert x == y if y is None else x == pytest.approx(y, rel=2 * ALPHA, abs=1e-9)


def test_the_headline_comes_from_the_metrics_not_from_the_paths():
    summary = sim.run(sim.load_scenario(FREEZE), reps=20, seed=1, workers=1).summary()
    bare = copy.deepcopy(summary)
    bare["trajectories"] = {}
    assert report.headline(bare) == report.headline(summary)
    bare["metrics"]["final_warheads"] = {**bare["metrics"]["final_warheads"], "n": 0}
    assert not any(line.startswith("Assembled warheads") for line in report.headline(bare))
