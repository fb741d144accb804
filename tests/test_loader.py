"""Loading scenarios: extends, overrides, and a clear message for each kind of bad input."""

from pathlib import Path

import pytest
import yaml
from conftest import NEUTRAL, SCENARIOS

import sim
from sim.errors import ScenarioError


def write(tmp: Path, name: str, data) -> Path:
    path = tmp / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def problems(path, **kw):
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario(path, **kw)
    return err.value.problems


def one(path, **kw):
    found = problems(path, **kw)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


@pytest.fixture
def base(tmp_path):
    return write(tmp_path, "base.yaml", NEUTRAL)


def line_of(path: Path, text: str) -> int:
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return n
    raise AssertionError(text)


# ------------------------------------------------------------------ extends and overrides


def test_extends_deep_merges_and_null_deletes(tmp_path, base):
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\ntitle: Child\narsenal:\n  production_rate: 20\n"
        "  facilities:\n    hidden_site: null\n    open_site: {share: 1.0}\n",
    )
    s = sim.load_scenario(child)
    assert s.name == "child" and s.title == "Child"
    assert s.arsenal.production_rate.value == 20
    assert s.arsenal.initial_material.value == 80  # inherited
    assert list(s.arsenal.facilities) == ["open_site"]


def test_a_distribution_replaces_an_inherited_one_whole(tmp_path, base):
    write(
        tmp_path,
        "mid.yaml",
        "extends: base.yaml\narsenal:\n  growth: {triangular: [0, 0.05, 0.1]}\n",
    )
    child = write(
        tmp_path, "child.yaml", "extends: mid.yaml\narsenal:\n  growth: {uniform: [0, 0.2]}\n"
    )
    assert sim.load_scenario(child).arsenal.growth.describe() == "uniform(0, 0.2)"


def test_overrides_are_parsed_as_yaml(base):
    s = sim.load_scenario(
        base, overrides=["arsenal.production_rate={uniform: [5, 7]}", "talks.trust_gain=0.3"]
    )
    assert s.arsenal.production_rate.describe() == "uniform(5, 7)"
    assert s.talks.trust_gain.value == 0.3
    assert s.resolved["talks"]["trust_gain"] == 0.3


def test_override_errors_name_the_override(base):
    p = one(base, overrides=["talks.p_deal.arms_control=2"])
    assert p.file == "--set talks.p_deal.arms_control=2"
    assert "a probability must be in [0, 1]; got 2" in p.message
    p = one(base, overrides=["arsenal.growht=0.1"])
    assert p.message == "unknown key 'growht'" and p.hint == "did you mean 'growth'?"
    p = one(base, overrides=["nonsense"])
    assert "expected PATH=VALUE" in p.message


# ------------------------------------------------------------------ each bad input, its message


def test_unknown_key_with_did_you_mean(tmp_path, base):
    path = write(tmp_path, "typo.yaml", "extends: base.yaml\ntalks:\n  rounds_per_yaer: 3\n")
    p = one(path)
    assert (p.file, p.line, p.path) == (str(path), 3, "talks.rounds_per_yaer")
    assert p.message == "unknown key 'rounds_per_yaer'"
    assert p.hint == "did you mean 'rounds_per_year'?"


def test_unknown_key_in_a_distribution(tmp_path, base):
    path = write(
        tmp_path, "d.yaml", "extends: base.yaml\narsenal:\n  growth: {uniform: [0, 1], sorce: x}\n"
    )
    p = one(path)
    assert p.path == "arsenal.growth.sorce" and p.hint == "did you mean 'source'?"


def test_misspelt_distribution(tmp_path, base):
    path = write(
        tmp_path, "d.yaml", "extends: base.yaml\narsenal:\n  growth: {triangualr: [0, 1, 2]}\n"
    )
    p = one(path)
    assert p.message == "'triangualr' is not a distribution"
    assert p.hint == "did you mean 'triangular'?" and p.line == 3


def test_probability_outside_zero_one(tmp_path, base):
    path = write(tmp_path, "p.yaml", "extends: base.yaml\ntalks:\n  initial_trust: 1.2\n")
    p = one(path)
    assert (p.line, p.path) == (3, "talks.initial_trust")
    assert p.message == "a probability must be in [0, 1]; got 1.2"


def test_probability_distribution_reaching_outside_zero_one(tmp_path, base):
    path = write(
        tmp_path,
        "p.yaml",
        "extends: base.yaml\nprovocations:\n  icbm_share: {normal: [0.1, 0.05]}\n",
    )
    p = one(path)
    assert "normal(0.1, sd 0.05) can give values from -inf to inf" in p.message
    assert "low and high bounds" in p.message


def test_negative_rate(tmp_path, base):
    path = write(tmp_path, "r.yaml", "extends: base.yaml\ntalks:\n  rounds_per_year: -3\n")
    p = one(path)
    assert p.path == "talks.rounds_per_year" and p.message == "a rate must be at least 0; got -3"


def test_distribution_with_low_above_high(tmp_path, base):
    path = write(
        tmp_path, "u.yaml", "extends: base.yaml\narsenal:\n  production_rate: {uniform: [20, 8]}\n"
    )
    p = one(path)
    assert (p.line, p.path) == (3, "arsenal.production_rate.uniform")
    assert p.message == "low (20) is greater than high (8)"


