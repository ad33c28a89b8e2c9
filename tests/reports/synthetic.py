"""Two weeks of synthetic history for the plan's rows and alerts, written as OpenMetrics for
`promtool tsdb create-blocks-from openmetrics`.

What is backfilled, and why directly: the recorded series (`monplan:*`) the generated rules
would write, and `ALERTS` / `ALERTS_FOR_STATE` as Prometheus writes them for firing and
pending alerts. promtool can backfill recording rules (`create-blocks-from rules`) but not
alerts, and a live Prometheus would need a real week to produce them, so both are written
here from a scenario whose every figure the tests can recompute: values per minute from a
seeded generator and explicit incidents. Series names and alert labels are taken from the
rule files `monplan build` generates for plan.yaml, so the report reads what the rules write.

Time: every sample sits on a whole minute (the plan's 1m evaluation interval). The report
time END is Wednesday 2026-10-14 08:00 in Europe/Berlin; history runs from two weeks before
END (one-week-earlier baselines of a weekly report) to an hour after it (so an incident
still firing at END is unambiguously ongoing).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Berlin")
MINUTE, HOUR, DAY, WEEK = 60, 3600, 86_400, 7 * 86_400
END = int(dt.datetime(2026, 10, 14, 8, 0, tzinfo=TZ).timestamp())
FIRST = END - 2 * WEEK
STOP = END + HOUR


def local(day: int, hour: int, minute: int = 0) -> int:
    """Unix time of a wall-clock time `day` days after END's date (0: END's day, -1: the day before)."""
    date = dt.datetime.fromtimestamp(END, TZ).date() + dt.timedelta(days=day)
    return int(dt.datetime.combine(date, dt.time(hour, minute), tzinfo=TZ).timestamp())


def minutes(start: int, stop: int) -> range:
    return range(start, stop, MINUTE)


@dataclass(frozen=True)
class Incident:
    alert: str  # alertname in the generated rules
    pending: int  # when the condition began to hold (ALERTS_FOR_STATE's value)
    firing: int  # first firing evaluation
    resolved: int | None  # first evaluation no longer firing; None: still firing after STOP
    labels: dict[str, str] = field(default_factory=dict)  # series labels besides the rule's


# Tuesday is the day before END (the daily report's day), Saturday lies in the week before.
INCIDENTS = [
    Incident("LoginSuccessRate", local(-1, 7, 30), local(-1, 7, 35), local(-1, 8, 20)),  # straddles the day's start
    Incident("APIEndpointAvailability", local(-1, 10, 0), local(-1, 10, 5), local(-1, 10, 40)),
    Incident("APIResponseTime", local(-1, 11, 15), local(-1, 11, 20), local(-1, 11, 45)),
    Incident("APIResponseTime", local(-1, 12, 25), local(-1, 12, 30), local(-1, 12, 50)),
    Incident("DatabaseConnectivity", local(-1, 14, 0), local(-1, 14, 0), local(-1, 14, 3)),
    Incident("WorkflowCreationRate", local(-1, 16, 0), local(-1, 16, 5), local(-1, 18, 0)),
    Incident("MemoryUsage", END - 3 * HOUR, END - 3 * HOUR + 5 * MINUTE, None, {"instance": "db-1"}),
    Incident("APIEndpointAvailability", local(-4, 3, 0), local(-4, 3, 5), local(-4, 3, 20)),
    Incident("APIEndpointAvailability", local(-9, 3, 0), local(-9, 3, 5), local(-9, 3, 20)),  # week before
]
# Another team's alert in the same Prometheus: not this plan's, never in its report.
FOREIGN = Incident("DiskFull", local(-1, 9, 0), local(-1, 9, 0), local(-1, 9, 30))
FOREIGN_LABELS = {"severity": "critical", "service": "billing"}


def during(t: int, alert: str, **labels: str) -> bool:
    """Whether one of the scenario's incidents of `alert` has its condition holding at t."""
    return any(i.alert == alert and i.pending <= t < (i.resolved or STOP) and
               all(i.labels.get(k) == v for k, v in labels.items()) for i in INCIDENTS)


def _daily(t: int) -> float:
    """0..1 over a day, highest mid-afternoon local time."""
    hour = dt.datetime.fromtimestamp(t, TZ).hour + dt.datetime.fromtimestamp(t, TZ).minute / 60
    return 0.5 + 0.5 * math.sin(2 * math.pi * (hour - 9) / 24)


def _peak(t: int) -> bool:
    return 11 <= dt.datetime.fromtimestamp(t, TZ).hour < 14


