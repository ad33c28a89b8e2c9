"""Checks across the plan, each in its own module with a stable id (pint-style: `routing/receivers`).

Field rules live with the format (monplan/spec: `spec/schema`, `spec/unknown-key`, ...); the
checks here read the checked spec together with the rows resolve built from it, since many
of them are about derived names (alert names, recorded series) or the priorities in use.
The pipeline runs them all in one pass so that a plan's problems are reported in one run,
every one a `Diagnostic` carrying its check's id.

A warning can be silenced: for the whole plan by `defaults.disable_checks: [id, ...]`, or at
one place by a comment `# monplan: disable=<id>` on the line of the warning or on a comment
line directly above it. Errors cannot: they describe output that would be wrong.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from monplan.diagnostics import Diagnostic

if TYPE_CHECKING:
    from monplan.diagnostics import Path
    from monplan.model.plan import Alert, Plan
    from monplan.spec.loader import Located
    from monplan.spec.plan import Plan as Spec
    from monplan.timing import Lap

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Context:
    """What a check reads: the checked spec, where its values are, and the rows built from it."""

    spec: Spec
    located: Located
    plan: Plan


@dataclass(frozen=True)
class Check:
    id: str
    summary: str  # one line, for `monplan checks` and the README
    severity: Severity  # what it reports; only warnings can be disabled
    run: Callable[[Context], Iterable[Diagnostic]]
    # False: runs even when other checks found errors (reports all problems in one run);
    # True: reads values (units, baselines, coverage) that only a plan without errors has.
    needs_valid_plan: bool = False
    also: tuple[str, ...] = ()  # finer ids its diagnostics carry (units/mismatch under units)
    only_in_validate: bool = False  # reported by `monplan validate`, not by every build


# Modules holding one CHECK each, in reporting order.
_MODULES = (
    "services", "unique_names", "name_clashes", "dashboard_references", "dashboards", "routing", "people", "rotation",
    "shift_days", "escalation", "report_sections", "placeholders", "units", "first_day", "any_for", "slo_burn", "sources",
    "rotation_coverage",
)

# Ids reported outside this package (field rules, resolving rows, the output, live checks),
# listed so that `disable_checks` and `monplan checks` know them.
OTHER_IDS: dict[str, tuple[str, Severity]] = {
    "spec/yaml": ("the file is YAML monplan can read (no duplicate keys, aliases, tags)", "error"),
    "spec/schema": ("every field has a value of its kind (pydantic field rules)", "error"),
    "spec/unknown-key": ("no key the format does not know (typos get a suggestion)", "error"),
    "spec/secrets": ("no secret in the plan, nor in what its vars and annotation templates put together: "
                     "receivers point at secret files", "error"),
    "spec/expansion": ("what per-service sections expand into stays within a plan's limits: at most 150,000 rows, "
                       "no substituted text past 100,000 characters, 16 MiB of it in all; dashboards showing at most "
                       "300,000 rows together", "error"),
    "slo/spec": ("an slo: block is complete and consistent", "error"),
    "rows/fields": ("a row's labels, annotations and baseline fit what monplan derives from it", "error"),
    "output/file-names": ("every generated file name fits what file systems take", "error"),
}


def field_path(spec: Spec, alert: Alert, field: str) -> Path:
    """Where a row's field is in the plan: the row's own, or its service's override of it."""
    if alert.service is not None:
        from monplan.spec.services import override_for, override_key

        for index, service in enumerate(spec.services):
            if service.name != alert.service:
                continue
            node: Any = spec
            for part in alert.path:
                node = node[part] if isinstance(part, int) else getattr(node, part)
            override = override_for(service, node)
            if override is not None and getattr(override, "for_" if field == "for" else field) is not None:
                return ("services", index, "overrides", override_key(service, node), field)
    return alert.path + (field,)


def checks() -> tuple[Check, ...]:
    """Every registered check, imported on first use."""
    return tuple(importlib.import_module(f"monplan.checks.{name}").CHECK for name in _MODULES)


def known_ids() -> dict[str, tuple[str, Severity]]:
    """Every check id monplan reports: summary and severity."""
    out: dict[str, tuple[str, Severity]] = {}
    for check in checks():
        out[check.id] = (check.summary, check.severity)
        out.update({id_: (check.summary, check.severity) for id_ in check.also})
    out.update(OTHER_IDS)
    return dict(sorted(out.items()))


def run_checks(ctx: Context, *, valid_so_far: bool, stage: Literal["build", "validate"] = "build",
               lap: Lap | None = None) -> list[Diagnostic]:
    """Every check's findings of that stage; those needing a valid plan run only when nothing
    failed yet (an earlier error may leave their values undefined). `lap` is told each check's end."""
    found: list[Diagnostic] = []
    for check in checks():
        if check.only_in_validate != (stage == "validate"):
            continue
        if check.needs_valid_plan and not (valid_so_far and not any(d.severity == "error" for d in found)):
            continue
        found.extend(check.run(ctx))
        if lap is not None:
            lap(f"check {check.id}")
    return found


_INLINE = re.compile(r"(?:^|\s)#\s*monplan:\s*disable=([\w/,.\- ]+)")


def inline_disables(text: str) -> dict[int, set[str]]:
    """Line -> check ids a `# monplan: disable=<id>[,<id>]` comment silences there: its own
    line, and when the comment stands alone on its line, the next line too."""
    out: dict[int, set[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _INLINE.search(line)
        if match is None:
            continue
        ids = {part.strip() for part in match.group(1).split(",") if part.strip()}
        out.setdefault(number, set()).update(ids)
        if not line[: match.start()].strip():
            out.setdefault(number + 1, set()).update(ids)
    return out


def _matches(check: str, ids: Iterable[str]) -> bool:
    """An id silences itself and, as a prefix ending a path segment, its family (`units`)."""
    return any(check == i or check.startswith(i.rstrip("/") + "/") for i in ids)


def silence(found: list[Diagnostic], disabled: Iterable[str], inline: dict[int, set[str]]) -> list[Diagnostic]:
    """The diagnostics left once the plan's disabled checks are taken out: warnings only."""
    disabled = tuple(disabled)
    return [d for d in found
            if d.severity == "error" or not d.check
            or not (_matches(d.check, disabled) or _matches(d.check, inline.get(d.line, ())))]
