"""Turn located plan data into a validated Plan, or every problem with its line and column."""

from __future__ import annotations

import difflib
import functools
import json
import re
import types
import typing
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from monplan.diagnostics import Diagnostic, Path, PlanError, format_path, more
from monplan.spec.loader import Located
from monplan.spec.plan import Plan
from monplan.spec.types import QUERY_TODO_MESSAGE

if TYPE_CHECKING:
    from monplan.timing import Lap

_SECRET_FIELD = re.compile(r"(key|token|password|secret|api_url|webhook_url|credentials|dsn)$", re.IGNORECASE)


def check_plan(located: Located, lap: Lap | None = None) -> Plan:
    """Validate located data; returns the plan, or raises PlanError with every problem. `lap`
    is told each step's end."""
    from monplan.spec.slo_check import slo_problems

    problems = secret_problems(located)
    if lap is not None:
        lap("check spec/secrets")
    problems += slo_problems(located)
    if not isinstance(located.data, dict):
        raise PlanError([_at(located, (), "the plan must be a mapping with version, system and sections")])
    newer = _newer_format(located)
    if newer is not None:  # its other fields mean what this monplan cannot know: only that is said
        raise PlanError(reported(_without_secrets(located, [*problems, newer])))
    plan: Plan | None = None
    try:
        plan = Plan.model_validate(located.data)
    except ValidationError as err:
        from monplan.spec.salvage import cross_reference_problems

        problems.extend(_from_validation(located, err))
        problems.extend(cross_reference_problems(located))  # every problem in one run
    else:
        from monplan.spec.expansion import expansion_problems

        problems.extend(expansion_problems(plan, located))  # before anything is expanded
    if lap is not None:
        lap("check spec/schema")
    if problems or plan is None:
        # A field refused for its name ("api_url would hold a secret") need not be flagged again for its value.
        named = {d.field for d in problems if "would hold a secret" in d.message}
        problems = [d for d in problems if not (d.field in named and d.message.startswith("this looks like"))]
        raise PlanError(reported(_without_secrets(located, problems)))
    return plan


def _newer_format(located: Located) -> Diagnostic | None:
    """The problem of a plan written for a later format than version 1, if it is one (secrets
    found in it are reported all the same: they must leave the plan whatever its version)."""
    version = located.data.get("version")
    if isinstance(version, bool) or not isinstance(version, (int, float)) or not version > 1:
        return None
    return _at(located, ("version",), f"this plan says version {version!r}, but this monplan reads plan format "
               "version 1 only; its other fields are not checked: write it as version 1, or use the monplan that "
               "reads its version")


_REDACTED = "<secret>"
_MIN_REDACTED = 6  # shorter texts ("x", "on") are words of every message, and no credential


def _without_secrets(located: Located, problems: list[Diagnostic]) -> list[Diagnostic]:
    """The problems with no secret in them. A value refused as a secret is reported as that, once:
    other problems of the same value (or under a key that is a secret) are left out, since their
    messages quote it ("expected Critical, High or Medium, got "xoxb-..."", "unknown time zone
    "ghp_..."") and the path of one under a secret key names it; and the secret's text is
    replaced wherever another message lists it (a list of the plan's section titles)."""
    refused = [d for d in problems if d.check == "spec/secrets" or "would hold a secret" in d.message]
    if not refused:
        return problems
    texts: set[str] = set()
    fields = {d.field for d in refused}
    for path, text in strings(located):
        if format_path(path) in fields:
            texts.add(text)
    # A key that is itself a secret (refused for what it looks like, not for its name: "password").
    texts.update(str(path[-1]) for path, key, message in _secrets(located)
                 if key and path and message.startswith("this looks like"))
    forms = sorted({form for text in texts if len(text) >= _MIN_REDACTED
                    for form in (text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1],
                                 repr(text)[1:-1])}, key=len, reverse=True)

    def clean(text: str) -> str:
        for form in forms:
            text = text.replace(form, _REDACTED)
        return text

    def under(field: str) -> bool:
        return any(field == f or field.startswith((f + ".", f + "[")) for f in fields if f)

    kept = [d for d in problems if d in refused or not under(d.field)]
    return [d if not forms else replace(d, message=clean(d.message), field=clean(d.field)) for d in kept]


def _at(located: Located, path: Path, message: str, *, key: bool = False, check: str = "spec/schema") -> Diagnostic:
    line, column = located.where(path, key=key)
    return Diagnostic(located.file, line, column, message, format_path(path), check=check)


MAX_REPORTED = 200


def reported(items: list[Diagnostic]) -> list[Diagnostic]:
    """Every problem, in plan order; a flood (a hostile or mangled plan) is cut short with a count."""
    unique = sorted(set(items), key=lambda d: (d.line, d.column, d.message))
    if len(unique) > MAX_REPORTED:
        rest = len(unique) - MAX_REPORTED
        unique = unique[:MAX_REPORTED] + [more(unique[MAX_REPORTED - 1], rest)]
    return unique


