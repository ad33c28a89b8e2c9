"""Writing tuning suggestions into a copy of the plan, for review like any other plan change.

The copy is a ruamel.yaml round trip of the plan's own text, not a re-dump: comments,
key order, quoting, flow mappings and block scalars stay as they are, and only the
suggested values change, each with an end-of-line comment saying what it was and why.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monplan.diagnostics import Diagnostic, PlanError
from monplan.formats.render import one_line
from monplan.live.tune import Finding

if TYPE_CHECKING:
    from ruamel.yaml import YAML


def _yaml(text: str) -> YAML:
    """A round-trip YAML whose indentation reproduces `text` byte for byte when nothing changes
    (ruamel cannot read the mapping indent, so the usual layouts are tried)."""
    from ruamel.yaml import YAML

    layouts = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 4, 0), (4, 6, 4), (3, 3, 0))
    chosen = None
    for mapping, sequence, offset in layouts:
        yaml = YAML()  # round-trip mode
        yaml.preserve_quotes = True
        yaml.width = 100_000  # never re-wrap long lines
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        buffer = io.StringIO()
        yaml.dump(yaml.load(text), buffer)
        chosen = chosen or yaml
        if buffer.getvalue() == text:
            return yaml
    assert chosen is not None  # there are layouts to try
    return chosen


def _node(doc: Any, path: tuple[str | int, ...]) -> Any:
    node = doc
    for part in path:
        node = node[part]
    return node


def _set(row: Any, key: str, value: Any, comment: str, after: tuple[str, ...]) -> None:
    """Set row[key], keeping its place, or insert it after the first of `after` present."""
    if key in row:
        row[key] = value
    else:
        keys = list(row.keys())
        position = next((keys.index(k) + 1 for k in after if k in keys), len(keys))
        row.insert(position, key, value)
    # The comment quotes plan text (the old value): one line, or a line break in it would be YAML.
    row.yaml_add_eol_comment(one_line(comment), key, column=0)  # column 0: one space after the value, always


def _quoted_like(old: Any, text: str) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

    # A threshold such as ">500ms" must stay quoted: a plain ">" starts a folded block in YAML.
    return type(old)(text) if isinstance(old, ScalarString) else DoubleQuotedScalarString(text)


def apply(doc: Any, findings: list[Finding], evidence: str) -> list[str]:
    """Put every suggestion into the loaded document; returns what changed, one line each."""
    changed = []
    for finding in findings:
        row = _node(doc, finding.alert.path)
        for suggestion in finding.suggestions:
            if suggestion.kind == "threshold":
                old = row.get("threshold")
                _set(row, "threshold", _quoted_like(old, suggestion.value),
                     f"monplan tune ({evidence}): was {old}; {suggestion.reason}", ())
                changed.append(f"{finding.alert.name}: threshold {old} -> {suggestion.value}")
            elif suggestion.kind == "for":
                old = row.get("for", finding.alert.for_)
                _set(row, "for", suggestion.value, f"monplan tune ({evidence}): was {old}; {suggestion.reason}",
                     ("threshold", "priority"))
                changed.append(f"{finding.alert.name}: for {old} -> {suggestion.value}")
            elif suggestion.kind == "baseline":
                old = row.get("baseline")
                _set(row, "baseline", float(suggestion.value), f"monplan tune ({evidence}): was {old}; "
                     f"{suggestion.reason}", ("tool", "metric", "item"))
                changed.append(f"{finding.alert.name}: baseline {old} -> {suggestion.value}")
    return changed


def write_plan(source: Path, target: Path, findings: list[Finding], evidence: str) -> tuple[list[str], list[Diagnostic]]:
    """Write the plan with the suggestions to `target`; checks that the copy still compiles."""
    from monplan.output import outfile

    if target.resolve() == source.resolve():
        return [], [Diagnostic(str(target), 0, 0, "--write-plan must name a new file: review the copy, then replace "
                               "the plan with it")]
    why = outfile.refusal(target, source, "--write-plan")
    if why is not None:
        return [], [Diagnostic(str(target), 0, 0, why)]
    text = source.read_text(encoding="utf-8")
    yaml = _yaml(text)
    doc = yaml.load(text)
    changed = apply(doc, findings, evidence)
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    try:
        outfile.write(target, buffer.getvalue())
    except OSError as err:
        return changed, [Diagnostic(str(target), 0, 0, f"cannot write the copy: {err.strerror}")]
    from monplan.app.pipeline import load_plan

    try:
        load_plan(target)
    except PlanError as err:
        return changed, err.diagnostics
    return changed, []
