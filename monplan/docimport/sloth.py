"""`monplan import --from sloth`: a Sloth `prometheus/v1` SLO spec as plan rows (migration).

Each SLO becomes a row of one section with `slo:`; Sloth's `{{.window}}` becomes `${window}`:

    slos:                                      sections:
      - name: requests-availability              - title: "Service level objectives: myservice"
        objective: 99.9                            metrics:
        sli:                                         - metric: requests-availability
          events:                                      threshold: "<99.9%"
            error_query: ...[{{.window}}]              priority: Critical
            total_query: ...[{{.window}}]              slo: {window: 30d, errors: ..., total: ...}
        alerting: {name: MyServiceHighErrorRate}       alert: MyServiceHighErrorRate

Sloth's page alert is the row's FastBurn (priority Critical, as a page), its ticket alert
the SlowBurn (one lower, High). Labels of the spec, the SLO and its alerting become the row's
labels; alerting annotations its annotations. A raw SLI (`raw: error_ratio_query`, or
`errorRatioQuery` as Sloth's Kubernetes resource writes it) becomes `slo: ratio:`. What
monplan cannot express is reported: SLI plugins (their queries are made by Sloth's plugin
code; the note says what to write instead) and SLO plugins are left out; a disabled page or
ticket alert is noted (monplan always makes both).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from monplan.diagnostics import Diagnostic
from monplan.docimport.build import Imported
from monplan.formats.render import one_line
from monplan.lang import naming
from monplan.lang.thresholds import format_decimal

SPEC_VERSION = "prometheus/v1"
_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")


class _Notes:
    def __init__(self, source: str, text: str) -> None:
        self.source, self.lines = source, text.splitlines()
        self.items: list[Diagnostic] = []

    def add(self, message: str, *, near: str = "", severity: str = "warning") -> None:
        """A note at the first line holding `near` (an SLO's name: the line of its `name:`)."""
        line = next((i + 1 for i, text in enumerate(self.lines)
                     if near and near in text and ("name:" in text or ":" not in near)), 0)
        self.items.append(Diagnostic(self.source, line, 0, message, severity=severity))  # type: ignore[arg-type]


def _query(text: Any) -> str:
    return _WINDOW.sub("${window}", " ".join(str(text).split()))


def _objective(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if 0 < number < 100 else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _labels(*sources: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for source in sources:
        if isinstance(source, dict):
            out.update({str(key): str(value) for key, value in source.items()})
    return out


def slo_row(slo: dict[str, Any], spec_labels: dict[str, str], period: str, notes: _Notes) -> dict[str, Any] | None:
    """The plan row of one Sloth SLO, or None (reported) when monplan cannot express it."""
    name = str(slo.get("name", ""))
    objective = _objective(slo.get("objective"))
    if not name or objective is None:
        notes.add(f'SLO "{name}": expected a name and an objective between 0 and 100; left out', near=name)
        return None
    sli = _mapping(slo.get("sli"))
    events = _mapping(sli.get("events"))
    raw = _mapping(sli.get("raw"))
    ratio = raw.get("error_ratio_query") or raw.get("errorRatioQuery")
    if sli.get("plugin") is not None:
        plugin = _mapping(sli.get("plugin"))
        which = f' "{plugin["id"]}"' if plugin.get("id") else ""
        notes.add(f'SLO "{name}": its SLI is the Sloth plugin{which}, whose queries only Sloth can generate; '
                  "left out: write the queries the plugin makes as the row's slo: errors: and total: (with "
                  "${window} for the range), or ratio: for an error ratio, or latency: with buckets:", near=name)
        return None
    if not ratio and (not events.get("error_query") or not events.get("total_query")):
        notes.add(f'SLO "{name}": its SLI has no events (error_query and total_query) and no raw error_ratio_query; '
                  "left out", near=name)
        return None
    alerting = _mapping(slo.get("alerting"))
    for which in ("page_alert", "ticket_alert"):
        if _mapping(alerting.get(which)).get("disable"):
            notes.add(f'SLO "{name}": its {which} is disabled; monplan makes both burn alerts (FastBurn, SlowBurn)',
                      near=name)
    row: dict[str, Any] = {"metric": name}
    if slo.get("description"):
        row["description"] = str(slo["description"])
    alert = str(alerting.get("name") or "")
    if alert and naming.ALERT_NAME.match(alert):
        row["alert"] = alert[0].upper() + alert[1:]
    row["threshold"] = f"<{format_decimal(objective)}%"
    row["priority"] = "Critical"  # Sloth's page alert pages: FastBurn Critical, SlowBurn High
    labels = _labels(spec_labels, slo.get("labels"), alerting.get("labels"))
    if labels:
        row["labels"] = labels
    annotations = _labels(alerting.get("annotations"))
    if annotations:
        row["annotations"] = annotations
    if ratio:
        row["slo"] = {"window": period, "ratio": _query(ratio)}
    else:
        row["slo"] = {"window": period, "errors": _query(events["error_query"]), "total": _query(events["total_query"])}
    return row


def import_sloth(text: str, source: str, period: str = "30d") -> Imported:
    """A Sloth prometheus/v1 spec as a plan with one section of SLO rows."""
    notes = _Notes(source, text)
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as err:
        notes.add(f"not YAML: {err}", severity="error")
        return Imported("", notes.items)
    if not isinstance(spec, dict) or spec.get("version") != SPEC_VERSION:
        notes.add(f'expected a Sloth spec with version: "{SPEC_VERSION}"', severity="error")
        return Imported("", notes.items)
    service = str(spec.get("service") or "service")
    if spec.get("slo_plugins"):
        notes.add("slo_plugins are Sloth's own; left out", near="slo_plugins")
    spec_labels = _labels(spec.get("labels"))
    rows = [row for slo in spec.get("slos") or [] if isinstance(slo, dict)
            for row in [slo_row(slo, spec_labels, period, notes)] if row is not None]
    if not rows:
        notes.add("no SLO monplan can express; nothing to import", severity="error")
        return Imported("", notes.items)
    plan = {"version": 1, "system": service,
            "sections": [{"title": f"Service level objectives: {service}", "metrics": rows}]}
    # The spec's file name may hold any character but / and NUL: one line, or it would be YAML.
    head = (f"# Imported by monplan from the Sloth spec {one_line(source)} (monplan import --from sloth).\n"
            "# Each row's slo: compiles into error-ratio rules, an error budget and FastBurn/SlowBurn alerts;\n"
            "# copy the section into your plan.yaml, or build this file as it is.\n")
    body = yaml.safe_dump(plan, sort_keys=False, allow_unicode=True, width=120)
    return Imported(head + body, notes.items, rows=len(rows))
