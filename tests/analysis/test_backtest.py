"""Back-tests: the history file, the scores, and the comparison of runs with the record."""

import base64
import itertools
import json
import math
from html import escape

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS
from typer.testing import CliRunner

import sim
from sim.analysis.backtest import (
    _binomial_band,
    backtest,
    first_freezes,
    interval_score,
    kaplan_meier,
    pit,
    point,
)
from sim.cli.app import app
from sim.engine.summary import COUNTS
from sim.report.backtest import markdown, model_card_section, points_table, write_backtest
from sim.report.model_card import drivers_section, parameters_section, section
from sim.scenario.history import COUNTED, Count, Estimate, load_history

HISTORY = ROOT / "seeds" / "history.yaml"


# --------------------------------------------------------------------------- the history file


def test_the_shipped_history_loads_with_every_yearbook_2017_to_2025():
    history = load_history(HISTORY)
    sipri = {e.id for e in history.estimates if e.id.startswith("sipri_")}
    for year in range(2017, 2026):
        assert f"sipri_{year}_material" in sipri
    for year in range(2022, 2026):
        assert f"sipri_{year}_warheads" in sipri
    assert {f.id for f in history.freezes} >= {"agreed_framework", "leap_day"}
    total = history.count_total("unsc_resolutions", 2017, 2025)
    assert total.value == 4 and total.span == (4, 4)


def write(tmp_path, text: str):
    path = tmp_path / "history.yaml"
    path.write_text(text)
    return path


def problems(path) -> list:
    with pytest.raises(sim.ScenarioError) as info:
        load_history(path)
    return info.value.problems


def test_an_unknown_key_is_located(tmp_path):
    path = write(
        tmp_path,
        "history:\n  estimates:\n    - id: a\n      date: 2020-01\n      measure: warheads\n"
        "      value: 3\n      source: x\n      colour: red\n",
    )
    (p,) = problems(path)
    assert (p.line, p.path) == (8, "history.estimates.0.colour")
    assert p.message == "unknown key 'colour'"


def test_a_value_outside_its_range_and_a_bad_measure_are_located(tmp_path):
    path = write(
        tmp_path,
        "history:\n  estimates:\n"
        "    - {id: a, date: 2020-01, measure: warheads, value: 30, low: 10, high: 20, source: x}\n"
        "    - {id: b, date: 2020-01, measure: missiles, value: 3, source: x}\n",
    )
    found = {p.path: p for p in problems(path)}
    assert found["history.estimates.0.value"].line == 3
    assert "must lie within" in found["history.estimates.0.value"].message
    assert found["history.estimates.1.measure"].line == 4


def test_impossible_dates_and_reversed_freezes_are_refused(tmp_path):
    path = write(
        tmp_path,
        "history:\n  freezes:\n"
        "    - {id: a, start: 2012-04, end: 2012-02, kind: production, source: x}\n"
        "    - {id: b, start: 2012-02-30, end: 2012-04, kind: production, source: x}\n",
    )
    found = problems(path)
    assert any("must come after" in p.message and p.line == 3 for p in found)
    assert any(p.path == "history.freezes.1.start" and p.line == 4 for p in found)


def test_a_repeated_id_is_refused(tmp_path):
    row = "    - {id: a, date: 2020-01, measure: warheads, value: 3, source: x}\n"
    (p,) = problems(write(tmp_path, "history:\n  estimates:\n" + row + row))
    assert "used twice" in p.message


# --------------------------------------------------------------------------- scores


def test_interval_score_is_the_width_plus_the_penalised_miss():
    assert interval_score(10, 20, 15, 90) == 10
    assert interval_score(10, 20, 25, 90) == pytest.approx(10 + 20 * 5)  # 2/alpha = 20
    assert interval_score(10, 20, 7, 50) == pytest.approx(10 + 4 * 3)


def test_pit_is_the_mid_rank_percentile():
    samples = np.array([1.0, 2.0, 2.0, 3.0])
    assert pit(samples, 2.0) == pytest.approx(0.5)
    assert pit(samples, 0.0) == 0 and pit(samples, 9.0) == 1


def test_pit_of_draws_from_the_model_itself_is_uniform():
    rng = np.random.default_rng(4)
    model = rng.lognormal(3, 0.5, 4000)
    pits = np.array([pit(model, x) for x in rng.lognormal(3, 0.5, 2000)])
    counts, _ = np.histogram(pits, bins=10, range=(0, 1))
    expected = 200
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 27.9  # 99.9% point of chi-squared with 9 degrees of freedom


