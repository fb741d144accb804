"""Safe YAML reading that remembers where every key came from.

PyYAML's safe loader builds plain data but forgets positions, and silently keeps
the last of two duplicate keys. We compose the node tree first, refuse explicit
tags and duplicate keys, record the line of every key path, then build the data
with the safe constructor. Scenario text is data: nothing here can run code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ScenarioError

#: key path (tuple of str keys and int list indices) -> (line, column), 1-based.
Marks = dict[tuple, tuple[int, int]]

_STANDARD_TAG = "tag:yaml.org,2002:"


class _Loader(yaml.SafeLoader):
    """A private subclass so that nothing registered on SafeLoader elsewhere leaks in."""


def _walk(node: yaml.Node, path: tuple, marks: Marks, problems: list[Problem], file: str) -> None:
    tag = node.tag or ""
    if not tag.startswith(_STANDARD_TAG) or "python" in tag:
        problems.append(
            Problem(
                f"the YAML tag {tag!r} is not allowed",
                file=file,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
                path=".".join(map(str, path)) or None,
                hint="scenario files are plain data; remove the tag",
            )
        )
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key == "<<":  # YAML merge key: the loader merges it, positions stay approximate
                _walk(value_node, path, marks, problems, file)
                continue
            if key in seen:
                problems.append(
                    Problem(
                        f"duplicate key {key!r} (first given on line {seen[key]})",
                        file=file,
                        line=line,
                        column=key_node.start_mark.column + 1,
                        path=".".join(map(str, (*path, key))),
                        hint="YAML would silently keep only the last one; keep one",
                    )
                )
                continue
            seen[key] = line
            marks[(*path, key)] = (line, key_node.start_mark.column + 1)
            _walk(value_node, (*path, key), marks, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            marks[(*path, i)] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, (*path, i), marks, problems, file)


def parse_yaml(text: str, file: str = "<input>") -> tuple[Any, Marks]:
    """Parse one YAML document; return the data and the position of every key path."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise ScenarioError.single(
                f"not valid YAML: {exc.problem or exc.context}",
                file=file,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                hint="check indentation, colons and quotes around this line",
            ) from None
        if node is None:
            return None, {}
        marks: Marks = {}
        problems: list[Problem] = []
        _walk(node, (), marks, problems, file)
        if problems:
            raise ScenarioError(problems)
        try:
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:  # e.g. an unhashable key
            mark = exc.problem_mark
            raise ScenarioError.single(
                f"not valid YAML: {exc.problem}",
                file=file,
                line=mark.line + 1 if mark else None,
            ) from None
        return data, marks
    finally:
        loader.dispose()


def read_yaml(path: Path) -> tuple[Any, Marks]:
    """Read a YAML file; a missing or unreadable file is a `ScenarioError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError.single("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError.single(f"cannot read the file: {exc}", file=str(path)) from None
    return parse_yaml(text, str(path))
