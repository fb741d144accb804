"""Safe YAML reading: positions of keys, refused tags and duplicates, syntax errors."""

import pytest

from sim.errors import ScenarioError
from sim.yamlfile import parse_yaml


def test_marks_record_the_line_of_every_key_path():
    data, marks = parse_yaml("a:\n  b: 1\n  c:\n    - x\n    - y\n", "f.yaml")
    assert data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert marks[("a",)] == (1, 1)
    assert marks[("a", "b")] == (2, 3)
    assert marks[("a", "c", 1)][0] == 5


@pytest.mark.parametrize(
    "text", ["x: !!python/object:os.system 'ls'", "x: !custom 3", "x: !!python/name:os.system"]
)
def test_tags_other_than_plain_data_are_refused(text):
    with pytest.raises(ScenarioError) as err:
        parse_yaml(text, "t.yaml")
    problem = err.value.problems[0]
    assert "tag" in problem.message and "not allowed" in problem.message
    assert (problem.file, problem.line, problem.path) == ("t.yaml", 1, "x")


def test_duplicate_keys_are_refused_with_both_lines():
    with pytest.raises(ScenarioError) as err:
        parse_yaml("a: 1\nb: 2\na: 3\n", "d.yaml")
    problem = err.value.problems[0]
    assert problem.line == 3
    assert "duplicate key 'a' (first given on line 1)" in problem.message


def test_syntax_error_names_the_line():
    with pytest.raises(ScenarioError) as err:
        parse_yaml("a: [1, 2\nb: 3\n", "s.yaml")
    problem = err.value.problems[0]
    assert problem.file == "s.yaml" and problem.line is not None
    assert problem.message.startswith("not valid YAML")


def test_dates_and_month_strings_are_plain_data():
    data, _ = parse_yaml("a: 2026-04\nb: 2026-04-15\n")
    assert data["a"] == "2026-04"
    assert str(data["b"]) == "2026-04-15"
