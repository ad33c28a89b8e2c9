"""`monplan list` and `monplan explain` say who each alert reaches exactly as the generated
alertmanager.yml routes it: at every moment, inside and outside the critical period and
business hours.

Which routes an alert's labels match is asked of real `amtool config routes test`; amtool
has no notion of time, so whether each matched route is active at a moment is read from
the route's `active_time_intervals` in the generated config, and what list and explain claim
for that moment from their own words (the business hours of the plan, the critical period's
bounds that explain prints).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.conftest import run_monplan
from tests.delivery.conftest import PLAN

CONFIG = "alertmanager/alertmanager.yml"
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")

VARIANTS = {
    "seed-like": PLAN,
    # no critical period: nothing is added at any time
    "no-critical-period": PLAN.replace("  critical_period: {priorities: [critical, high], receivers: [deploy-watch]}\n", ""),
    # the critical period also adds a receiver to a business-hours-only priority
    "critical-medium": PLAN.replace("critical_period: {priorities: [critical, high]",
                                    "critical_period: {priorities: [critical, high, medium]"),
}


def _in_range(value: int, ranges: list[str], names: tuple[str, ...] = ()) -> bool:
    def number(text: str) -> int:
        return names.index(text) if text in names else int(text)

    for item in ranges:
        first, _, last = str(item).partition(":")
        if number(first) <= value <= number(last or first):
            return True
    return False


def _interval_active(interval: dict[str, Any], moment: dt.datetime) -> bool:
    """Alertmanager's time_interval semantics for the fields monplan writes."""
    local = moment.astimezone(ZoneInfo(interval.get("location", "UTC")))
    minute = local.hour * 60 + local.minute
    if "times" in interval and not any(
            _minutes(t["start_time"]) <= minute < _minutes(t["end_time"]) for t in interval["times"]):
        return False
    if "weekdays" in interval and not _in_range(local.weekday(), interval["weekdays"], _DAYS):
        return False
    if "days_of_month" in interval and not _in_range(local.day, interval["days_of_month"]):
        return False
    if "months" in interval and not _in_range(local.month - 1, interval["months"], _MONTHS):
        return False
    return "years" not in interval or _in_range(local.year, interval["years"])


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def config_reaches(config: dict[str, Any], matched: list[str], severity: str, moment: dt.datetime) -> set[str]:
    """Of the receivers amtool matched, those whose route is active at `moment` per the config."""
    intervals = {entry["name"]: entry["time_intervals"] for entry in config.get("time_intervals", [])}
    out = set()
    for receiver in matched:
        routes = [r for r in config["route"].get("routes", [])
                  if r["receiver"] == receiver and f'severity="{severity}"' in r.get("matchers", [])]
        if not routes:  # the root route: no child route matched
            assert receiver == config["route"]["receiver"]
            routes = [config["route"]]
        for route in routes:
            names = route.get("active_time_intervals")
            if names is None or any(_interval_active(i, moment) for name in names for i in intervals[name]):
                out.add(receiver)
    return out


def _parse_receivers(text: str) -> tuple[list[str], bool, str | None, list[str]]:
    """list's receivers cell -> (receivers, business hours only, critical period, its receivers)."""
    match = re.fullmatch(r"(?P<own>[^;(]+?)(?P<bh> \(business hours\)| \(default route\))?"
                         r"(?:; during (?P<period>.+?) also (?P<extra>.+))?", text)
    assert match, text
    own = match["own"].split(", ")
    extra = match["extra"].split(", ") if match["extra"] else []
    return own, match["bh"] == " (business hours)", match["period"], extra


def _window(explained: str, period: str) -> tuple[dt.datetime, dt.datetime]:
    match = re.search(rf"^  {re.escape(period)}: (\S+ \S+) to (\S+ \S+) \((\S+)\)$", explained, re.MULTILINE)
    assert match, explained
    zone = ZoneInfo(match[3])
    return (dt.datetime.fromisoformat(match[1]).replace(tzinfo=zone),
            dt.datetime.fromisoformat(match[2]).replace(tzinfo=zone))


def _in_business_hours(spec: dict[str, Any], moment: dt.datetime) -> bool:
    hours = spec["alert_routing"]["business_hours"]
    local = moment.astimezone(ZoneInfo(hours.get("timezone") or spec["timezone"]))
    return (_DAYS[local.weekday()] in hours["weekdays"]
            and _minutes(hours["start"]) <= local.hour * 60 + local.minute < _minutes(hours["end"]))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_list_and_explain_name_the_receivers_alertmanager_routes_to_at_every_moment(
        variant: str, amtool: str, tmp_path: Path) -> None:
    text = VARIANTS[variant]
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    spec = yaml.safe_load(text)
    out = tmp_path / "out"
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    config = yaml.safe_load((out / CONFIG).read_text())
    labels = {}
    for rules in (out / "prometheus" / "rules").rglob("*.yml"):
        service = rules.stem if rules.parent.name == "services" else None  # a per-service section's copy
        for group in yaml.safe_load(rules.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    labels[(rule["alert"], service)] = {**rule["labels"], "alertname": rule["alert"]}
    listed = run_monplan("list", "--format", "json", "--plan", str(plan))
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {(row["alert"], row["service"]) for row in rows} == set(labels)

    windows: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    said_period = False
    for row in rows:
        own, business_only, period, extra = _parse_receivers(row["receivers"])
        alert_labels = labels[(row["alert"], row["service"])]
        args = [f'{name}="{value}"' for name, value in sorted(alert_labels.items())]
        proc = subprocess.run([amtool, "config", "routes", "test", f"--config.file={out / CONFIG}", *args],
                              capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        matched = proc.stdout.strip().splitlines()[0].split(",")
        assert sorted(matched) == sorted(own + extra), (row["alert"], row["receivers"], matched)
        if period is not None:
            said_period = True
            if row["priority"] not in windows:
                explained = run_monplan("explain", row["alert"], "--plan", str(plan))
                assert explained.returncode == 0, explained.stderr
                assert f"Route {row['priority']} -> {row['receivers']}\n" in explained.stdout
                windows[row["priority"]] = _window(explained.stdout, period)
            begin, end = windows[row["priority"]]
        else:
            begin = end = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        minute = dt.timedelta(minutes=1)
        anchor = spec["deployment"]["time"]  # YAML reads the timestamp as a datetime
        moments = [anchor + step * dt.timedelta(hours=5) + minute for step in range(-4, 16)]
        if period is not None:
            moments += [begin - minute, begin, end - minute, end, (end - begin) / 2 + begin]
        for moment in moments:
            says = set(extra) if begin <= moment < end else set()
            if not business_only or _in_business_hours(spec, moment):
                says |= set(own)
            assert config_reaches(config, matched, row["priority"], moment) == says, (row["alert"], moment.isoformat())
    assert said_period == ("critical_period" in spec["alert_routing"])