def test_extends_that_does_not_exist(tmp_path):
    path = write(tmp_path, "x.yaml", "title: x\nextends: nowhere.yaml\n")
    p = one(path)
    assert (p.line, p.path) == (2, "extends")
    assert "'nowhere.yaml' does not exist" in p.message
    assert "relative to the file" in p.hint


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    p = one(tmp_path / "a.yaml")
    assert p.message == "cycle: a.yaml -> b.yaml -> a.yaml" and p.path == "extends"


def test_date_outside_the_horizon(tmp_path, base):
    path = write(
        tmp_path,
        "d.yaml",
        "extends: base.yaml\ncalendar:\n  late:\n    at: 2040-06\n    action: open_talks\n",
    )
    p = one(path)
    assert (p.line, p.path) == (4, "calendar.late.at")
    assert p.message == "2040-06 is outside the horizon (2026-01 to 2036-01)"


def test_unknown_fact_id(tmp_path):
    path = SCENARIOS / "stalled.yaml"
    text = path.read_text().replace("source: sipri_2025_warheads}", "source: sipri_2052_warheads}")
    bad = write(
        tmp_path,
        "stalled.yaml",
        text.replace("../seeds/facts.yaml", str(SCENARIOS.parent / "seeds/facts.yaml")),
    )
    p = one(bad)
    assert p.message == "unknown fact id 'sipri_2052_warheads'"
    assert p.hint == "did you mean 'sipri_2025_warheads'?"
    assert p.line == line_of(bad, "sipri_2052_warheads")


def test_citing_facts_without_a_facts_file(tmp_path, base):
    path = write(
        tmp_path,
        "f.yaml",
        "extends: base.yaml\ntalks:\n  trust_gain: {value: 0.1, source: some_fact}\n",
    )
    p = one(path)
    assert "names no facts file" in p.message and p.line == 3


def test_strict_mode_wants_a_source_for_every_number(base):
    found = problems(base, require_sources=True)
    assert all("no source" in p.message for p in found)
    assert any(p.path == "arsenal.production_rate" for p in found)


def test_calendar_set_of_an_unknown_parameter(tmp_path, base):
    path = write(
        tmp_path,
        "c.yaml",
        "extends: base.yaml\ncalendar:\n  e:\n    at: 2027-01\n    set: {talks.administraton: successor}\n",
    )
    p = one(path)
    assert p.line == 5 and p.hint == "did you mean 'talks.administration'?"


def test_calendar_set_of_a_bad_value(tmp_path, base):
    path = write(
        tmp_path,
        "c.yaml",
        "extends: base.yaml\ncalendar:\n  e:\n    at: 2027-01\n    set: {talks.us_demand: peace_now}\n",
    )
    p = one(path)
    assert "'peace_now' is not a US demand" in p.message


def test_calendar_cannot_change_initial_values(tmp_path, base):
    path = write(
        tmp_path,
        "c.yaml",
        "extends: base.yaml\ncalendar:\n  e:\n    at: 2027-01\n    set: {arsenal.initial_warheads: 3}\n",
    )
    assert "cannot be changed by an event" in one(path).message


def test_a_calendar_entry_needs_a_date_or_a_condition(tmp_path, base):
    path = write(
        tmp_path, "c.yaml", "extends: base.yaml\ncalendar:\n  e:\n    action: open_talks\n"
    )
    assert "exactly one of `at`" in one(path).message


def test_shares_must_sum_to_one(tmp_path, base):
    path = write(
        tmp_path,
        "s.yaml",
        "extends: base.yaml\narsenal:\n  facilities:\n    open_site: {share: 0.9}\n",
    )
    p = one(path)
    assert p.path == "arsenal.facilities" and "shares must sum to 1, they sum to 1.15" in p.message


def test_deal_covering_an_unknown_facility(tmp_path, base):
    path = write(tmp_path, "d.yaml", "extends: base.yaml\ndeal:\n  covers: [open_site, yongbyon]\n")
    p = one(path)
    assert p.path == "deal.covers" and "'yongbyon' is not a facility" in p.message


def test_administration_without_engagement(tmp_path, base):
    path = write(tmp_path, "a.yaml", "extends: base.yaml\ntalks:\n  administration: nobody\n")
    p = one(path)
    assert p.path == "talks.administration" and "has no engagement multiplier" in p.message


def test_missing_section(tmp_path):
    data = {k: v for k, v in NEUTRAL.items() if k != "council"}
    p = one(write(tmp_path, "m.yaml", data))
    assert p.message == "missing required key 'council'" and p.line == 1
    assert p.hint.startswith("add a `council:` section")


def test_wrong_type(tmp_path, base):
    path = write(tmp_path, "t.yaml", "extends: base.yaml\nhorizon_years: ten\n")
    p = one(path)
    assert p.line == 2 and "expected a valid integer" in p.message and "'ten'" in p.message


def test_not_a_mapping_and_empty_files(tmp_path):
    assert "mapping of sections" in one(write(tmp_path, "l.yaml", "- a\n- b\n")).message
    assert one(write(tmp_path, "e.yaml", "")).message == "the file is empty"
    assert one(tmp_path / "missing.yaml").message == "file not found"


def test_all_problems_are_reported_together(tmp_path, base):
    path = write(
        tmp_path,
        "many.yaml",
        "extends: base.yaml\ntalks:\n  initial_trust: 2\n  rounds_per_year: -1\narsenal:\n  growht: 1\n",
    )
    assert len(problems(path)) == 3
