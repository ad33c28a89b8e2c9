"""A fast emitter for the YAML monplan writes, byte-identical to PyYAML's.

PyYAML spends most of a dump in Python-level representers, one call per node. Generated
files are plain data (str keys; str, int, float, bool, None, list and dict values) written
in block style, so this module writes them directly, deciding each scalar's style with
the same rules as PyYAML's emitter (Emitter.analyze_scalar and choose_scalar_style, ported
to regular expressions) and the same implicit resolver. Anything outside that common
ground returns None, and the caller falls back to PyYAML; tests compare the two outputs
on every generated file and on random strings.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()

# analyze_scalar: characters that make a scalar "special" (then only double quotes will do).
_SPECIAL = re.compile("[^\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd]|\ufeff")  # libyaml: BMP only
# Indicators that forbid the plain style in block context.
_BLOCK_INDICATOR = re.compile(
    r"^(?:---|\.\.\.)|^[#,\[\]{}&*!|>'\"%@`]|^[?:\-](?:[\0 \t\r\n\x85\u2028\u2029]|$)"
    r"|:(?:[\0 \t\r\n\x85\u2028\u2029]|$)|[\0 \t\r\n\x85\u2028\u2029]#"
)
_SPACES = " "


class Unsupported(Exception):
    """The value needs PyYAML: fall back."""


def _plain_ok(text: str) -> bool:
    """PyYAML would write this scalar plain (as a block-context value or simple key)."""
    if not text or text[0] in " \n" or text[-1] in " \n" or _BLOCK_INDICATOR.search(text):
        return False
    # types-PyYAML leaves Resolver.resolve unannotated; it returns the tag, a str.
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR_TAG


# Special characters and line breaks (U+2028/U+2029 too, which Go's YAML ends a line at):
# a one-line scalar holding any of them is left to PyYAML, which double-quotes and escapes it.
_NOT_ONE_LINE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd]|\ufeff")
_CACHE: dict[str, str] = {}  # generated files repeat the same keys and values many times


def _single_line_scalar(text: str) -> str:
    """A one-line string: plain, or single-quoted, as PyYAML chooses (else Unsupported)."""
    done = _CACHE.get(text)
    if done is not None:
        return done
    if len(text) > 9000 or _NOT_ONE_LINE.search(text):
        raise Unsupported
    # single quotes are allowed unless a space sits next to a line break (none here)
    done = text if _plain_ok(text) else "'" + text.replace("'", "''") + "'"
    if len(_CACHE) > 100_000:
        _CACHE.clear()
    _CACHE[text] = done
    return done


def _literal(text: str, indent: int) -> str:
    """A multi-line string as the literal block PyYAML writes for monplan's str representer."""
    if (len(text) > 9000 or _SPECIAL.search(text) or text[0] in " \n" or any(ch in text for ch in "\x85\u2028\u2029")
            or any(line != line.rstrip(" ") for line in text.split("\n"))):
        raise Unsupported  # indentation hints, trailing spaces, specials: leave them to PyYAML
    if text.endswith("\n"):
        if len(text) == 1 or text[-2] == "\n":
            raise Unsupported  # the "+" chomping indicator
        chomp, body = "", text[:-1]
    else:
        chomp, body = "-", text
    pad = _SPACES * (indent + 2)
    lines = [pad + line if line else "" for line in body.split("\n")]
    return "|" + chomp + "\n" + "\n".join(lines)


def _scalar(value: Any, indent: int) -> str:
    """A value scalar after 'key: ' or '- '."""
    if isinstance(value, str):
        if "\n" in value:
            return _literal(value, indent)
        if not value:
            return "''"
        return _single_line_scalar(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if type(value) is float:
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value).lower()
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
        return text
    raise Unsupported


def _key(key: Any) -> str:
    if not isinstance(key, str) or not key or len(key) >= 128 or "\n" in key:
        raise Unsupported
    return _single_line_scalar(key)


def _mapping(data: dict[str, Any], indent: int, out: list[str], first_prefix: str | None = None) -> None:
    pad = _SPACES * indent
    first = True
    for key, value in data.items():
        lead = first_prefix if (first and first_prefix is not None) else pad
        first = False
        head = f"{lead}{_key(key)}:"
        if isinstance(value, dict):
            if not value:
                out.append(head + " {}")
            else:
                out.append(head)
                _mapping(value, indent + 2, out)
        elif isinstance(value, list):
            if not value:
                out.append(head + " []")
            else:
                out.append(head)
                _sequence(value, indent, out)  # PyYAML's sequences in mappings are not indented
        else:
            out.append(f"{head} {_scalar(value, indent)}")


def _sequence(data: list[Any], indent: int, out: list[str]) -> None:
    pad = _SPACES * indent
    for item in data:
        if isinstance(item, dict):
            if not item:
                out.append(pad + "- {}")
            else:
                _mapping(item, indent + 2, out, first_prefix=pad + "- ")
        elif isinstance(item, list):
            raise Unsupported  # "- - x" nesting: rare, left to PyYAML
        else:
            out.append(f"{pad}- {_scalar(item, indent)}")


def dump(data: Any) -> str | None:
    """Block YAML for a mapping, exactly as PyYAML writes it for monplan; None if unsupported."""
    if not isinstance(data, dict):
        return None
    if not data:
        return "{}\n"
    out: list[str] = []
    try:
        _mapping(data, 0, out)
    except Unsupported:
        return None
    return "\n".join(out) + "\n"