def test_kaplan_meier_matches_the_exponential_survival():
    rng = np.random.default_rng(1)
    hazard = 0.3 / 12
    durations = rng.exponential(1 / hazard, 20_000)
    censor = 120.0
    events = durations < censor
    times, survival = kaplan_meier(np.minimum(durations, censor), events)
    for t in (12, 48, 96):
        s = survival[np.searchsorted(times, t, side="right") - 1]
        expected = math.exp(-hazard * t)
        se = math.sqrt(expected * (1 - expected) / durations.size)
        assert abs(s - expected) < 4 * se


def test_kaplan_meier_counts_censored_replications_at_risk():
    times, survival = kaplan_meier(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 0, 1, 1], bool))
    np.testing.assert_allclose(times, [0, 1, 3, 4])
    np.testing.assert_allclose(survival, [1, 0.75, 0.375, 0])


def test_the_binomial_band_holds_ninety_percent():
    assert _binomial_band(4, 0.5) == (0, 4)
    lo, hi = _binomial_band(100, 0.3)
    from math import comb

    mass = sum(comb(100, k) * 0.3**k * 0.7 ** (100 - k) for k in range(lo, hi + 1))
    assert mass >= 0.9 and lo > 20 and hi < 40


QS = (5, 25, 50, 75, 95)


def test_a_counts_band_is_order_statistics_and_an_estimates_interpolates():
    """The project's rule (`sim.engine.summary`): percentiles of counts are never interpolated."""
    assert set(COUNTED) <= COUNTS  # each count is named as the run's outcome it is set beside
    whole = np.arange(10.0)  # interpolated, its 25th percentile would be 2.25
    count = point("s", Count(value=3, year=2020, source="x"), "missile_launches", "2020", whole)
    bands = [count.p5, count.p25, count.p50, count.p75, count.p95]
    assert bands == [0, 2, 4, 7, 9] == np.percentile(whole, QS, method="inverted_cdf").tolist()
    assert count.is50 == 7 - 2 and count.in50
    rng = np.random.default_rng(3)
    samples = rng.lognormal(3, 0.5, 999)
    e = Estimate(id="a", date="2020-01", measure="warheads", value=20, source="x")
    estimate = point("s", e, "warheads", "2020-01", samples)
    got = [estimate.p5, estimate.p25, estimate.p50, estimate.p75, estimate.p95]
    assert got == np.percentile(samples, QS).tolist()  # to the bit


# --------------------------------------------------------------------------- runs against the record


@pytest.fixture(scope="module")
def result():
    files = sorted((SCENARIOS / "backtests").glob("*.yaml"))
    return backtest(files, HISTORY, reps=600, seed=9, workers=1)


def test_every_record_in_a_window_is_compared(result):
    history = load_history(HISTORY)
    windows = {s["name"]: (s["start"], s["end"]) for s in result.scenarios}
    for e in history.estimates:
        for name, (start, end) in windows.items():
            if name != "freezes" and start <= str(e.date)[:7] <= end:
                assert any(p.id == e.id and p.scenario == name for p in result.points), (name, e.id)
    counted = {(p.scenario, p.measure) for p in result.points if p.kind == "count"}
    assert ("from_2017", "unsc_resolutions") in counted and (
        "from_2022",
        "icbm_launches",
    ) in counted


def test_a_count_is_the_sum_of_the_whole_years_in_the_window(result):
    (p,) = [
        p for p in result.points if p.scenario == "from_2017" and p.measure == "unsc_resolutions"
    ]
    assert p.when == "2017–2024" and p.value == 4


def test_freeze_survival_sets_the_models_freezes_beside_the_four_episodes(result):
    (block,) = result.freezes
    assert block["scenario"] == "freezes" and len(block["episodes"]) == 4
    assert block["freezes"] == 600  # one freeze agreed at the start of every replication
    survival = block["model"]["survival"]
    assert survival[0] == 1 and all(a >= b for a, b in itertools.pairwise(survival))


def test_the_counts_bands_are_whole_numbers(result):
    counts = [p for p in result.points if p.kind == "count"]
    assert counts
    for p in counts:
        assert all(float(x).is_integer() for x in (p.p5, p.p25, p.p50, p.p75, p.p95)), p


def test_the_fan_charts_bands_are_the_runs_own(result):
    scenario = sim.load_scenario(SCENARIOS / "backtests" / "from_2022.yaml")
    summary = sim.run(scenario, reps=600, seed=9, workers=1).summary()
    expected = {"start": str(scenario.start_month), **summary["trajectories"]}
    assert result.bands["from_2022"] == expected


