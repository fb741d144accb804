"""Loading scenarios: extends, overrides, and a clear message for each kind of bad input."""

from pathlib import Path

import pytest
import yaml
from conftest import NEUTRAL, SCENARIOS

import sim
from sim.errors import ScenarioError
from sim.scenario.loader import scenario_from_dict


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


@pytest.mark.parametrize("date", ["2026-02", "2005-12"])
def test_an_estimate_date_after_the_start_or_too_early(tmp_path, base, date):
    path = write(tmp_path, "e.yaml", f"extends: base.yaml\narsenal:\n  estimate_date: {date}\n")
    p = one(path)
    assert (p.line, p.path) == (3, "arsenal.estimate_date")
    assert p.message == (
        f"{date} must lie at most 20 years before the start (2026-01), not after it"
    )


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


# ------------------------------------------------------------------ hostile input (issue 9)


def test_a_long_extends_chain_is_refused_at_the_cap_without_recursion(tmp_path, base):
    for i in range(1500):
        write(tmp_path, f"c{i}.yaml", f"extends: c{i + 1}.yaml\n" if i < 1499 else NEUTRAL)
    p = one(tmp_path / "c0.yaml")
    assert (p.file, p.line, p.path) == (str(tmp_path / "c31.yaml"), 1, "extends")
    assert "more than 32 scenario files extend one another" in p.message
    write(tmp_path, "c20.yaml", "extends: base.yaml\ntitle: twenty\n")
    assert sim.load_scenario(tmp_path / "c0.yaml").arsenal.production_rate.value == 12


def test_a_value_a_child_deletes_or_replaces_is_blamed_on_the_child(tmp_path, base):
    child = write(tmp_path, "child.yaml", "extends: base.yaml\narsenal:\n  production_rate: null\n")
    p = one(child)
    assert (p.file, p.line) == (str(child), 3) and p.message.startswith("missing required key")
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\ndeal:\n  shutdown_months: {uniform: [1]}\n"
    )
    assert (one(child).file, one(child).line) == (str(child), 3)


def test_a_change_in_the_child_that_breaks_a_parent_value_points_at_the_child(tmp_path, base):
    write(
        tmp_path,
        "mid.yaml",
        "extends: base.yaml\ncalendar:\n  e:\n    at: 2027-01\n    action: open_talks\n",
    )
    child = write(tmp_path, "child.yaml", "extends: mid.yaml\nstart: 2030-01\n")
    p = one(child)
    assert (p.file, p.line, p.path) == (str(child), 2, "calendar.e.at")
    assert "outside the horizon" in p.message and f"{tmp_path / 'mid.yaml'}:4" in p.hint
    p = one(tmp_path / "mid.yaml", overrides=["start=2030-01"])
    assert p.file == "--set start=2030-01"


def test_an_unknown_set_path_names_the_option_with_a_did_you_mean(base):
    p = one(base, overrides=["arsenal.prodution_rate=3"])
    assert (p.file, p.line, p.path) == ("--set arsenal.prodution_rate=3", None, p.path)
    assert p.path == "arsenal.prodution_rate" and p.hint == "did you mean 'production_rate'?"
    assert str(p).startswith("--set arsenal.prodution_rate=3: arsenal.prodution_rate: unknown")
    p = one(base, overrides=["talks.nope.deeper=1"])
    assert p.file == "--set talks.nope.deeper=1" and p.message == "unknown key 'nope'"


def test_set_extends_is_refused_so_the_saved_scenario_is_what_ran(tmp_path, base):
    p = one(base, overrides=["extends=other.yaml"])
    assert p.file == "--set extends=other.yaml" and "cannot be changed" in p.message
    with pytest.raises(ScenarioError):
        scenario_from_dict({**NEUTRAL, "extends": "base.yaml"})


