"""A comparison's report: a headline to quote, and fan charts where every scenario stays readable."""

import pytest
from conftest import SCENARIOS

from sim.analysis import compare as C
from sim.report import comparison as R
from sim.report import plots
from sim.report.plots import Series

to_hex = pytest.importorskip("matplotlib.colors").to_hex
NAMES = ("stalled", "freeze", "sanctions_blocked")


@pytest.fixture(scope="module")
def compared():
    runs = C.gather([SCENARIOS / f"{n}.yaml" for n in NAMES], reps=30, seed=6, workers=1)
    return C.compare(runs), runs


def test_the_headline_says_what_each_scenario_changes_against_the_baseline(compared):
    data, _ = compared
    lines = R.headline(data)
    assert len(lines) == 4  # two sentences for each scenario against the baseline
    vs = data["scenarios"]["freeze"]["vs_baseline"]
    w, m = vs["averted"]["warheads"][-1], vs["averted"]["material"][-1]
    assert w["ci95"][0] > 0  # freezes avert warheads by the horizon, clearly
    assert lines[0] == (
        f"By 2036-01 (the end of year 10), `freeze` averts {R.ci_text(w).replace('+', '')} "
        f"assembled warheads and {R.ci_text(m).replace('+', '')} weapons-equivalent of "
        "material against `stalled` (mean and 95% CI)."
    )
    p = vs["probabilities"]["freeze_in_force_at_end"]
    assert lines[1].startswith("P(a freeze is in force at the horizon) is ")
    assert f"a change of {R.ci_text(p)} (95% CI" in lines[1]
    assert all("`sanctions_blocked`" in line for line in lines[2:])


def test_the_headline_says_adds_and_no_clear_difference_where_the_interval_says_so():
    more = {"diff": -1.75, "se": 0.057, "ci95": [-1.865, -1.64]}
    verb, text = R._averts(more, "assembled warheads")
    assert verb == "adds" and text == "1.750 [1.640, 1.865] assembled warheads"
    unclear = {"diff": 0.4, "se": 0.5, "ci95": [-0.6, 1.4]}
    assert R._averts(unclear, "x")[1].endswith(" x (no clear difference: its interval includes 0)")
    same = {"diff": 0.0, "se": 0.0, "ci95": [0.0, 0.0]}
    assert R._averts(same, "x") == ("averts", "0 [0, 0] x")


def test_the_headline_is_in_report_md_and_report_html(compared, tmp_path):
    data, runs = compared
    folder = R.save(data, runs, tmp_path)
    md = (folder / "report.md").read_text()
    html = (folder / "report.html").read_text()
    first = R.headline(data)[0]
    assert "## Headline" in md and f"- {first}" in md
    assert "<h2>Headline</h2>" in html
    assert "<code>freeze</code> averts " in html and html.index("Headline") < html.index(
        "Weapons averted</h2>"
    )


def test_overlaid_fans_become_one_panel_a_scenario_in_its_own_colour(compared):
    _, runs = compared
    series = [Series(r.label, r.summary, None) for r in runs]
    fig = plots.new_figure(height=plots.fan_height(len(series)))
    plots._fan(fig, series, "warheads", "assembled warheads")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 3
    colours = []
    for k, ax in enumerate(axes):
        bands = {to_hex(c.get_facecolor()[0]) for c in ax.collections}
        assert len(ax.collections) == 2 and len(bands) == 1  # one scenario's bands, no other's
        colours += bands
        dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert len(dashed) == (1 if k else 0)  # the baseline's median, to compare against
        assert ax.get_ylim() == axes[0].get_ylim()  # shared axes
    assert len(set(colours)) == 3
    assert [c.lower() for c in colours] == [plots._colour(k, 3).lower() for k in range(3)]


def test_four_scenarios_take_two_columns_and_a_single_run_one_chart(compared):
    _, runs = compared
    series = [Series(r.label, r.summary, None) for r in runs]
    fig = plots.new_figure(height=plots.fan_height(4))
    plots._fan(fig, [*series, series[1]], "material", "weapons-equivalent")
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 4
    assert fig.axes[1].get_position().x0 > fig.axes[0].get_position().x1  # side by side
    single = plots.new_figure()
    plots._fan(single, series[:1], "material", "weapons-equivalent")
    assert len(single.axes) == 1 and plots.fan_height(1) == plots.SIZE[1]
