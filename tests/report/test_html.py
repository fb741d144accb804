"""HTML reports: one self-contained file, charts embedded as PNG data URIs, plots optional."""

import base64
import copy
import re
import sys

import pytest
from conftest import SCENARIOS

import sim
from sim.analysis import compare as C
from sim.analysis.runs import from_results
from sim.report import comparison as R
from sim.report import html

PNG = b"\x89PNG\r\n\x1a\n"
RUN_CHARTS = {"warheads.png", "material.png", "freeze_in_force.png", "deal_reached.png",
              "final_warheads.png"}  # fmt: skip


@pytest.fixture(scope="module")
def results():
    return sim.run(sim.load_scenario(SCENARIOS / "freeze.yaml"), reps=24, seed=6, workers=1)


@pytest.fixture(scope="module")
def run_folder(results, tmp_path_factory):
    return results.save(tmp_path_factory.mktemp("out"), run_id="html-run")


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory):
    runs = C.gather([SCENARIOS / "stalled.yaml", SCENARIOS / "freeze.yaml"], reps=24, seed=6,
                    workers=1)  # fmt: skip
    return R.save(C.compare(runs), runs, tmp_path_factory.mktemp("out"))


def embedded_images(text):
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', text)]


def assert_self_contained(text):
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "http://" not in text and "https://" not in text
    assert "<script" not in text and "<link" not in text
    sources = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)


def test_a_run_report_is_one_self_contained_file_with_its_charts(run_folder):
    text = (run_folder / "report.html").read_text(encoding="utf-8")
    assert_self_contained(text)
    images = embedded_images(text)
    assert len(images) == len(RUN_CHARTS) and all(png.startswith(PNG) for png in images)
    beside = {p.name: p.read_bytes() for p in run_folder.glob("*.png")}
    assert set(beside) == RUN_CHARTS
    assert sorted(images) == sorted(beside.values())  # the same pictures, saved beside


def test_a_run_report_has_the_figures_parameters_facts_and_provenance(run_folder, results):
    text = (run_folder / "report.html").read_text(encoding="utf-8")
    summary = results.summary()
    assert "<h1>Freeze for relief</h1>" in text
    for heading in ("Headline", "Charts", "By year", "What drives the headline figures",
                    "Figures", "Parameters", "Facts cited", "Provenance"):  # fmt: skip
        assert f">{heading}</h" in text, heading
    assert "<code>final_warheads</code>" in text and "± " in text
    assert (
        "<code>arsenal.production_rate</code>" in text and "lognormal(median 9, sigma 0.4)" in text
    )
    assert "arsenal.production_rate: " in text and "% of the variance" in text  # a driver
    assert "<code>sipri_2025_warheads</code>" in text
    assert summary["provenance"]["scenario_hash"] in text and "seed 6, 24 replications" in text


def test_a_comparison_report_overlays_the_scenarios_and_names_what_differs(compare_folder):
    text = (compare_folder / "report.html").read_text(encoding="utf-8")
    assert_self_contained(text)
    images = embedded_images(text)
    assert len(images) == len(RUN_CHARTS) + 1 and all(png.startswith(PNG) for png in images)
    assert {p.name for p in compare_folder.glob("*.png")} == RUN_CHARTS | {"averted.png"}
    assert "<h2>Weapons averted</h2>" in text and "year 5 (2031-01)" in text
    assert "<code>calendar.us_offer.at</code>" in text and "(not set)" in text
    assert "freeze − stalled [95% CI]" in text
    assert text.count("<details>") == 2  # every parameter of each scenario


def test_without_matplotlib_the_reports_say_plots_are_off(results, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    folder = results.save(tmp_path, run_id="no-plots")
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert "Plots are off: matplotlib is not installed" in text
    assert "<img" not in text and not list(folder.glob("*.png"))
    assert "<code>final_warheads</code>" in text  # the rest is all there
    assert {"summary.json", "report.md", "replications.csv", "trajectories.npz"} <= {
        p.name for p in folder.iterdir()
    }
    runs = [from_results(results, "a"), from_results(results, "b")]
    compared = R.save(C.compare(runs), runs, tmp_path)
    assert "Plots are off" in (compared / "report.html").read_text(encoding="utf-8")
    assert (compared / "comparison.json").exists() and not list(compared.glob("*.png"))


def test_text_from_the_scenario_is_escaped(results):
    summary = copy.deepcopy(results.summary())
    summary["scenario"]["title"] = "<script>alert(1)</script> & co"
    text = html.run_html(summary, {}, None)
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text


def test_a_run_without_monthly_paths_still_gets_its_report(tmp_path):
    scenario = sim.load_scenario(SCENARIOS / "stalled.yaml")
    bare = sim.run(scenario, reps=6, seed=1, workers=1, trajectories=False)
    folder = bare.save(tmp_path, run_id="bare")
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert_self_contained(text)
    assert {p.name for p in folder.glob("*.png")} == RUN_CHARTS - {"warheads.png", "material.png"}
    assert "warheads: median" not in text and "P(freeze in force)" in text
