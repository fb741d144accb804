"""Safe YAML reading: positions of keys, refused tags and duplicates, syntax errors, and
bounded reading of hostile input (alias bombs, nesting, control characters, odd files)."""

import os
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import yamlfile
from sim.scenario.yamlfile import parse_yaml, read_yaml


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


# ------------------------------------------------------------------ hostile input, bounded

BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def refused(text, file="t.yaml"):
    with pytest.raises(ScenarioError) as err:
        parse_yaml(text, file)
    (problem,) = err.value.problems
    return problem


def test_an_alias_bomb_is_refused_where_it_grows_too_large():
    assert len(BOMB) < 400
    p = refused(BOMB)
    assert p.line == 6 and "aliases expand this to more than 500,000 values" in p.message


def test_aliases_within_the_limit_work_and_are_copies_not_shared():
    data, marks = parse_yaml("a: &x {p: 1}\nb: *x\nc: {<<: *x, q: 2}\n")
    assert data == {"a": {"p": 1}, "b": {"p": 1}, "c": {"p": 1, "q": 2}}
    data["b"]["p"] = 5  # an override of one place must not change the other
    assert data["a"]["p"] == 1 and marks[("b", "p")] == (1, 8)


def test_recursive_aliases_and_deep_nesting_are_refused_with_a_line():
    p = refused("x: 1\na: &a [1, *a]\n")
    assert p.line == 2 and "refers to a mapping or list that contains it" in p.message
    p = refused("x:\n  " + "[" * 500 + "]" * 500 + "\n")
    assert p.line == 2 and "nested more than 64 levels deep" in p.message
    deep = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 80))
    assert "aliases nest this more than 64 levels deep" in refused(deep).message


@pytest.mark.parametrize(
    ("text", "line", "column", "what"),
    [
        ("a: 1\nb: x\x00y\n", 2, 5, "U+0000 (NUL)"),
        ('a: 1\nb: "\\e[31mred"\n', 2, 4, "U+001B (ESC)"),
        ('t: "right\\u202eleft"\n', 1, 4, "RIGHT-TO-LEFT OVERRIDE"),
        ('"a\\tb": 1\n', 1, 1, "U+0009"),
    ],
)
def test_control_characters_are_refused_with_their_place_and_not_printed(text, line, column, what):
    p = refused(text)
    assert (p.line, p.column) == (line, column) and what in p.message
    assert "\x00" not in str(p) and "\x1b" not in str(p)


def test_prose_may_hold_newlines_and_tabs():
    data, _ = parse_yaml('d: "one\\ttwo\\nthree"\n')
    assert data == {"d": "one\ttwo\nthree"}


def test_dates_stay_text_so_impossible_ones_reach_the_date_check():
    data, _ = parse_yaml("a: 2026-02-30\nb: 2026-04-15 10:00:00\n")
    assert data == {"a": "2026-02-30", "b": "2026-04-15 10:00:00"}


def test_exponents_without_a_dot_are_numbers_as_in_yaml_1_2():
    data, _ = parse_yaml("a: 1e308\nb: -2E-3\nc: 1.0e5\nd: 1e400\ne: 1_000\nf: e5\n")
    assert data == {"a": 1e308, "b": -0.002, "c": 1e5, "d": float("inf"), "e": 1000, "f": "e5"}


def test_an_integer_too_long_to_convert_is_refused():
    assert "more than 40 digits" in refused("seed: " + "9" * 5000 + "\n").message


def test_non_regular_files_are_refused_before_they_are_opened(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    for path, reason in [
        (fifo, "it is not a regular file"),
        (tmp_path, "it is a directory"),
        (Path("/dev/zero"), "it is not a regular file"),
        (tmp_path / "missing.yaml", "file not found"),
    ]:
        with pytest.raises(ScenarioError) as err:
            read_yaml(path)
        assert reason in err.value.problems[0].message


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_proc_files_are_read_bounded_and_refused_without_echo():
    with pytest.raises(ScenarioError) as err:
        read_yaml(Path("/proc/self/environ"))  # NUL-separated, never printed back
    assert "U+0000 (NUL)" in err.value.problems[0].message
    assert os.environ.get("PATH", "PATH") not in str(err.value)


def test_a_file_over_the_size_limit_is_refused_without_reading_it_all(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 1000)
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 1000)
    with pytest.raises(ScenarioError) as err:
        read_yaml(big)
    assert "larger than" in err.value.problems[0].message


def test_text_that_is_not_utf8_is_refused_at_its_line(tmp_path):
    bad = tmp_path / "latin.yaml"
    bad.write_bytes(b"a: 1\ntitle: caf\xe9\n")
    with pytest.raises(ScenarioError) as err:
        read_yaml(bad)
    p = err.value.problems[0]
    assert (p.line, p.column) == (2, 11) and "not UTF-8" in p.message
