"""A small writer of commented YAML: block style, plain scalars where they are unambiguous.

Values are plain Python data; `Commented` attaches a comment to the line of a value (or
above it). Text that YAML could read as anything but that text (a number, a boolean, a
[placeholder] flow list, "<99.9%", a "key: value") is written as a JSON string, which YAML
reads back verbatim.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from monplan.formats.render import NEEDS_ESCAPE, one_line

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.,/()'&+*-]*$")
_RESERVED = re.compile(r"^(?:true|false|yes|no|on|off|null|y|n|~)$", re.IGNORECASE)


@dataclass
class Commented:
    """A value with a comment at its end of line (`note`) and comment lines above it (`above`)."""

    value: Any
    note: str | None = None
    above: list[str] = field(default_factory=list)


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if value is None:
        return "null"
    text = str(value)
    if _PLAIN.match(text) and not _RESERVED.match(text) and not text.endswith((" ", ".")) and "  " not in text \
            and not re.search(r"\s-$|^-", text) and _reads_back(text):
        return text
    if text.isprintable():  # single quotes: no escapes but '' for '
        return "'" + text.replace("'", "''") + "'"
    # Double quotes with every character a YAML reader takes for a line break (U+0085, U+2028,
    # U+2029), an encoding mark or refuses (DEL, C1) escaped: JSON leaves those raw.
    return NEEDS_ESCAPE.sub(lambda found: f"\\u{ord(found.group()):04x}", json.dumps(text, ensure_ascii=False))


def _reads_back(text: str) -> bool:
    """Whether YAML 1.1 and 1.2 readers both read the plain scalar as this text (not 1e3, 1_000, 2026-01-01)."""
    if not text[0].isdigit():
        return True
    import yaml

    try:
        loaded: object = yaml.safe_load(text)
        return loaded == text
    except yaml.YAMLError:
        return False


def _comment(text: str) -> str:
    return "# " + one_line(str(text))


def _unwrap(value: Any) -> tuple[Any, str | None, list[str]]:
    if isinstance(value, Commented):
        return value.value, value.note, value.above
    return value, None, []


def _is_block(value: Any) -> bool:
    return isinstance(value, (dict, list)) and bool(value)


def _multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.strip("\n")


def _literal(text: str, indent: str) -> list[str]:
    return [indent + line if line else "" for line in text.strip("\n").split("\n")]


def _lines(value: Any, indent: str) -> list[str]:
    out: list[str] = []
    if isinstance(value, dict):
        for key, raw in value.items():
            item, note, above = _unwrap(raw)
            out += [indent + _comment(line) for line in above]
            tail = f"  {_comment(note)}" if note else ""
            if _is_block(item):
                out.append(f"{indent}{key}:{tail}")
                out += _lines(item, indent + "  ")
            elif _multiline(item):
                out.append(f"{indent}{key}: |-{tail}")
                out += _literal(item, indent + "  ")
            else:
                empty = "[]" if isinstance(item, list) else "{}" if isinstance(item, dict) else scalar(item)
                out.append(f"{indent}{key}: {empty}{tail}")
        return out
    for raw in value:
        item, note, above = _unwrap(raw)
        out += [indent + _comment(line) for line in above]
        tail = f"  {_comment(note)}" if note else ""
        if isinstance(item, dict) and item:
            inner = _lines(item, indent + "  ")
            first = next(i for i, line in enumerate(inner) if not line.lstrip().startswith("#"))
            out += inner[:first]
            out.append(f"{indent}- {inner[first][len(indent) + 2:]}{tail}")
            out += inner[first + 1:]
        elif _is_block(item):
            out.append(f"{indent}-{tail}")
            out += _lines(item, indent + "  ")
        else:
            out.append(f"{indent}- {scalar(item)}{tail}")
    return out


def dump(document: dict[str, Any], header: list[str]) -> str:
    """The document as YAML text, the header as comment lines on top, a blank line between top-level keys."""
    out = [_comment(line) if line else "#" for line in header]
    for key, raw in document.items():
        block = _lines({key: raw}, "")
        if out and _is_block(_unwrap(raw)[0]):
            out.append("")
        out += block
    return "\n".join(out) + "\n"