def build_series() -> dict[str, dict[tuple[tuple[str, str], ...], list[tuple[int, float]]]]:
    """name -> labels -> [(t, value)] for every backfilled recorded series."""
    rng = random.Random(7)
    out: dict[str, dict[tuple[tuple[str, str], ...], list[tuple[int, float]]]] = {}

    def add(name: str, t: int, value: float, **labels: str) -> None:
        out.setdefault(name, {}).setdefault(tuple(sorted(labels.items())), []).append((t, value))

    for t in minutes(FIRST, STOP):
        this_week = t >= END - WEEK
        # API Endpoint Availability (<99.9%): mostly 100%, brief single-minute blips, incidents at 95%.
        blip = rng.random() < 0.01
        add("monplan:api_endpoint_availability:ratio", t,
            0.95 if during(t, "APIEndpointAvailability") else 0.9985 if blip else 1.0)
        add("monplan:database_connectivity:count", t, 1.0 if during(t, "DatabaseConnectivity") else 0.0)
        # Authentication Service (>1% failure rate): never close to its threshold.
        add("monplan:authentication_service:ratio", t, rng.uniform(0.0005, 0.003))
        # API Response Time (>500ms avg): flickers around 500ms every day 11:00-14:00 (noisy).
        base = (0.47 + 0.1 * rng.random()) if _peak(t) else (0.2 + 0.1 * rng.random())
        add("monplan:api_response_time:seconds", t, base if this_week else base * 0.9)
        for instance, level in (("api-1", 0.55), ("db-1", 0.65)):
            high = instance == "db-1" and during(t, "MemoryUsage", instance="db-1")
            add("monplan:memory_usage:ratio", t, (0.86 if high else level) + 0.02 * rng.random(), instance=instance)
        # Business rows: a daily cycle, 10% more this week than last; a dip on Tuesday afternoon.
        growth = 1.1 if this_week else 1.0
        workflows = 0.05 * (0.5 + _daily(t)) * growth * (0.3 if during(t, "WorkflowCreationRate") else 1.0)
        add("monplan:workflow_creation_rate:value", t, workflows + 0.002 * rng.random())
        # Customer Creation Rate is flat (no daily cycle): a fixed baseline suits it.
        add("monplan:customer_creation_rate:value", t, 0.01 * growth + 0.0005 * rng.random())
        add("monplan:login_success_rate:ratio", t,
            0.97 if during(t, "LoginSuccessRate") else 0.993 + 0.004 * rng.random())
    # The recorded baseline of Workflow Creation Rate is its value one week earlier (the rule's
    # `offset 1w`), present where that week exists. Customer Creation Rate has none: the report
    # computes it from the baseline query instead.
    values = dict(out["monplan:workflow_creation_rate:value"][()])
    out["monplan:workflow_creation_rate:baseline"] = {
        (): [(t, values[t - WEEK]) for t in minutes(FIRST + WEEK, STOP)]}
    return out


def alert_samples(rule_labels: dict[str, dict[str, str]]) -> dict[str, dict[tuple[tuple[str, str], ...], list[tuple[int, float]]]]:
    """ALERTS and ALERTS_FOR_STATE for the incidents, with each alert rule's labels."""
    out: dict[str, dict[tuple[tuple[str, str], ...], list[tuple[int, float]]]] = {"ALERTS": {}, "ALERTS_FOR_STATE": {}}
    incidents = [(i, {**rule_labels[i.alert], **i.labels}) for i in INCIDENTS] + [(FOREIGN, FOREIGN_LABELS)]
    for incident, labels in incidents:
        base = {"alertname": incident.alert, **labels}
        end = incident.resolved or STOP
        for state, lo, hi in (("pending", incident.pending, incident.firing), ("firing", incident.firing, end)):
            key = tuple(sorted({**base, "alertstate": state}.items()))
            out["ALERTS"].setdefault(key, []).extend((t, 1.0) for t in minutes(lo, hi))
        key = tuple(sorted(base.items()))
        out["ALERTS_FOR_STATE"].setdefault(key, []).extend((t, float(incident.pending)) for t in minutes(incident.pending, end))
    return out


def openmetrics(*families: dict[str, dict[tuple[tuple[str, str], ...], list[tuple[int, float]]]]) -> str:
    """OpenMetrics text: each family's samples together, each series in time order."""
    lines: list[str] = []
    for family in families:
        for name in sorted(family):
            lines.append(f"# TYPE {name} gauge")
            for labels, points in sorted(family[name].items()):
                selector = ",".join(f'{k}="{v}"' for k, v in labels)
                head = f"{name}{{{selector}}}" if selector else name
                lines.extend(f"{head} {value!r} {t}" for t, value in sorted(points))
    lines.append("# EOF")
    return "\n".join(lines) + "\n"
