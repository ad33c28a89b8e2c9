"""units: a row's threshold agrees with the unit its query measures (units/mismatch,
units/never-fires, units/always-fires); the analysis itself is monplan/lang/units.py."""

from __future__ import annotations

from typing import Any

from monplan.checks import Check, Context
from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.lang.units import check_alert
from monplan.model.plan import Alert
from monplan.spec.plan import Plan as Spec


def run(ctx: Context) -> list[Diagnostic]:
    """Every row whose threshold disagrees with its query's unit, at the threshold's line.

    The copies of a per-service row share its threshold line (or their override's), so one
    message per place, not one per service."""
    plan, located = ctx.plan, ctx.located
    found: dict[tuple[Any, ...], Diagnostic] = {}
    for alert in plan.alerts:
        for finding in check_alert(alert):
            path = _threshold_path(ctx.spec, alert)
            line, column = located.where(path)
            diagnostic = Diagnostic(located.file, line, column, finding.message, format_path(path),
                                    finding.severity, check=finding.check)
            found.setdefault((path, finding.message), diagnostic)
    return list(found.values())


def _threshold_path(spec: Spec, alert: Alert) -> Path:
    if alert.service is not None:
        from monplan.model.services import override_for

        for index, service in enumerate(spec.services):
            if service.name != alert.service:
                continue
            node: Any = spec
            for part in alert.path:
                node = node[part] if isinstance(part, int) else getattr(node, part)
            override = override_for(service, node)
            if override is not None and override.threshold is not None:
                key = node.metric if node.metric in service.overrides else node.alert
                return ("services", index, "overrides", key, "threshold")
    return alert.path + ("threshold",)


CHECK = Check("units", "a row's threshold agrees with the unit its query measures", "error", run,
              needs_valid_plan=True, also=("units/mismatch", "units/never-fires", "units/always-fires"))
