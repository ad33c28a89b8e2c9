"""On-call files: the rotation and the monitoring schedule as calendars, the escalation policy, ONCALL.md.

    oncall/rotation.ics                   one event per shift for the primary and the secondary
    oncall/grafana-oncall/primary.ics     the same shifts in Grafana OnCall/IRM's import format
    oncall/grafana-oncall/secondary.ics
    oncall/schedule.ics                   watches, check-ins, daily report, weekly review, refinement
    oncall/escalation-policy.yaml         PagerDuty's escalation policy and schedules, as API bodies
    oncall/ONCALL.md                      who is on call when, how to escalate
"""

from __future__ import annotations

from typing import Any

from monplan.formats.render import header, to_yaml
from monplan.model.escalation import ROLES, Step, delays_minutes, steps
from monplan.model.plan import SEVERITIES, Plan
from monplan.model.schedule import Window, oncall_zone, repeats, shift_windows
from monplan.model.settings import Settings

DIR = "oncall"
ROTATION = f"{DIR}/rotation.ics"
SCHEDULE = f"{DIR}/schedule.ics"
ESCALATION = f"{DIR}/escalation-policy.yaml"
ONCALL_MD = f"{DIR}/ONCALL.md"


def grafana_oncall_path(role: str) -> str:
    return f"{DIR}/grafana-oncall/{role}.ics"


def schedule_name(settings: Settings, role: str) -> str:
    return f"{settings.system} on-call ({role})"


def _user(settings: Settings, name: str) -> dict[str, Any]:
    """A PagerDuty user_reference; the id when the plan knows it, else the name and email to look it up by."""
    from monplan.formats.ical import person

    found = person(settings, name)
    out: dict[str, Any] = {"type": "user_reference"}
    if found and found.pagerduty_user:
        out["id"] = found.pagerduty_user
    out["summary"] = name
    if found and found.email:
        out["email"] = found.email
    return out


def _layer(settings: Settings, window: Window, role: str) -> dict[str, Any]:
    # One layer per shift: shifts of different lengths (the Weekend) map exactly, where one
    # layer rotating through the people could not.
    user = [{"user": _user(settings, getattr(window, role))}]
    if not repeats(settings):  # bounded by the shift's start and end
        length = int((window.end - window.start).total_seconds())
        return {"name": window.name, "start": window.start.isoformat(), "end": window.end.isoformat(),
                "rotation_virtual_start": window.start.isoformat(), "rotation_turn_length_seconds": length,
                "users": user}
    # Weekly: an open-ended layer whose one user's turn is a week, restricted to the shift's
    # local start and length each week (PagerDuty counts days of the week from 1, Monday).
    wall = window.end.replace(tzinfo=None) - window.start.replace(tzinfo=None)
    return {"name": window.name, "start": window.start.isoformat(),
            "rotation_virtual_start": window.start.isoformat(), "rotation_turn_length_seconds": 7 * 86_400,
            "restrictions": [{"type": "weekly_restriction", "start_day_of_week": window.start.isoweekday(),
                              "start_time_of_day": f"{window.start:%H:%M:%S}",
                              "duration_seconds": int(wall.total_seconds())}],
            "users": user}


def _schedule(settings: Settings, windows: list[Window], role: str) -> dict[str, Any]:
    return {"type": "schedule", "name": schedule_name(settings, role), "time_zone": str(oncall_zone(settings)),
            "description": f"The {role} of each shift of the {settings.system} on-call rotation"
                           + (", every week." if repeats(settings) else "."),
            "schedule_layers": [_layer(settings, window, role) for window in windows]}


def _targets(settings: Settings, step: Step) -> list[dict[str, Any]]:
    targets: list[dict[str, Any]] = [{"type": "schedule_reference", "summary": schedule_name(settings, role)}
                                     for role in step.roles]
    return targets + [_user(settings, name) for name in step.people]


