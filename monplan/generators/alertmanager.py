"""Alertmanager: who each priority reaches, when, and what a critical alert silences.

    alertmanager/alertmanager.yml

Each priority gets one child route per receiver, all with `continue: true`, so an alert
reaches every receiver the plan lists for its priority (critical: the emergency channel
and the team's pager). Medium routes are active only inside business hours (a
`time_intervals` entry in the plan's zone); outside them Alertmanager holds the alert and
delivers it at the first flush inside business hours if it still fires. During the
critical period after deployment, the listed priorities also reach the deployment team
(an absolute interval computed from deployment.time). Secrets stay in the files the plan
names: only `*_file` fields appear here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from monplan.formats.render import header, to_yaml
from monplan.lang.gotemplate import expand_value
from monplan.model.plan import SEVERITIES, Alert, Plan
from monplan.model.resolve import go_literal
from monplan.model.routing import Receiver, Routing

CONFIG_PATH = "alertmanager/alertmanager.yml"
BUSINESS_HOURS = "business-hours"
CRITICAL_PERIOD = "critical-period"
# group_wait, group_interval, repeat_interval when the plan gives none: pages fast and often
# for critical, batched for high, a daily reminder for tickets.
TIMING_DEFAULTS = {"critical": ("10s", "1m", "1h"), "high": ("30s", "5m", "4h"), "medium": ("5m", "30m", "24h")}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
# PagerDuty's Events API v2 knows critical, error, warning and info only.
_PAGERDUTY_SEVERITY = ('{{ if eq .CommonLabels.severity "critical" }}critical'
                       '{{ else if eq .CommonLabels.severity "high" }}error{{ else }}warning{{ end }}')
_SLACK_TITLE = ('[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
                '{{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})')
_SLACK_TEXT = ('{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n'
               'Runbook: {{ .Annotations.runbook_url }}\n{{ end }}')


@dataclass(frozen=True, slots=True)
class RouteCase:
    """An alert's labels and the receivers the plan says it must reach, in routing-tree order."""

    name: str
    priority: str
    labels: tuple[tuple[str, str], ...]
    receivers: tuple[str, ...]
    line: int


def _alerting(alert: Alert) -> list[tuple[str, str]]:
    """(name, severity) of the alerting rules of a row: an SLO row's SlowBurn is one priority lower."""
    if alert.slo is None:
        return [(alert.name, alert.priority)]
    return [(burn.name, burn.severity) for burn in alert.slo.alerts]


def route_cases(plan: Plan) -> list[RouteCase]:
    """One case per alert of the plan, one per routed priority, and one for an unknown severity."""
    routing = plan.routing
    if routing is None:
        return []
    cases = []
    for alert in plan.alerts:
        for name, priority in _alerting(alert):
            labels = {key: expand_value(value, 0.0) for key, value in alert.labels}
            labels["alertname"], labels["severity"] = name, priority
            cases.append(RouteCase(name, priority, tuple(sorted(labels.items())),
                                   routing.receivers_for(priority), alert.line))
    for watch in plan.watches:
        labels = {key: expand_value(value, 0.0) for key, value in watch.labels}
        labels["alertname"] = watch.name
        cases.append(RouteCase(watch.name, watch.priority, tuple(sorted(labels.items())),
                               routing.receivers_for(watch.priority), watch.line))
    for priority in (*SEVERITIES, "unknown"):
        labels = {"alertname": f"MonplanRouteCheck{priority.capitalize()}", "severity": priority}
        cases.append(RouteCase(labels["alertname"], priority, tuple(sorted(labels.items())),
                               routing.receivers_for(priority), 0))
    return cases


def _minute(moment: dt.datetime, *, up: bool) -> dt.datetime:
    """Alertmanager's intervals have minute resolution; widen rather than cut the period."""
    floor = moment.replace(second=0, microsecond=0)
    return floor + dt.timedelta(minutes=1) if up and floor != moment else floor


