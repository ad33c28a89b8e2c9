"""Read plan YAML into plain data plus a map from each field's path to its line and column.

Resolution follows YAML 1.2's core schema rather than PyYAML's YAML 1.1 defaults, so
that `at: 09:00` stays the text "09:00" (not 540) and `no` stays the text "no".
Aliases are expanded with a budget so that an alias bomb is refused, not evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml

from monplan.diagnostics import Diagnostic, Path, PlanError

MAX_BYTES = 16 * 1024 * 1024
MAX_NODES = 1_200_000  # a 50,000-row plan has about 600,000
PRESCAN_BYTES = 512 * 1024  # above this, count events before building nodes (bounded memory)
MAX_DEPTH = 64
MAX_SCALAR = 100_000  # characters in one value; no field of a plan needs more

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


@dataclass
class Located:
    """Plan data with the 1-based line and column of every value and key."""

    data: Any
    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

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


class _Builder:
    def __init__(self, located: Located):
        self.located = located
        self.nodes = 0
        self.problems: list[Diagnostic] = []
        self._scalars = yaml.constructor.SafeConstructor()

    def problem(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Diagnostic(self.located.file, mark.line + 1, mark.column + 1, message))

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge(node, f"the plan expands to more than {MAX_NODES:,} values (alias bomb?)")
        if depth > MAX_DEPTH:
            raise _TooLarge(node, f"the plan nests deeper than {MAX_DEPTH} levels")
        mark = node.start_mark
        self.located.values[path] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,), depth + 1) for index, item in enumerate(node.value)]
        if len(node.value) > MAX_SCALAR:
            self.problem(node, f"this value is {len(node.value):,} characters long; the limit is {MAX_SCALAR:,}")
            return None
        try:
            return self._scalars.construct_object(node)
        except yaml.YAMLError as err:
            self.problem(node, f"cannot read this value: {getattr(err, 'problem', err)}")
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(key_node, "merge keys (<<) are not supported; write the fields out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, "a mapping key must be plain text")
                continue
            key = self._scalars.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key) if key is not None else ""
            if key in out:
                self.problem(key_node, f'duplicate key "{key}"; each field may appear once')
                continue
            mark = key_node.start_mark
            self.located.keys[path + (key,)] = (mark.line + 1, mark.column + 1)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out


def _prescan(text: str, file: str) -> None:
    """Count values and nesting from parser events, which are not kept, before any node is built."""
    depth = count = 0
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, starts):
            depth += 1
            count += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise PlanError([Diagnostic(file, mark.line + 1, mark.column + 1, f"the plan nests deeper than {MAX_DEPTH} levels")])
        elif isinstance(event, ends):
            depth -= 1
        elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            count += 1
        if count > MAX_NODES:
            mark = event.start_mark
            raise PlanError([Diagnostic(file, mark.line + 1, mark.column + 1,
                                        f"the plan has more than {MAX_NODES:,} values; split it or raise the limit")])


def _expanded_size(node: yaml.Node, memo: dict[int, int], depth: int = 0) -> int:
    """How many values the node becomes once aliases are expanded, without expanding them."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if depth > MAX_DEPTH:
        raise _TooLarge(node, f"the plan nests deeper than {MAX_DEPTH} levels")
    size = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, memo, depth + 1) + _expanded_size(value, memo, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            size += _expanded_size(item, memo, depth + 1)
    memo[id(node)] = size
    return size


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node, message: str):
        super().__init__(message)
        self.node = node


def load_text(text: str, file: str) -> Located:
    """Parse YAML text; raises PlanError listing every problem with its position."""
    located = Located(None, file)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise PlanError([Diagnostic(file, 0, 0, f"the plan is larger than {MAX_BYTES // (1024 * 1024)} MiB")])
    try:
        if len(text) > PRESCAN_BYTES:
            _prescan(text, file)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = err.problem or str(err)
        if err.context:
            problem = f"{err.context}, {problem}"
            start = err.context_mark
            if start is not None and err.problem_mark is not None and start.line != err.problem_mark.line:
                problem += f" (it began at line {start.line + 1}, column {start.column + 1})"
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            problem += "; tabs cannot indent YAML, use spaces"
        raise PlanError([Diagnostic(file, line, column, f"YAML syntax error: {problem}")]) from None
    except yaml.YAMLError as err:
        raise PlanError([Diagnostic(file, 0, 0, f"YAML error: {err}")]) from None
    except RecursionError:
        raise PlanError([Diagnostic(file, 0, 0, f"the plan nests deeper than {MAX_DEPTH} levels")]) from None
    if root is None:
        raise PlanError([Diagnostic(file, 1, 1, "the plan is empty; expected a mapping with version, system and sections")])
    try:
        expanded = _expanded_size(root, {})
    except _TooLarge as err:
        mark = err.node.start_mark
        raise PlanError([Diagnostic(file, mark.line + 1, mark.column + 1, str(err))]) from None
    if expanded > MAX_NODES:
        raise PlanError([Diagnostic(file, 1, 1, f"the plan expands to {expanded:,} values, more than the "
                                    f"limit of {MAX_NODES:,} (aliases repeated many times?)")])
    builder = _Builder(located)
    try:
        located.data = builder.build(root, (), 0)
    except _TooLarge as err:
        mark = err.node.start_mark
        raise PlanError([Diagnostic(file, mark.line + 1, mark.column + 1, str(err))]) from None
    if builder.problems:
        raise PlanError(builder.problems)
    return located


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


def load_file(path: FsPath) -> Located:
    name = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:  # refuse before reading it into memory
            raise PlanError([Diagnostic(name, 0, 0, f"the plan is larger than {MAX_BYTES // (1024 * 1024)} MiB")])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PlanError([Diagnostic(name, 0, 0, "no such file; pass the plan with --plan PATH")]) from None
    except OSError as err:
        raise PlanError([Diagnostic(name, 0, 0, f"cannot read the plan: {err.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise PlanError([Diagnostic(name, 0, 0, f"the plan is larger than {MAX_BYTES // (1024 * 1024)} MiB")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise PlanError([Diagnostic(name, 0, 0, f"the plan is not UTF-8 text (byte {err.start})")]) from None
    return load_text(text, name)