def test_the_report_reads_which_figures_are_checked_and_counts_the_freezes(result):
    data = result.to_json()
    page = markdown(data)
    episodes = len(data["freezes"][0]["episodes"])
    assert f"(history's {episodes} freezes: " in page and "history's four" not in page
    for p in data["points"]:
        (row,) = points_table([p])[2]
        assert ("not checked" in row[0]) == (not p["checked"]), row
    shown = {**data["points"][0], "checked": False}  # read from the point, not its kind
    assert "not checked" in points_table([shown])[2][0][0]


def test_the_html_report_says_what_the_markdown_says(result, tmp_path):
    """report.md and report.html are rendered from the same blocks: every heading, the
    scenario hashes and every source (the freeze episodes' too) are in both; the HTML
    also embeds the charts saved beside them, and fetches nothing."""
    data = result.to_json()
    folder = write_backtest(data, tmp_path)
    md = (folder / "report.md").read_text(encoding="utf-8")
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert md == markdown(data, folder.name)
    headings = [line.lstrip("#").strip() for line in md.splitlines() if line.startswith("#")]
    assert "How to read this" in headings and "Sources" in headings
    for heading in headings:
        level = len(md.split(f" {heading}\n", 1)[0].rsplit("\n", 1)[-1])
        assert f"<h{level}>{escape(heading, quote=False)}</h{level}>" in page, heading
    for s in data["scenarios"]:
        assert f"scenario hash <code>{s['hash']}</code>" in page
    sources = md.split("\n## Sources\n\n", 1)[1].splitlines()
    (freezes,) = data["freezes"]
    for e in freezes["episodes"]:
        assert f"- `{e['id']}`: {e['source']}" in sources
    for line in sources:
        name, source = line.removeprefix("- `").split("`: ", 1)
        assert f"<li><code>{name}</code>: {escape(source, quote=False)}</li>" in page
    charts = sorted(folder.glob("*.png"))
    assert charts and "](" not in md  # the Markdown leaves the charts to the PNGs
    for png in charts:
        assert f"base64,{base64.b64encode(png.read_bytes()).decode()}" in page
        assert f"<code>{png.name}</code></figcaption>" in page
    assert "<script" not in page and "http" not in page.split("<body>", 1)[0]
    assert "**" not in page and "`" not in page


def test_first_freezes_are_censored_at_the_horizon():
    scenario = sim.load_scenario(
        SCENARIOS / "backtests" / "freezes.yaml", overrides=["deal.breakdown_rate=0"]
    )
    res = sim.run(scenario, reps=20, seed=1, workers=1)
    durations, collapsed = first_freezes(res)
    assert not collapsed.any() and np.all(durations == 120)


def test_the_cli_writes_a_folder_and_check_fails_on_a_figure_outside(tmp_path):
    runner = CliRunner()
    common = ["--reps", "300", "--seed", "2", "--quiet", "--out", str(tmp_path)]
    ok = runner.invoke(app, ["backtest", *common], catch_exceptions=False)
    assert ok.exit_code == 0, ok.output
    (folder,) = (tmp_path / "backtests").iterdir()
    data = json.loads((folder / "backtest.json").read_text())
    assert data["totals"]["checked"] > 40
    assert {"report.md", "report.html"} <= {p.name for p in folder.iterdir()}
    html = (folder / "report.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html
    # a judgment that history contradicts: production ten times the estimates
    bad = runner.invoke(
        app, ["backtest", "--check", "--set", "arsenal.production_rate=60", *common]
    )
    assert bad.exit_code == 1
    assert "outside the 90% band" in bad.output


def test_the_model_card_is_current():
    """docs/MODEL.md carries generated tables; after a model change, regenerate them with the
    command its back-test section names."""
    card = (ROOT / "docs" / "MODEL.md").read_text(encoding="utf-8")
    body = section(card, "backtest")
    command = body.split("Generated by `", 1)[1].split("`", 1)[0]
    args = command.split()
    reps = int(args[args.index("--reps") + 1])
    seed = int(args[args.index("--seed") + 1])
    given = [a for a in args[1:] if a.endswith(".yaml") and "backtests" in a]
    fresh = backtest([ROOT / a for a in given], HISTORY, reps=reps, seed=seed, workers=2)
    data = fresh.to_json()
    data["history"] = args[args.index("--history") + 1]
    for s, a in zip(data["scenarios"], given, strict=True):
        s["path"] = a
    assert body == model_card_section(data).strip("\n")
    assert section(card, "parameters") == parameters_section(SCENARIOS)
    assert section(card, "drivers") == drivers_section(SCENARIOS, workers=2)
