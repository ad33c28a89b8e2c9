"""Read plan YAML into plain data plus a map from each field's path to its line and column.

Resolution follows YAML 1.2's core schema rather than PyYAML's YAML 1.1 defaults, so
that `at: 09:00` stays the text "09:00" (not 540) and `no` stays the text "no".
Aliases are counted at their expanded size, so an alias bomb is refused, not evaluated.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, NoReturn

import yaml

from monplan.diagnostics import Diagnostic, Path, PlanError
from monplan.spec.limits import MAX_BYTES

MAX_NODES = 1_200_000  # a 50,000-row plan has about 600,000
MAX_DEPTH = 64
MAX_SCALAR = 100_000  # characters in one value; no field of a plan needs more
MAX_NUMBER_CHARS = 40  # a plan's numbers are counts, sizes and baselines; float64 holds about 17 digits

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader with YAML 1.2 core-schema implicit types."""


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)
# The first characters of plain scalars that may be something else than text (a plain scalar
# starting otherwise is a string: the resolvers are looked up by first character).
_IMPLICIT_FIRST = frozenset(key for key in _Loader.yaml_implicit_resolvers if key)
assert None not in _Loader.yaml_implicit_resolvers and not _Loader.yaml_path_resolvers


@dataclass
class Located:
    """Plan data with the 1-based line and column of every value and key."""

    data: Any
    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    disables: dict[int, set[str]] = field(default_factory=dict)  # line -> check ids a comment silences there

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """The closest known position of a path: the key itself, or its nearest ancestor."""
        path = tuple(path)
        while path:
            table = self.keys if key else self.values
            if path in table:
                return table[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
            key = False
        return self.values.get((), (1, 1))


class _Frame:
    """A mapping or sequence being built from parser events."""

    __slots__ = ("anchor", "is_map", "key", "key_mark", "path", "size", "value")

    def __init__(self, value: Any, path: Path, anchor: str | None, is_map: bool):
        self.value, self.path, self.anchor, self.is_map = value, path, anchor, is_map
        self.size = 1
        self.key: Any = _NO_KEY
        self.key_mark: Any = None


_NO_KEY = object()
_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"


class _Builder:
    """Builds plain data and positions in one pass over the C parser's events.

    No node tree is kept, so memory follows the data; values, nesting and alias expansion
    are counted as they come, so hostile input is refused before it grows."""

    def __init__(self, located: Located, loader: Any):
        self.located = located
        self.loader = loader
        self.problems: list[Diagnostic] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.count = 0
        self.root: Any = None
        self.documents = 0
        self._scalars = yaml.constructor.SafeConstructor()

    def problem(self, mark: Any, message: str) -> None:
        self.problems.append(Diagnostic(self.located.file, mark.line + 1, mark.column + 1, message))

    def refuse(self, mark: Any, message: str) -> NoReturn:
        raise PlanError([Diagnostic(self.located.file, mark.line + 1, mark.column + 1, message)])

    def _grow(self, size: int, mark: Any) -> None:
        self.count += size
        if self.count > MAX_NODES:
            self.refuse(mark, f"the plan expands to more than the limit of {MAX_NODES:,} values "
                        "(a very large plan, or aliases repeated many times?)")

    def _child_path(self, mark: Any) -> Path | None:
        """The path of the next value, or None when it is a mapping key."""
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if not frame.is_map:
            return frame.path + (len(frame.value),)
        if frame.key is _NO_KEY:
            return None
        return frame.path + (frame.key,)

    def _attach(self, value: Any, size: int, mark: Any, anchor: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.size += size
        if not frame.is_map:
            frame.value.append(value)
            return
        if frame.key is _NO_KEY:  # this value is a key
            return
        key = frame.key
        if key in frame.value:
            self.problem(frame.key_mark, f'duplicate key "{key}"; each field may appear once')
        else:
            frame.value[key] = value
        frame.key = _NO_KEY

    def scalar(self, event: Any) -> None:
        self._grow(1, event.start_mark)
        if len(event.value) > MAX_SCALAR:
            self.problem(event.start_mark, f"this value is {len(event.value):,} characters long; the limit is {MAX_SCALAR:,}")
            value: Any = None
        else:
            value = self._construct(event)
        path = self._child_path(event.start_mark)
        mark = event.start_mark
        if path is None:  # a mapping key
            frame = self.stack[-1]
            if event.tag is None and event.implicit[0] and event.value == "<<":
                self.problem(mark, "merge keys (<<) are not supported; write the fields out")
            key = value if isinstance(value, str) else ("" if value is None else str(value))
            frame.key, frame.key_mark = key, mark
            self.located.keys[frame.path + (key,)] = (mark.line + 1, mark.column + 1)
            if event.anchor is not None:
                self.anchors[event.anchor] = (key, 1)
            return
        self.located.values[path] = (mark.line + 1, mark.column + 1)
        self._attach(value, 1, mark, event.anchor)

    def _construct(self, event: Any) -> Any:
        tag = event.tag
        value = event.value
        if tag is None and (not event.implicit[0] or (value and value[0] not in _IMPLICIT_FIRST)):
            return value  # quoted, or plain with no implicit type starting so (what resolve() finds, sooner)
        implicit = tag is None or tag == "!"
        if implicit:
            tag = self.loader.resolve(yaml.ScalarNode, value, event.implicit)
        if tag == _STR:
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() == "true"
        if tag in (_INT, _FLOAT) and len(value) > MAX_NUMBER_CHARS:
            # int() of thousands of digits raises (Python's limit) or takes quadratic time.
            self.problem(event.start_mark, f"this number is {len(value):,} characters long; numbers in a plan have "
                         f"at most {MAX_NUMBER_CHARS} (quote it if it is text)")
            return None
        if implicit and tag == _INT and not value.startswith(("0x", "0o")):
            return int(value)
        if implicit and tag == _FLOAT and value[-3:].lower() not in ("inf", "nan"):
            number = float(value)
        else:
            try:
                node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
                number = self._scalars.construct_object(node)
            except (yaml.YAMLError, ValueError, TypeError) as err:
                self.problem(event.start_mark, f"cannot read this value as {tag.rsplit(':', 1)[-1]}: "
                             f"{getattr(err, 'problem', None) or err}")
                return None
        if isinstance(number, float) and not math.isfinite(number):
            # .inf, .nan and 1e309 (past float64) are no measurement: Prometheus, Grafana and
            # JSON would each read them differently, or not at all.
            self.problem(event.start_mark, f'"{value}" is not a finite number; expected a number such as 0.5 or 1200 '
                         "(within 1e300; quote it if it is text)")
            return None
        return number

    def start(self, event: Any, is_map: bool) -> None:
        self._grow(1, event.start_mark)
        if len(self.stack) >= MAX_DEPTH:
            self.refuse(event.start_mark, f"the plan nests deeper than {MAX_DEPTH} levels")
        path = self._child_path(event.start_mark)
        if path is None:
            self.problem(event.start_mark, "a mapping key must be plain text")
            path = self.stack[-1].path + ("?",)
            self.stack[-1].key, self.stack[-1].key_mark = "?", event.start_mark
        mark = event.start_mark
        self.located.values[path] = (mark.line + 1, mark.column + 1)
        self.stack.append(_Frame({} if is_map else [], path, event.anchor, is_map))

    def end(self, event: Any) -> None:
        frame = self.stack.pop()
        self._attach(frame.value, frame.size, event.start_mark, frame.anchor)

    def alias(self, event: Any) -> None:
        found = self.anchors.get(event.anchor)
        if found is None:
            self.refuse(event.start_mark, f"unknown alias *{event.anchor}; define &{event.anchor} before using it")
        value, size = found
        self._grow(size, event.start_mark)
        path = self._child_path(event.start_mark)
        if path is None:
            frame = self.stack[-1]
            key = value if isinstance(value, str) else str(value)
            frame.key, frame.key_mark = key, event.start_mark
            return
        mark = event.start_mark
        self.located.values[path] = (mark.line + 1, mark.column + 1)
        self._attach(value, size, mark, None)

    def run(self, text: str) -> None:
        loader = _Loader(text)
        try:
            while True:
                event = loader.get_event()
                if event is None:
                    break
                kind = type(event)
                if kind is yaml.ScalarEvent:
                    self.scalar(event)
                elif kind is yaml.MappingStartEvent:
                    self.start(event, True)
                elif kind is yaml.SequenceStartEvent:
                    self.start(event, False)
                elif kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
                    self.end(event)
                elif kind is yaml.AliasEvent:
                    self.alias(event)
                elif kind is yaml.DocumentStartEvent:
                    self.documents += 1
                    if self.documents > 1:
                        self.refuse(event.start_mark, "the plan must be a single YAML document (found a second ---)")
        finally:
            loader.dispose()


def load_text(text: str, file: str) -> Located:
    """Parse YAML text; raises PlanError listing every problem with its position (`spec/yaml`)."""
    try:
        located = _load_text(text, file)
    except PlanError as err:
        raise PlanError([d if d.check else dataclasses.replace(d, check="spec/yaml") for d in err.diagnostics]) from None
    if "monplan:" in text:  # `# monplan: disable=<id>` comments (monplan/checks)
        from monplan.checks import inline_disables

        located.disables = inline_disables(text)
    return located


def _load_text(text: str, file: str) -> Located:
    located = Located(None, file)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise PlanError([Diagnostic(file, 0, 0, f"the plan is larger than {MAX_BYTES // (1024 * 1024)} MiB")])
    builder = _Builder(located, None)
    try:
        builder.loader = _Loader("")
        builder.run(text)
    except yaml.MarkedYAMLError as err:
        from monplan.spec.yaml_errors import explain

        (line, column), sentence = explain(err, text)
        raise PlanError([Diagnostic(file, line, column, f"YAML syntax error: {sentence}")]) from None
    except yaml.reader.ReaderError as err:
        # A character YAML does not allow (NUL, other control characters): located, and shown
        # as an escape, never as itself.
        line, column = _line_column(text, err.position)
        raise PlanError([Diagnostic(file, line, column, f"character {_codepoint(err.character)} is not allowed in "
                                    "YAML; remove it (write \\uXXXX escapes inside double quotes for text)")]) from None
    except yaml.YAMLError as err:
        raise PlanError([Diagnostic(file, 0, 0, f"YAML error: {err}")]) from None
    if builder.root is None and not builder.problems:
        raise PlanError([Diagnostic(file, 1, 1, "the plan is empty; expected a mapping with version, system and sections")])
    if builder.problems:
        raise PlanError(builder.problems)
    located.data = builder.root
    return located


def _codepoint(character: object) -> str:
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    return f"U+{code:04X}"


def _line_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, position) + 1
    return text.count("\n", 0, position) + 1, position - line_start + 1


def load_file(path: FsPath) -> Located:
    name = str(path)
    raw = read_bounded(path, MAX_BYTES, "the plan")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        head = raw[:err.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise PlanError([Diagnostic(name, line, column, f"the plan is not UTF-8 text: byte 0x{raw[err.start]:02X} "
                                    "cannot start or continue a UTF-8 character here; save the file as UTF-8")]) from None
    return load_text(text, name)


def read_bounded(path: FsPath, limit: int, what: str) -> bytes:
    """A file's bytes, never more than `limit`: the size on disk is not trusted (/dev/zero, a pipe
    and /proc files report 0), so reading stops one byte past the limit. Raises PlanError."""
    name = str(path)
    too_big = PlanError([Diagnostic(name, 0, 0, f"{what} is larger than {_size(limit)}")])
    try:
        with open(path, "rb") as stream:
            if os.fstat(stream.fileno()).st_size > limit:  # refuse before reading it into memory
                raise too_big
            raw = stream.read(limit + 1)
    except FileNotFoundError:
        raise PlanError([Diagnostic(name, 0, 0, "no such file; pass the plan with --plan PATH")]) from None
    except IsADirectoryError:
        raise PlanError([Diagnostic(name, 0, 0, f"this is a folder; expected {what} as a file")]) from None
    except OSError as err:
        raise PlanError([Diagnostic(name, 0, 0, f"cannot read {what}: {err.strerror or err}")]) from None
    if len(raw) > limit:
        raise too_big
    return raw


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