def _walk_strings(data: Any, path: Path = ()) -> list[tuple[Path, str]]:
    """Every text value with its path, in plan order (built once per plan: two checks read it)."""
    found: list[tuple[Path, str]] = []
    _strings_into(found, data, path)
    return found


def _strings_into(found: list[tuple[Path, str]], value: Any, here: Path) -> None:
    # A module-level function, not a closure calling itself: such a closure is a reference
    # cycle that, with the cycle collector off during a build, would keep `found` alive.
    kind = type(value)
    if kind is str:
        found.append((here, value))
    elif kind is dict:
        for key, item in value.items():
            _strings_into(found, item, here + (key,))
    elif kind is list:
        for index, item in enumerate(value):
            _strings_into(found, item, here + (index,))


def strings(located: Located) -> list[tuple[Path, str]]:
    cached = located.__dict__.get("_strings")
    if cached is None:
        cached = located.__dict__["_strings"] = _walk_strings(located.data)
    return cached


def secret_problems(located: Located) -> list[Diagnostic]:
    """Literal secrets anywhere in the plan, in values and keys (monplan/spec/secrets.py); the
    message names the kind and the *_file field to use, never the value."""
    return [_at(located, path, message, key=key, check="spec/secrets") for path, key, message in _secrets(located)]


def _secrets(located: Located) -> list[tuple[Path, bool, str]]:
    """(path, whether the key is meant, message) of each secret, found once per plan."""
    cached = located.__dict__.get("_secrets")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from monplan.spec.secrets import scan

    shapes: dict[Path, bool] = {}

    def free_form(path: Path) -> bool:
        """A mapping whose keys the user chooses (labels, annotations, vars), not fields of a model."""
        shape = tuple(0 if isinstance(part, int) else part for part in path)
        if shape not in shapes:
            shapes[shape] = bool(path) and _model_at(Plan, path) is None
        return shapes[shape]

    found = located.__dict__["_secrets"] = scan(located.data, free_form)
    return found


# --- pydantic errors to located diagnostics -------------------------------------------------

def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Path, Path]:
    """Split pydantic's loc into the path through the data and the rest (union tags dropped).

    Returns (path present in the data, full cleaned path including a trailing missing field).
    """
    present: list[str | int] = []
    node = data
    cleaned: list[str | int] = []
    for part in loc:
        if (isinstance(node, dict) and part in node) or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
            present.append(part)
            cleaned.append(part)
        elif isinstance(part, str) and isinstance(node, dict):
            cleaned.append(part)  # a field that is missing from this mapping
            break
        # otherwise: a union member tag such as 'str' or 'function-after[...]'; skip it
    return tuple(present), tuple(cleaned)