def test_the_resolved_data_describes_exactly_what_ran(tmp_path, base):
    child = write(tmp_path, "child.yaml", "extends: base.yaml\ntalks:\n  rounds_per_year: 2\n")
    s = sim.load_scenario(child, overrides=["deal.relief=0.3", "arsenal.growth={uniform: [0, 1]}"])
    saved = write(tmp_path, "saved.yaml", s.resolved)
    again = sim.load_scenario(saved)
    assert again.content_hash() == s.content_hash() and again.resolved == s.resolved
    assert "extends" not in s.resolved and s.deal.relief.value == 0.3


@pytest.mark.parametrize("secret", ["root:$6$hash:19000:0:99999:7:::\n", "password: hunter2\n"])
def test_a_parent_that_is_not_a_scenario_is_refused_without_quoting_it(tmp_path, secret):
    (tmp_path / "shadow").write_text(secret)
    p = one(write(tmp_path, "a.yaml", "extends: shadow\n"))
    assert p.path == "extends" and "not a scenario file" in p.message
    (tmp_path / "conf.yaml").write_text(secret)
    found = problems(write(tmp_path, "b.yaml", "extends: conf.yaml\n"))
    assert "not a scenario file" in found[0].message
    assert not any(word in str(found) for word in ("hunter2", "password", "19000"))


def test_a_facts_file_that_is_not_one_is_refused_without_quoting_it(tmp_path, base):
    (tmp_path / "notes.yaml").write_text("api_key: s3cret\n")
    text = "extends: base.yaml\nfacts: notes.yaml\ntalks:\n  trust_gain: {value: 0.1, source: f}\n"
    p = one(write(tmp_path, "f.yaml", text))
    assert "not a facts file" in p.message and "s3cret" not in str(p) and "api_key" not in str(p)
    p = one(write(tmp_path, "g.yaml", text.replace("notes.yaml", "/etc/passwd")))
    assert p.line == 2 and "is not a .yaml file" in p.message


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "a/b", "-rf", "x" * 101, "a\nb"])
def test_names_must_be_one_safe_folder_name(tmp_path, base, name):
    p = one(write(tmp_path, "n.yaml", {"extends": "base.yaml", "name": name}))
    assert p.path == "name" and p.line == 2 and "is not a safe folder name" in p.message


@pytest.mark.parametrize(("stem", "name"), [("..", "_."), (".yaml", "_yaml"), ("-x y", "_x_y")])
def test_names_taken_from_a_file_stem_are_made_safe(tmp_path, base, stem, name):
    path = tmp_path / f"{stem}.yaml"
    path.write_text("extends: base.yaml\n")
    assert sim.load_scenario(path).name == name


@pytest.mark.parametrize(
    ("text", "line", "path"),
    [
        ('title: "\\e[2Jcleared"\n', 2, "title"),
        ('description: "a\\0b"\n', 2, "description"),
        ('arsenal:\n  facilities:\n    open_site: {label: "\\x9b31m"}\n', 4, None),
    ],
)
def test_control_characters_in_text_fields_are_refused_at_load(tmp_path, base, text, line, path):
    p = one(write(tmp_path, "c.yaml", "extends: base.yaml\n" + text))
    assert p.line == line and "control character" in p.message
    assert path is None or p.path == path
    p = one(base, overrides=['title="\\e]0;owned\\a"'])
    assert p.file.startswith("--set title=") and "control character" in p.message


def test_control_characters_from_python_mappings_are_refused_too(neutral):
    neutral["title"] = "a\x1b[31mb"
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(neutral)
    assert err.value.problems[0].path == "title" and "\x1b" not in str(err.value)


