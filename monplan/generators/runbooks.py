"""A runbook per alert, rendered from templates/runbook.md.j2.

    runbooks/<AlertName>.md

Every alert's `runbook_url` annotation is runbooks.base_url + "/<AlertName>.md", so
publishing generated/runbooks under that URL makes each notification link to its runbook.
The runbook says what the alert means, its threshold and query, the priority's response
procedure from the plan, who it reaches and who to escalate to, and the dashboards showing it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from monplan.generators import collector
from monplan.lang.gotemplate import expand_value
from monplan.lang.thresholds import format_decimal
from monplan.model.escalation import delays_minutes, steps
from monplan.model.plan import Alert, Plan, Watch
from monplan.model.routing import Routing
from monplan.output.unitcache import UnitCache, unit

DIR = "runbooks"
TEMPLATE = "runbook.md.j2"
WATCH_TEMPLATE = "runbook_watch.md.j2"  # NoData, TargetDown and TargetMissing alerts


def runbook_path(alert: Alert) -> str:
    return f"{DIR}/{alert.name}.md"


def _delivery(plan: Plan, alert: Alert) -> dict[str, Any]:
    """Who the alert reaches, and when, in the words of the plan's routing."""
    from monplan.generators.alertmanager import business_hours_text

    routing = plan.routing
    if routing is None:
        return {}
    route = routing.routes.get(alert.priority)
    extra = routing.during_critical_period(alert.priority)
    period = routing.critical_period if extra else None
    window = (period.start, period.end) if period else None
    zone = plan.settings.timezone
    own = [r for r in routing.receivers_for(alert.priority) if r not in extra]
    return {
        "receivers": [_receiver(routing, name) for name in own],
        "business_hours": business_hours_text(plan) if route is not None and route.business_hours_only else None,
        "critical_period": [_receiver(routing, name) for name in extra],
        "critical_window": (window[0].astimezone(_zone(zone)), window[1].astimezone(_zone(zone))) if window else None,
        "inhibited_by_critical": alert.priority != "critical",
        "inhibit_equal": list(routing.inhibit_equal),
    }


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _receiver(routing: Routing, name: str) -> dict[str, str]:
    found = routing.receiver(name)
    return {"name": name, "description": (found.description or "") if found else ""}


def _dashboards(plan: Plan, alert: Alert) -> list[dict[str, str]]:
    from monplan.model.boards import boards_showing

    return [{"title": board.title, "link": board.link} for board in boards_showing(plan).get(id(alert), [])]


def context(plan: Plan, alert: Alert) -> dict[str, Any]:
    settings = plan.settings
    annotations = dict(alert.annotations)
    chain = steps(settings)
    return {
        "alert": alert,
        "source": plan.source,
        "system": settings.system,
        # The summary annotation is a Go template; its literal text is what a reader sees.
        "summary": expand_value(annotations.get("summary", alert.metric), 0.0),
        "threshold_words": alert.threshold.human(),
        "procedure": plan.document.response_procedures.get(alert.priority),
        "delivery": _delivery(plan, alert),
        "chain": list(zip(chain, delays_minutes(chain), strict=True)),
        "dashboards": _dashboards(plan, alert),
        "labels": [(k, expand_value(v, 0.0)) for k, v in alert.labels],
        "decimal": format_decimal,
    }


def watch_context(plan: Plan, watch: Watch, copies: list[Watch]) -> dict[str, Any]:
    return {
        "watch": watch,
        "source": plan.source,
        "system": plan.settings.system,
        "query": _row_query(plan, watch),
        "services": copies if watch.service is not None else [],
        "inhibited_by": [t.name for t in plan.target_watches if t.job in watch.jobs],
        "delivery": _delivery(plan, watch),  # type: ignore[arg-type]  # reads the priority only
        "labels": [(k, expand_value(v, 0.0)) for k, v in watch.labels],
    }


def generate(plan: Plan, part: tuple[int, int] = (0, 1)) -> MutableMapping[str, bytes]:
    """One runbook per alert name; the copies of a per-service row share it, listed per service.
    With part=(k, n), only every n-th runbook from the k-th: n processes share the work."""
    from monplan.formats.markdown import render

    by_name: dict[str, list[Alert]] = {}
    for alert in plan.alerts:
        by_name.setdefault(alert.name, []).append(alert)
    files = collector()
    index, count = part
    for alerts in list(by_name.values())[index::count]:
        services = alerts if alerts[0].service is not None else []

        # The loop's values bound as defaults, as closures made in a loop should (unit() calls both at once).
        def parts(cache: UnitCache, alerts: list[Alert] = alerts) -> tuple[object, ...]:
            return (*map(cache.alert, alerts), *_dashboards(plan, alerts[0]))

        def page(alerts: list[Alert] = alerts, services: list[Alert] = services) -> dict[str, bytes]:
            return {runbook_path(alerts[0]): render(TEMPLATE, **context(plan, alerts[0]), services=services)}

        files.update(unit(plan, "runbook", parts, page))
    watches: dict[str, list[Watch]] = {}
    for watch in plan.watches:
        watches.setdefault(watch.name, []).append(watch)
    for copies in list(watches.values())[index::count]:
        def watch_parts(cache: UnitCache, copies: list[Watch] = copies) -> tuple[object, ...]:
            return (*map(cache.watch, copies), _row_query(plan, copies[0]))

        def watch_page(copies: list[Watch] = copies) -> dict[str, bytes]:
            return {f"{DIR}/{copies[0].name}.md": render(WATCH_TEMPLATE, **watch_context(plan, copies[0], copies))}

        files.update(unit(plan, "watch_runbook", watch_parts, watch_page))
    return files


def _row_query(plan: Plan, watch: Watch) -> str:
    row = plan.alert(watch.row) if watch.row else None
    return row.query if row is not None else ""