def _level(step: Step, escalates_after: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {"level": step.title, "engaged_after": step.after}
    if escalates_after is not None:
        out["escalates_after_minutes"] = escalates_after
    out["notify"] = step.who()
    return out


def escalation_policy(settings: Settings) -> dict[str, Any]:
    """PagerDuty's POST /escalation_policies and POST /schedules bodies, plus the levels as the plan says them."""
    chain = steps(settings)
    delays = delays_minutes(chain)
    windows = (shift_windows(settings) or []) if settings.oncall else []
    roles = [role for role in ROLES if any(role in step.roles for step in chain)] if windows else []
    return {
        "escalation_policy": {
            "type": "escalation_policy", "name": f"{settings.system} escalation",
            "description": "Escalation path of the monitoring plan: " + ", ".join(step.title for step in chain) + ".",
            "num_loops": 0,
            "escalation_rules": [{"escalation_delay_in_minutes": delay, "targets": _targets(settings, step)}
                                 for step, delay in zip(chain, delays, strict=True)],
        },
        "schedules": [_schedule(settings, windows, role) for role in roles],
        "levels": [_level(step, delay if index + 1 < len(chain) else None)
                   for index, (step, delay) in enumerate(zip(chain, delays, strict=True))],
    }


def _routing_rows(plan: Plan) -> list[dict[str, str]]:
    from monplan.generators.alertmanager import business_hours_text

    routing = plan.routing
    if routing is None:
        return []
    rows = []
    for priority in SEVERITIES:
        route = routing.routes.get(priority)
        if route is None:
            continue
        when = f"{business_hours_text(plan)}; held until then" if route.business_hours_only else "at any time"
        extra = routing.during_critical_period(priority)
        rows.append({"priority": priority.capitalize(), "receivers": ", ".join(route.receivers), "when": when,
                     "critical_period": ", ".join(extra)})
    # Alertmanager's root route: an alert whose severity label is missing or none of the above
    chosen = "alert_routing.default_receiver" if routing.default_receiver_named else \
        "the first receiver of high; alert_routing.default_receiver chooses another"
    rows.append({"priority": "No or unknown severity", "receivers": f"{routing.default_receiver} ({chosen})",
                 "when": "at any time", "critical_period": ""})
    return rows


def _activity_rows(entries: list[Any]) -> list[dict[str, Any]]:
    """Calendar entries folded per activity: first and last time, how many, whether it goes on."""
    rows: dict[str, dict[str, Any]] = {}
    for entry in sorted(entries, key=lambda e: e.start):
        row = rows.setdefault(entry.summary, {"summary": entry.summary, "first": entry.start, "last": entry.start,
                                              "count": 0, "until": entry.end, "repeat": None})
        row["last"], row["until"], row["count"] = entry.start, entry.end, row["count"] + 1
        if entry.rrule:
            row["repeat"] = "week" if entry.rrule.get("freq") == "weekly" else "day"
    return list(rows.values())


def _local_window(plan: Plan) -> tuple[Any, Any] | None:
    from monplan.model.schedule import zone

    period = plan.routing.critical_period if plan.routing else None
    return (period.start.astimezone(zone(plan.settings)), period.end.astimezone(zone(plan.settings))) if period else None


def _markdown(plan: Plan, windows: list[Window], files: list[str]) -> bytes:
    from monplan.formats.markdown import render
    from monplan.generators.checkins import schedule_entries

    settings = plan.settings
    chain = steps(settings)
    return render(
        "ONCALL.md.j2", system=settings.system, source=plan.source, zone=str(oncall_zone(settings)),
        handoff=settings.oncall.handoff if settings.oncall else None, windows=windows, weekly=repeats(settings), people={p.name: p for p in settings.people},
        chain=list(zip(chain, delays_minutes(chain), strict=True)), routing=_routing_rows(plan),
        critical_window=_local_window(plan), activities=_activity_rows(schedule_entries(settings)),
        files=[path.removeprefix(f"{DIR}/") for path in files],
    )


def generate(plan: Plan) -> dict[str, bytes]:
    from monplan.formats.ical import calendar, oncall_entries, shift_entries
    from monplan.generators.checkins import schedule_entries

    settings = plan.settings
    source = plan.source
    files: dict[str, bytes] = {}
    windows = (shift_windows(settings) or []) if settings.oncall else []
    if windows:
        files[ROTATION] = calendar(settings, f"{settings.system} on-call rotation", shift_entries(settings))
        for role in ROLES:
            files[grafana_oncall_path(role)] = calendar(settings, schedule_name(settings, role), oncall_entries(settings, role))
    entries = schedule_entries(settings)
    if entries:
        files[SCHEDULE] = calendar(settings, f"{settings.system} monitoring schedule", entries)
    if settings.escalation_path:
        files[ESCALATION] = to_yaml(escalation_policy(settings), header(
            source, f"Escalation policy of {settings.system}, shaped as PagerDuty escalation policy and schedules"))
    if files:
        files[ONCALL_MD] = _markdown(plan, windows, sorted(files))
    return files