def _model_at(model: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `path`, for field-name suggestions."""
    current: Any = model
    for part in path:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for name, f in current.model_fields.items() if (f.alias or name) == part), None)
            current = field.annotation if field else None
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Union down to the first pydantic model or container in it."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        for member in members:
            if (isinstance(member, type) and issubclass(member, BaseModel)) or typing.get_origin(member) in (list, dict):
                return member
        return members[0] if members else None
    return annotation


@functools.cache
def _field_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float)):
        return f"{value} (a number)"
    if isinstance(value, str):
        return f'"{value}"' if len(value) < 60 else f'"{value[:57]}..."'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_PRIORITY_LITERAL = "'critical', 'high' or 'medium'"
_PATTERN_WORDS = {
    r"^[a-zA-Z_][a-zA-Z0-9_]*$": "letters, digits and _, not starting with a digit",
    r"^[A-Za-z0-9_-]{1,40}$": "a Grafana uid: 1 to 40 letters, digits, _ and -",
    r"^/": 'a path starting with "/"',
}


def _value_at(data: Any, path: Path) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _message(error: ErrorDetails, model: type[BaseModel] | None, field: str, original: Any = None,
             *, hints: bool = True) -> str:
    kind, msg = error["type"], error["msg"]
    value = original if original is not None else error.get("input")
    if kind == "extra_forbidden":
        names = _field_names(model) if model else []
        hint = ""
        close = difflib.get_close_matches(field, names, n=1, cutoff=0.6) if hints else []
        if close:
            hint = f' (did you mean "{close[0]}"?)'
        if _SECRET_FIELD.search(field) and f"{field}_file" in names:
            return (f'"{field}" would hold a secret, and secrets never go in the plan: '
                    f'put it in a file and give "{field}_file"')
        expected = f"; expected one of: {', '.join(sorted(names))}" if names else ""
        return f'unknown field "{field}"{hint}{expected}'
    if kind == "missing":
        return f'missing required field "{field}"'
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        if expected == _PRIORITY_LITERAL:
            expected = "Critical, High or Medium (any case)"
        if field == "version":
            return f"this plan says version {value!r}, but monplan reads plan format version 1"
        # A near miss of one of the choices ("incident", "http-access") is most likely a typo of it.
        options = {option.lower(): option for option in re.findall(r"'([^']*)'", expected)}
        close = difflib.get_close_matches(value.lower(), list(options), n=1, cutoff=0.6) if isinstance(value, str) else []
        hint = f' (did you mean "{options[close[0]]}"?)' if close else ""
        if not close and expected.startswith("Critical, High or Medium") and isinstance(value, str):
            from monplan.docimport.cells import read_priority  # P1, Sev2, urgent: as import reads them

            reading, _lower = read_priority(value)
            hint = f' (did you mean "{reading}"?)' if reading else ""
        return f"expected {expected}, got {_describe(value)}{hint}"
    if kind.startswith("string_") and kind != "string_pattern_mismatch":
        return f"expected text, got {_describe(value)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {_describe(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of fields, got {_describe(value)}"
    if kind == "too_short":
        return "must not be empty; expected at least one entry"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        ctx = error.get("ctx", {})
        bound = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
                 "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}[kind]
        return f"expected {bound[0]} {ctx.get(bound[1])}, got {_describe(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_describe(value)}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {_describe(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {_describe(value)}"
    if kind.startswith(("datetime", "date")):
        return f'expected a date and time such as "2026-11-25T09:00:00+01:00", got {_describe(value)}'
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern")
        if pattern in _PATTERN_WORDS:  # say what is expected in words, not as a regular expression
            return f"{_describe(value)} is not valid here; expected {_PATTERN_WORDS[pattern]}"
        return f"{_describe(value)} does not match {pattern}"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix):]
    return msg[0].lower() + msg[1:] if msg else kind


def _todo_message(data: Any, path: Path) -> str:
    """The TODO query's row named, so the list of errors is the list of rows still to fill."""
    row = _value_at(data, path[:-1])
    name = row.get("metric") or row.get("item") if isinstance(row, dict) else None
    group = _value_at(data, path[:2]) if len(path) > 2 else None
    title = group.get("title") if isinstance(group, dict) else None
    where = f' of "{title}"' if isinstance(title, str) else ""
    return (f'"{name}"{where}: {QUERY_TODO_MESSAGE}' if isinstance(name, str) else QUERY_TODO_MESSAGE)


def _explained_by_unknown(missing: Path, unknown: dict[Path, set[str]], *, hints: bool = True) -> bool:
    """A missing field whose near-miss spelling (or secret twin) was given: the unknown-field error says it all."""
    if not missing:
        return False
    given = unknown.get(missing[:-1], set())
    name = str(missing[-1])
    if name.endswith("_file") and name.removesuffix("_file") in given:
        return True  # the secret itself was given where its file belongs
    return hints and any(difflib.get_close_matches(key, [name], n=1, cutoff=0.6) for key in given)


def _from_validation(located: Located, err: ValidationError) -> list[Diagnostic]:
    grouped: dict[tuple[Path, bool], list[str]] = {}
    errors = err.errors(include_url=False)
    # A flood of errors (a mangled or hostile plan) is cut short when reported: "did you mean"
    # hints for each of 300,000 unknown keys would take minutes and be read by no one.
    hints = len(errors) <= MAX_REPORTED
    unknown: dict[Path, set[str]] = {}  # the unknown keys given, by the mapping that holds them
    unknown_keys: set[Path] = set()  # reported as spec/unknown-key, the rest as spec/schema
    for error in errors:
        if error["type"] == "extra_forbidden":
            where = _data_path(located.data, tuple(error["loc"]))[0]
            if where and isinstance(where[-1], str):
                unknown.setdefault(where[:-1], set()).add(where[-1])
    for error in errors:
        present, cleaned = _data_path(located.data, tuple(error["loc"]))
        kind = error["type"]
        if kind == "missing" and _explained_by_unknown(cleaned, unknown, hints=hints):
            continue
        on_key = kind in ("extra_forbidden",) or "[key]" in error["loc"]
        if kind == "missing":
            field = str(cleaned[-1]) if len(cleaned) > len(present) else str(error["loc"][-1])
            model = None
            path = present
        else:
            field = str(present[-1]) if present else ""
            model = _model_at(Plan, present[:-1]) if on_key else None
            path = present
        # A mapping key that is wrong (response_procedures.urgent) is the value to quote, not what it holds.
        original = error.get("input") if "[key]" in error["loc"] else _value_at(located.data, present)
        message = _message(error, model, field, original if kind != "missing" else None, hints=hints)
        if message == QUERY_TODO_MESSAGE:
            message = _todo_message(located.data, present)
        grouped.setdefault((path if kind != "missing" else present + (field,), on_key), []).append(message)
        if kind == "extra_forbidden":
            unknown_keys.add(path)
    out = []
    for (path, on_key), messages in grouped.items():
        unique = list(dict.fromkeys(messages))
        if len(unique) > 1 and all(m.startswith("expected ") for m in unique):
            message = "expected " + " or ".join(m.removeprefix("expected ").split(", got ")[0] for m in unique)
            got = unique[0].split(", got ", 1)
            message += f", got {got[1]}" if len(got) == 2 else ""
        else:
            message = "; ".join(unique)
        check = "spec/unknown-key" if path in unknown_keys else "spec/schema"
        out.append(_at(located, path, message, key=on_key, check=check))
    return out
