"""Checks across the plan for a plan whose fields do not all validate, so that one run lists
every problem: an unknown receiver together with the rows whose threshold cannot be read.

The cross-reference checks (receivers, people, sections a dashboard names, ...) need a
validated plan. Here each value that failed is set aside in a copy of the data: removed when
the field is optional, else replaced by the same field's value from a sibling (another row's
threshold), which the plan already uses. Only single values are touched, never list items,
so list positions, and with them every reported line, stay those of the plan as written.
What the copy then resolves to is checked, and a problem that could stem from a stand-in
value (at its line, or quoting it) is dropped: this adds real problems, never invented ones."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from monplan.diagnostics import Diagnostic, Path, PlanError
from monplan.spec.loader import Located

_ROUNDS = 8  # a value set aside can make its mapping incomplete; a few rounds settle it


def cross_reference_problems(located: Located) -> list[Diagnostic]:
    """The problems resolving the plan finds once its invalid values are set aside."""
    from monplan.app.pipeline import compile_plan
    from monplan.spec.check import _data_path
    from monplan.spec.plan import Plan

    data = copy.deepcopy(located.data)
    failed: set[Path] = set()
    stand_ins: set[str] = set()
    for _ in range(_ROUNDS):
        try:
            spec = Plan.model_validate(data)
            break
        except ValidationError as err:
            round_paths: list[tuple[Path, bool]] = []
            for error in err.errors(include_url=False):
                present, cleaned = _data_path(data, tuple(error["loc"]))
                missing = error["type"] == "missing"
                path = cleaned if missing else present
                if missing and path not in failed:
                    return []  # missing in the plan as written: no value to stand in for
                round_paths.append((path, missing))
            failed.update(path for path, _ in round_paths)
            for (path, missing), error in zip(round_paths, err.errors(include_url=False), strict=True):
                if error["type"] == "extra_forbidden" and _drop_unknown(data, path):
                    continue  # a key the format does not know holds nothing the plan uses, whatever its value
                value = _stand_in(located.data, path, failed) if missing else None
                if (missing and value is None) or not _replace(data, path, value):
                    return []
                if value is not None:
                    stand_ins.add(str(value))
    else:
        return []
    try:
        compile_plan(spec, Located(data, located.file, located.values, located.keys))
    except PlanError as err:
        lines = {located.where(path)[0] for path in failed}
        return [d for d in err.diagnostics
                if d.line not in lines and not any(f'"{value}"' in d.message for value in stand_ins)]
    except Exception:
        return []
    return []


def _replace(data: Any, path: Path, value: Any) -> bool:
    """Remove the single value at path (value None) or put value there; False when the path
    is not a field of a mapping holding a single value."""
    if not path or isinstance(path[-1], int):
        return False
    parent = _mapping_at(data, path[:-1])
    if parent is None or isinstance(parent.get(path[-1]), (dict, list)):
        return False
    if value is None:
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = value
    return True


def _drop_unknown(data: Any, path: Path) -> bool:
    """Remove the unknown key at path (a misspelt "emial:" with its mapping); False when it is not there."""
    parent = _mapping_at(data, path[:-1]) if path else None
    if parent is None or path[-1] not in parent:
        return False
    del parent[path[-1]]
    return True


def _mapping_at(data: Any, path: Path) -> dict[Any, Any] | None:
    """The mapping at `path` in the raw plan data; None when there is none there."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node if isinstance(node, dict) else None


def _stand_in(data: Any, path: Path, failed: set[Path]) -> Any:
    """The same field's single value at a sibling path (other list indices) that did not fail."""
    for other, value in _same_shape(data, path):
        if other not in failed and value is not None and not isinstance(value, (dict, list)):
            return value
    return None


def _same_shape(node: Any, path: Path, here: Path = ()) -> Iterator[tuple[Path, Any]]:
    if not path:
        yield here, node
        return
    part, rest = path[0], path[1:]
    if isinstance(part, int):
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _same_shape(item, rest, here + (index,))
    elif isinstance(node, dict) and part in node:
        yield from _same_shape(node[part], rest, here + (part,))
