"""Safe, bounded YAML reading that remembers where every key came from.

PyYAML's safe loader builds plain data but forgets positions, silently keeps
the last of two duplicate keys, and trusts its input: an alias bomb expands to
billions of nodes, deep nesting overflows the stack, a FIFO blocks the read.
Here the text is read from a regular file of bounded size, the node tree is
composed with its expanded size and depth counted as it grows (so aliases can
never expand beyond `MAX_NODES`, nor nest beyond `MAX_DEPTH`, nor refer to
themselves), explicit tags, duplicate keys and control characters are refused,
the line of every key path is recorded, and only then is the data built with
the safe constructor. Scenario text is data: nothing here can run code.

Two departures from YAML 1.1, both towards what an analyst means: dates stay
text (`2026-02-30` is then refused by the date check with a located message,
not by the YAML library with a traceback), and `1e308` is a number, as in
YAML 1.2 and JSON, not the string '1e308'.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from sim.errors import CONTROL, Problem, ScenarioError


class _PyEvents(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own parser, for a PyYAML built without libyaml."""

    def __init__(self, text: str) -> None:  # pragma: no cover - PyYAML built without libyaml
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


#: Where the loader's events come from. Which parser is there is known only at run time,
#: so for the checker this base class is Any.
_Events: Any
try:  # libyaml's parser gives the same events several times faster than PyYAML's
    from yaml._yaml import CParser as _Events
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Events = _PyEvents

#: key path (tuple of str keys and int list indices) -> (line, column), 1-based.
Marks = dict[tuple, tuple[int, int]]

#: Largest input file read, in bytes (a scenario with 10,000 facilities is ~0.6 MB).
MAX_BYTES = 8 * 1024 * 1024
#: Most values a document may hold once aliases are expanded.
MAX_NODES = 500_000
#: Deepest nesting of mappings and lists, aliases expanded (scenarios need about 7).
MAX_DEPTH = 64
#: Longest integer written in digits (Python refuses to convert beyond 4,300).
MAX_DIGITS = 40

_STANDARD_TAG = "tag:yaml.org,2002:"
_FLOAT_TAG = _STANDARD_TAG + "float"
_INT_TAG = _STANDARD_TAG + "int"
#: In keys (names of facilities, paths) tabs and newlines are refused too.
_KEY_CONTROL = re.compile("[\t\n]")
#: What a YAML stream may not hold at all (YAML 1.1, 5.1), surrogates included.
_UNPRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


class _Loader(Composer, _Events, SafeConstructor, Resolver):
    """A safe loader of its own: PyYAML's composer (counting as it composes) over
    libyaml's events where available; no timestamps, YAML 1.2 exponents.

    It derives from SafeConstructor and Resolver, not SafeLoader, so nothing
    registered on SafeLoader elsewhere leaks in.
    """

    def __init__(self, text: str, file: str) -> None:
        _Events.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.file = file
        self.depth = 0
        #: id(node) -> (values under it, aliases expanded; its depth), for finished nodes.
        self.measure: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self.measure:  # the anchor is still open: it contains itself
                raise self._refuse(
                    event,
                    f"the alias *{event.anchor} refers to a mapping or list that contains it",
                    "a recursive structure has no end; copy the values instead",
                )
            return node
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._refuse(event, f"nested more than {MAX_DEPTH} levels deep", None)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        # PyYAML composes a node of every event it is called on (its stub says `| None`).
        assert node is not None
        if isinstance(node, yaml.ScalarNode):
            self.measure[id(node)] = (1, 0)
            return node
        children = node.value if isinstance(node, yaml.SequenceNode) else _flat(node.value)
        sizes = [self.measure[id(child)] for child in children]
        size = 1 + sum(s for s, _ in sizes)
        depth = 1 + max((d for _, d in sizes), default=0)
        if size > MAX_NODES:
            raise self._refuse(
                event,
                f"aliases expand this to more than {MAX_NODES:,} values",
                "write the values out, or use fewer aliases",
            )
        if depth > MAX_DEPTH:
            raise self._refuse(event, f"aliases nest this more than {MAX_DEPTH} levels deep", None)
        self.measure[id(node)] = (size, depth)
        return node

    def _refuse(self, event: yaml.Event, message: str, hint: str | None) -> ScenarioError:
        mark = event.start_mark
        assert mark is not None  # the parser marks every event it emits
        return ScenarioError.single(
            message, file=self.file, line=mark.line + 1, column=mark.column + 1, hint=hint
        )


def _flat(pairs: list) -> list:
    return [n for pair in pairs for n in pair]


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _STANDARD_TAG + "timestamp"]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def control_character(text: str, *, key: bool = False) -> str | None:
    """Describe the first control character in `text` (`U+001B (ESC)`), or None.

    Text may hold newlines and tabs (not in keys); nothing else invisible, so
    nothing a terminal or a report would interpret reaches one.
    """
    m = CONTROL.search(text) or (_KEY_CONTROL.search(text) if key else None)
    if m is None:
        return None
    char = m[0]
    name = unicodedata.name(char, "") or _C0_NAMES.get(char, "a control character")
    return f"U+{ord(char):04X} ({name})"