@pytest.mark.parametrize(
    ("source", "where", "message"),
    [
        ("start: 2026-02-30\n", ("d.yaml", 2), "day 30 does not exist in 2026-02"),
        ("start: 2026-13\n", ("d.yaml", 2), "month 13 is not between 1 and 12"),
        ("start: 0000-01\n", ("d.yaml", 2), "the year 0 is outside 1900-2200"),
        (
            "calendar:\n  e: {at: 2027-02-29, action: open_talks}\n",
            ("d.yaml", 3),
            "day 29 does not exist in 2027-02",
        ),
    ],
)
def test_impossible_dates_are_located_problems(tmp_path, base, source, where, message):
    p = one(write(tmp_path, "d.yaml", "extends: base.yaml\n" + source))
    assert (Path(p.file).name, p.line) == where and message in p.message
    p = one(base, overrides=["start=2026-02-30"])
    assert p.file == "--set start=2026-02-30" and "day 30 does not exist" in p.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".inf", "expected a finite number, got inf"),
        (".nan", "expected a finite number, got nan"),
        ("1e308", "1e+308 is beyond any plausible value"),
        ("{uniform: [0, .inf]}", "expected a finite number, got inf"),
        ("{uniform: [0, 1e300]}", "1e+300 is beyond any plausible value"),
        ("{beta: [.inf, 2]}", "expected less than or equal to 10000, got inf"),
        ("200000", "a production rate must be between 0 and 100000 a year to be plausible"),
        ("{lognormal: [12, 3]}", "lognormal(median 12, sigma 3) can give values from 0 to"),
    ],
)
def test_infinite_and_absurd_numbers_are_refused(tmp_path, base, value, message):
    p = one(
        write(tmp_path, "x.yaml", f"extends: base.yaml\narsenal:\n  production_rate: {value}\n")
    )
    assert p.line == 3 and p.path.startswith("arsenal.production_rate") and message in p.message


def test_text_meant_as_a_number_gets_a_hint(tmp_path, base):
    p = one(write(tmp_path, "x.yaml", "extends: base.yaml\narsenal:\n  production_rate: 1,000\n"))
    assert p.hint == "write the number plainly, e.g. 1000 (no thousands separators or %)"


def test_an_override_path_that_cannot_be_a_key_path_is_refused(base):
    p = one(base, overrides=[".".join(["a"] * 40) + "=1"])
    assert p.file.startswith("--set a.a.a") and "not a key path" in p.message
    assert one(base, overrides=["a..b=1"]).message == "empty key in the path"


def test_a_scenario_keeps_its_overrides_as_given():
    given = ["deal.relief=0.3", "arsenal.growth={uniform: [0, 0.1]}"]
    assert sim.load_scenario(SCENARIOS / "freeze.yaml", overrides=given).overrides == given
    as_mapping = {"deal.relief": 0.3, "talks.us_demand": "arms_control", "title": None}
    assert sim.load_scenario(SCENARIOS / "freeze.yaml", overrides=as_mapping).overrides == [
        "deal.relief=0.3",
        "talks.us_demand=arms_control",
        "title=",
    ]
    assert sim.load_scenario(SCENARIOS / "freeze.yaml").overrides == []


def test_overrides_on_a_scenario_object_are_blamed_as_on_a_file():
    """apply_overrides (a `Scenario` given to sim.run, compare, sweep, discover) names the
    override that made a value of the scenario wrong, as load_scenario does."""
    from sim.scenario.loader import apply_overrides

    scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
    for attempt in (
        lambda: sim.load_scenario(SCENARIOS / "freeze.yaml", overrides=["start=2040-01"]),
        lambda: apply_overrides(scenario, ["start=2040-01"]),
    ):
        with pytest.raises(ScenarioError) as caught:
            attempt()
        p = caught.value.problems[0]
        assert (p.file, p.path) == ("--set start=2040-01", "calendar.new_us_administration.at")
        assert p.message == "2029-01 is outside the horizon (2040-01 to 2050-01)"
        assert p.hint.endswith("this change makes it wrong")


@pytest.mark.parametrize("path", ["start", "arsenal.estimate_date"])
def test_a_month_with_a_day_is_refused_in_words_that_fit_its_field(path):
    """The start and an estimate's date are months: the message names the field given, not
    'the start' for both."""
    with pytest.raises(ScenarioError) as caught:
        sim.load_scenario(SCENARIOS / "freeze.yaml", overrides=[f"{path}=2025-01-15"])
    p = caught.value.problems[0]
    assert p.path == path
    assert p.message == "expected a month like 2026-01, without a day, got '2025-01-15'"
