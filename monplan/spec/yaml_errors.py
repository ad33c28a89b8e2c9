"""YAML syntax errors in the words of someone editing a plan: what is wrong at which
line:column, and how to fix it. libyaml's own text ("did not find expected key while
parsing a block mapping") names parser states, not the mistake."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yaml.error import Mark

Position = tuple[int, int]  # 1-based line and column


def _at(mark: Mark | None) -> Position:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _char(lines: list[str], mark: Mark | None) -> str:
    if mark is None or not 0 <= mark.line < len(lines) or not 0 <= mark.column < len(lines[mark.line]):
        return ""
    return lines[mark.line][mark.column]


def _shown(char: str) -> str:
    return {"\t": "a tab", "": "the end of the line"}.get(char, f'"{char}"')


def explain(err: Any, text: str) -> tuple[Position, str]:
    """Where to point and the sentence to say for a yaml.MarkedYAMLError raised on `text`."""
    lines = text.split("\n")
    problem, context = err.problem or "", err.context or ""
    here, start = err.problem_mark, err.context_mark
    char = _char(lines, here)
    began = f"line {start.line + 1}, column {start.column + 1}" if start is not None else "above"
    if char == "\t" or "tab character" in problem:
        return _at(here), "a tab indents this line; YAML indents with spaces only: replace the tab with spaces"
    for test, make in _RULES:
        if test(problem, context):
            return make(lines, here, start, char, began)
    return _at(here or start), (f"the YAML cannot be read here ({problem}); check the quotes, colons and "
                                "indentation of this line and the one above")


def _unclosed_quote(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    quote = _char(lines, start) or '"'
    inside = "\\\"" if quote == '"' else "''"
    return _at(start), (f"the quoted text that starts here is never closed; end it with {quote} "
                        f"(a {quote} inside it is written {inside})")


def _bad_escape(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    line = lines[here.line] if here is not None and here.line < len(lines) else ""
    escape = line[here.column:here.column + 2] if here is not None else "\\"
    return _at(here), (f'"{escape}" is not an escape YAML knows inside double quotes; write \\\\ for a '
                       "backslash, or use single quotes, which keep backslashes as they are")


def _reserved(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    return _at(here), f"{_shown(char)} cannot start a value in YAML; put the value in quotes"


def _colon_in_value(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    line = lines[here.line] if here is not None and here.line < len(lines) else ""
    before = line[:here.column] if here is not None else ""
    if ": " in before.lstrip().lstrip("- "):
        return _at(here), ('a second ": " on this line reads as a key inside a value; put the value in '
                           'quotes (threshold: "a: b")')
    return _at(here), ("this line is indented deeper than the keys above it; indent it exactly like its "
                       "sibling keys, or nest it under a key that ends with a colon")


def _missing_colon(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    return _at(start), ('this line is neither "key: value" nor a "- " list item; add ": " after the key, '
                        "or indent the line to continue the value above")


def _misaligned_key(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    line = lines[here.line] if here is not None and here.line < len(lines) else ""
    before = line[:here.column].rstrip() if here is not None else ""
    if before.endswith(('"', "'")) and before.lstrip().lstrip("- ") and char not in ("", "#"):
        return _at(here), ("text follows the closing quote of a value; put the whole value inside one pair "
                           "of quotes")
    if line.lstrip().startswith("- "):
        return _at(here), (f'a "- " list item where the mapping that starts at {began} expects keys; '
                           "indent the list under the key it belongs to")
    return _at(here), (f"this line does not line up with the keys of the mapping that starts at {began}; "
                       "indent it exactly like those keys")


def _misaligned_item(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    return _at(here), (f'the list that starts at {began} expects another "- " item here, at the same '
                       "indentation; indent this line under the item above, or start it with \"- \"")


def _unclosed_flow(opening: str, closing: str, kind: str) -> Callable[..., tuple[Position, str]]:
    def make(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
        return _at(here), (f"the {opening} {kind} that opens at {began} is not closed here: separate its "
                           f'items with ", " and end it with {closing}')
    return make


def _bad_name(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    sign = _char(lines, start) or "&"
    return _at(start), (f'"{sign}" must be followed by a name (an anchor or alias); to write {sign} itself, '
                        "put the value in quotes")


def _tag(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    return _at(here), '"!" starts a YAML tag here; to write ! itself, put the value in quotes'


def _block_scalar(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    return _at(here), ('after | or > only an indentation digit, "+" or "-" may follow on the same line; '
                       "start the text on the next line, indented")


def _no_content(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    if char in (",", ""):
        return _at(here), "a value is missing here; remove the extra comma or write the value"
    return _at(here), f"a value cannot start with {_shown(char)}; put the value in quotes"


def _after_end(lines: list[str], here: Any, start: Any, char: str, began: str) -> tuple[Position, str]:
    return _at(here), ('text after the end-of-document marker "..."; the plan is one document: remove the '
                       "marker or what follows it")


# (test on libyaml's problem and context, the sentence for it), first match wins
_RULES: list[tuple[Callable[[str, str], bool], Callable[..., tuple[Position, str]]]] = [
    (lambda p, c: "quoted scalar" in c and "end of stream" in p, _unclosed_quote),
    (lambda p, c: "unknown escape" in p, _bad_escape),
    (lambda p, c: "cannot start any token" in p, _reserved),
    (lambda p, c: "mapping values are not allowed" in p, _colon_in_value),
    (lambda p, c: "could not find expected ':'" in p, _missing_colon),
    (lambda p, c: "expected key" in p, _misaligned_key),
    (lambda p, c: "expected '-' indicator" in p, _misaligned_item),
    (lambda p, c: "',' or ']'" in p, _unclosed_flow("[", "]", "list")),
    (lambda p, c: "',' or '}'" in p, _unclosed_flow("{", "}", "mapping")),
    (lambda p, c: "anchor" in c or "alias" in c, _bad_name),
    (lambda p, c: "tag handle" in p, _tag),
    (lambda p, c: "block scalar" in c, _block_scalar),
    (lambda p, c: "node content" in p, _no_content),
    (lambda p, c: "<document start>" in p, _after_end),
]