_C0_NAMES = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL", "\t": "TAB", "\n": "LINE FEED"}


def _walk(node: yaml.Node, path: tuple, marks: Marks, problems: list[Problem], file: str) -> None:
    tag = node.tag or ""
    here = ".".join(map(str, path)) or None

    def refuse(message: str, hint: str | None, at: yaml.Node = node) -> None:
        mark = at.start_mark
        problems.append(
            Problem(message, file, mark.line + 1, mark.column + 1, path=here, hint=hint)
        )

    if not tag.startswith(_STANDARD_TAG) or "python" in tag:
        refuse(f"the YAML tag {tag!r} is not allowed", "scenario files are plain data; remove it")
        return
    if isinstance(node, yaml.ScalarNode):
        bad = control_character(node.value)
        if bad:
            refuse(f"contains the control character {bad}", "remove it; text may hold newlines")
        elif tag == _INT_TAG and len(node.value) > MAX_DIGITS:
            refuse(f"a number of more than {MAX_DIGITS} digits", "write it as 1.5e12")
    elif isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key == "<<":  # YAML merge key: the loader merges it, positions stay approximate
                _walk(value_node, path, marks, problems, file)
                continue
            bad = control_character(key, key=True) if isinstance(key, str) else None
            if bad:
                refuse(f"a key contains the control character {bad}", "remove it", key_node)
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


def _unshare(value: Any) -> Any:
    """A copy in which no mapping or list appears twice (aliases become copies).

    Otherwise changing one aliased value (`--set`, merging a child file) would
    silently change the other places it appears.
    """
    if isinstance(value, dict):
        return {k: _unshare(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unshare(v) for v in value]
    return value


def parse_yaml(text: str, file: str = "<input>") -> tuple[Any, Marks]:
    """Parse one YAML document; return the data and the position of every key path."""
    bad = _UNPRINTABLE.search(text)
    if bad:
        raise _unreadable(text, bad.start(), file)
    loader = _Loader(text, file)
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:  # not expected after the check above
            raise ScenarioError.single(f"not valid YAML: {exc.reason}", file=file) from None
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
        except yaml.MarkedYAMLError as exc:  # e.g. an unhashable key, a bad merge
            mark = exc.problem_mark
            raise ScenarioError.single(
                f"not valid YAML: {exc.problem}",
                file=file,
                line=mark.line + 1 if mark else None,
            ) from None
        except (ValueError, OverflowError) as exc:  # a value the constructor cannot convert
            raise ScenarioError.single(f"not valid YAML: {exc}", file=file) from None
        return _unshare(data), marks
    finally:
        loader.dispose()


def _unreadable(text: str, position: int, file: str) -> ScenarioError:
    what = control_character(text[position]) or f"U+{ord(text[position]):04X}"
    return _refused_at(
        text,
        position,
        file,
        f"contains the character {what}, which a YAML file cannot hold",
        "is this a text file? remove the character, or write it as an escape in quotes",
    )


def _refused_at(
    text: str | bytes, position: int, file: str, message: str, hint: str
) -> ScenarioError:
    """A problem at a position of text (or of bytes, columns counted in bytes)."""
    before = text[:position]
    if isinstance(before, bytes):  # one character a byte, so columns stay counted in bytes
        before = before.decode("latin-1")
    line, column = before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
    return ScenarioError.single(message, file=file, line=line, column=column, hint=hint)


def read_text(path: Path, what: str = "file") -> str:
    """The UTF-8 text of a regular file of at most `MAX_BYTES`; anything else is refused.

    A FIFO, device or directory is refused before it is opened (opening a FIFO
    blocks); a file is never read beyond `MAX_BYTES`, so `/proc` files and
    endless devices cannot hang or fill memory.
    """
    file = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError.single(f"{what} not found", file=file) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError.single(f"cannot read the {what}: {_reason(exc)}", file=file) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ScenarioError.single(
            f"cannot read the {what}: it is {kind}", file=file, hint="give a YAML file"
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):  # swapped since the stat
                raise ScenarioError.single(f"cannot read the {what}: not a regular file", file=file)
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError.single(f"cannot read the {what}: {_reason(exc)}", file=file) from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError.single(
            f"the {what} is larger than {MAX_BYTES // (1024 * 1024)} MB",
            file=file,
            hint="is this the right file?",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x})"
        raise _refused_at(raw, exc.start, file, message, "save the file as UTF-8") from None


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def read_yaml(path: Path, what: str = "file") -> tuple[Any, Marks]:
    """Read a YAML file; a missing, unreadable, oversized or invalid file is a `ScenarioError`."""
    return parse_yaml(read_text(path, what), str(path))