def absolute_interval(begin: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """[begin, end) as one entry per UTC calendar day: years, months, days_of_month and times.

    Alertmanager has no absolute ranges; a day pinned by year, month and day of month is one.
    UTC keeps the range exact across daylight-saving changes.
    """
    begin = _minute(begin.astimezone(dt.UTC), up=False)
    end = _minute(end.astimezone(dt.UTC), up=True)
    entries = []
    day = begin.date()
    while True:
        day_start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
        next_day = day_start + dt.timedelta(days=1)
        start, stop = max(begin, day_start), min(end, next_day)
        if start < stop:
            entries.append({
                "times": [{"start_time": f"{start:%H:%M}", "end_time": "24:00" if stop == next_day else f"{stop:%H:%M}"}],
                "days_of_month": [str(day.day)], "months": [_MONTHS[day.month - 1]], "years": [str(day.year)],
                "location": "UTC",
            })
        if next_day >= end:
            return entries
        day += dt.timedelta(days=1)


def weekday_ranges(days: list[str]) -> list[str]:
    """['monday', 'tuesday', 'wednesday'] -> ['monday:wednesday']; days in week order."""
    runs: list[list[int]] = []
    for index in sorted({_DAYS.index(day) for day in days}):
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return [_DAYS[run[0]] if len(run) == 1 else f"{_DAYS[run[0]]}:{_DAYS[run[-1]]}" for run in runs]


def weekdays_text(days: list[str]) -> str:
    """['monday', ..., 'friday', 'sunday'] -> 'Monday to Friday, Sunday', for people."""
    return ", ".join(" to ".join(day.capitalize() for day in run.split(":")) for run in weekday_ranges(days))


def business_hours_text(plan: Plan) -> str:
    routing = plan.routing
    assert routing is not None
    hours = routing.business_hours
    return f"{weekdays_text(list(hours.weekdays))}, {hours.start}-{hours.end} ({routing.business_hours_zone})"


def _time_intervals(routing: Routing) -> list[dict[str, Any]]:
    out = []
    if routing.business_hours_used:
        hours = routing.business_hours
        out.append({"name": BUSINESS_HOURS, "time_intervals": [{
            "weekdays": weekday_ranges(list(hours.weekdays)),
            "times": [{"start_time": hours.start, "end_time": hours.end}],
            "location": routing.business_hours_zone,
        }]})
    period = routing.critical_period
    if period is not None:
        out.append({"name": CRITICAL_PERIOD, "time_intervals": absolute_interval(period.start, period.end)})
    return out


def _routes(routing: Routing) -> list[dict[str, Any]]:
    routes = []
    for priority in SEVERITIES:
        route = routing.routes.get(priority)
        if route is None:
            continue
        defaults = TIMING_DEFAULTS[priority]
        timing = {"group_wait": route.group_wait or defaults[0], "group_interval": route.group_interval or defaults[1],
                  "repeat_interval": route.repeat_interval or defaults[2]}
        for name in dict.fromkeys(route.receivers):
            entry: dict[str, Any] = {"receiver": name, "matchers": [f'severity="{priority}"'], **timing}
            if route.business_hours_only:
                entry["active_time_intervals"] = [BUSINESS_HOURS]
            routes.append(entry)
        for name in routing.during_critical_period(priority):
            routes.append({"receiver": name, "matchers": [f'severity="{priority}"'], **timing,
                           "active_time_intervals": [CRITICAL_PERIOD]})
    # Every route lets the alert go on to the next, so a priority reaches all its receivers.
    for entry in routes[:-1]:
        entry["continue"] = True
    return routes


def receiver_config(receiver: Receiver) -> dict[str, Any]:
    """One receiver; plan text in fields Alertmanager templates is escaped with go_literal."""
    out: dict[str, Any] = {"name": receiver.name}
    if receiver.slack:
        slack = receiver.slack
        out["slack_configs"] = [{
            "api_url_file": slack.api_url_file, "channel": go_literal(slack.channel), "send_resolved": True,
            "title": go_literal(slack.title) if slack.title else _SLACK_TITLE, "text": _SLACK_TEXT,
        }]
    if receiver.pagerduty:
        pagerduty: dict[str, Any] = {"routing_key_file": receiver.pagerduty.routing_key_file,
                                     "severity": _PAGERDUTY_SEVERITY, "send_resolved": True}
        if receiver.pagerduty.url:
            pagerduty["url"] = receiver.pagerduty.url
        out["pagerduty_configs"] = [pagerduty]
    if receiver.webhook:
        webhook = receiver.webhook
        hook: dict[str, Any] = {"url": webhook.url, "send_resolved": True, "max_alerts": webhook.max_alerts}
        if webhook.credentials_file:
            hook["http_config"] = {"authorization": {"type": "Bearer", "credentials_file": webhook.credentials_file}}
        out["webhook_configs"] = [hook]
    if receiver.email:
        email = receiver.email
        mail: dict[str, Any] = {"to": go_literal(", ".join(email.to)), "from": go_literal(email.sender),
                                "smarthost": email.smarthost, "require_tls": email.require_tls, "send_resolved": True}
        if email.auth_username:
            mail["auth_username"] = email.auth_username
        if email.auth_password_file:
            mail["auth_password_file"] = email.auth_password_file
        out["email_configs"] = [mail]
    return out


def target_inhibitions(plan: Plan) -> list[dict[str, Any]]:
    """A job's targets down or missing explain the NoData alerts of the rows reading it: while
    its TargetDown or TargetMissing fires, they are held back (one rule per job read by a row)."""
    from monplan.model.watches import JOBS_LABEL, KIND_LABEL, NO_DATA, TARGET_DOWN, TARGET_MISSING

    read = {job for watch in plan.watches if watch.kind == NO_DATA for job in watch.jobs}
    out = []
    for job in dict.fromkeys(w.job for w in plan.target_watches if w.job in read):
        # scrape_jobs is a comma-separated list. Job names are letters, digits, _ - and .
        # (spec/collection_types.py); a dot is made literal with [.], which needs no backslash
        # inside the matcher's quotes.
        pattern = job.replace(".", "[.]")
        out.append({"source_matchers": [f'{KIND_LABEL}=~"{TARGET_DOWN}|{TARGET_MISSING}"', f'job="{job}"'],
                    "target_matchers": [f'{KIND_LABEL}="{NO_DATA}"', f'{JOBS_LABEL}=~"(.*,)?{pattern}(,.*)?"']})
    return out


def config(plan: Plan) -> dict[str, Any]:
    routing = plan.routing
    assert routing is not None
    high = TIMING_DEFAULTS["high"]
    out: dict[str, Any] = {
        "route": {"receiver": routing.default_receiver, "group_by": list(routing.group_by),
                  "group_wait": high[0], "group_interval": high[1], "repeat_interval": high[2],
                  "routes": _routes(routing)},
        # A firing critical alert says what is wrong; the high and medium alerts it causes on
        # the same service and component would only add noise.
        "inhibit_rules": [{"source_matchers": ['severity="critical"'],
                           "target_matchers": ['severity=~"high|medium"'],
                           "equal": list(routing.inhibit_equal)}, *target_inhibitions(plan)],
        "receivers": [receiver_config(receiver) for receiver in routing.receivers],
    }
    intervals = _time_intervals(routing)
    if intervals:
        out["time_intervals"] = intervals
    return out


def generate(plan: Plan) -> dict[str, bytes]:
    if plan.routing is None:
        return {}
    source = plan.source
    what = f"Alertmanager routing of {plan.settings.system}: receivers per priority, inhibition, business hours"
    return {CONFIG_PATH: to_yaml(config(plan), header(source, what))}
