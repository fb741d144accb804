"""The history file's problems are located like a scenario's: file, line and key path."""

import pytest

import sim
from sim.scenario.history import load_history


def problems(tmp_path, text: str) -> list:
    path = tmp_path / "history.yaml"
    path.write_text(text)
    with pytest.raises(sim.ScenarioError) as info:
        load_history(path)
    return info.value.problems


def test_a_message_with_a_colon_in_it_is_kept_whole_and_located(tmp_path):
    (p,) = problems(
        tmp_path,
        "history:\n  freezes:\n"
        "    - {id: a, start: '2000: 01', end: 2012-04, kind: production, source: x}\n",
    )
    assert p.path == "history.freezes.0.start"
    assert p.message == "expected a date like 2026-04 or 2026-04-15, got '2000: 01'"
    assert (p.line, p.column) == (3, 15)


def test_an_id_repeated_across_estimates_and_freezes_is_located_at_the_second(tmp_path):
    (p,) = problems(
        tmp_path,
        "history:\n  estimates:\n"
        "    - {id: a, date: 2020-01, measure: warheads, value: 3, source: x}\n"
        "  freezes:\n"
        "    - {id: b, start: 2012-02, end: 2012-04, kind: production, source: x}\n"
        "    - {id: a, start: 2012-02, end: 2012-04, kind: production, source: x}\n",
    )
    assert (p.path, p.line, p.message) == ("history.freezes.1.id", 6, "'a' is used twice")


def test_a_year_given_twice_is_located_at_the_second(tmp_path):
    (p,) = problems(
        tmp_path,
        "history:\n  counts:\n    nuclear_tests:\n"
        "      - {year: 2020, value: 1, source: x}\n"
        "      - {year: 2021, value: 1, source: x}\n"
        "      - {year: 2020, value: 1, source: x}\n",
    )
    assert (p.path, p.line) == ("history.counts.nuclear_tests.2.year", 6)
    assert p.message == "2020 is given twice"


def test_a_value_outside_its_range_is_located_at_the_value(tmp_path):
    (p,) = problems(
        tmp_path,
        "history:\n  estimates:\n    - id: a\n      date: 2020-01\n      measure: warheads\n"
        "      value: 0\n      low: 1\n      source: x\n",
    )
    assert (p.path, p.line) == ("history.estimates.0.value", 6)
    assert p.message == "0 must lie within low 1 and high 0"


def test_a_freeze_that_ends_before_it_starts_is_located_at_the_end(tmp_path):
    (p,) = problems(
        tmp_path,
        "history:\n  freezes:\n"
        "    - {id: a, start: 2012-04, end: 2012-04, kind: testing, source: x}\n",
    )
    assert p.path == "history.freezes.0.end"
    assert p.message == "2012-04 must come after start 2012-04"
