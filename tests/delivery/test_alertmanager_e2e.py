"""A real Alertmanager with the generated config delivers each priority where the plan says.

Only what a test cannot wait for is changed, in a test-only copy of the generated config:
group waits shrink to fractions of a second, receiver URLs point at a local HTTP sink (for
Slack the URL goes in the api_url_file, as in production), and the business hours keep
their weekdays and hours but move to a time zone where it is now night (or now midday).
The critical period is computed by the generator from a deployment time relative to now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.delivery.conftest import RunningAlertmanager, Sink

pytestmark = pytest.mark.e2e
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def with_deployment(plan: Any, when: dt.datetime) -> Any:
    """The repository plan deployed at `when`: its settings, and the routing's critical period resolved anew."""
    from conftest import ROOT
    from monplan.app.pipeline import load_spec
    from monplan.model.routing import resolve_routing

    deployment = plan.settings.deployment.model_copy(update={"time": when})
    settings = dataclasses.replace(plan.settings, deployment=deployment)
    return dataclasses.replace(plan, settings=settings,
                               routing=resolve_routing(load_spec(ROOT / "plan.yaml").alert_routing, settings))


def zone_where_it_is(hours: range, now: dt.datetime) -> tuple[str, dt.datetime]:
    """An Etc/GMT zone in which the local hour of `now` is in `hours`, and the local time there."""
    from zoneinfo import ZoneInfo

    for offset in range(-12, 15):
        name = "Etc/GMT" + (f"{-offset:+d}" if offset else "")  # Etc/GMT-2 is UTC+2
        local = now.astimezone(ZoneInfo(name))
        if local.hour in hours:
            return name, local
    raise AssertionError("every hour of the day is in some Etc/GMT zone")


def for_test(config: dict[str, Any], sink: Sink, secrets: Path, *, business_zone: str,
             business_day: str | None = None) -> dict[str, Any]:
    """The generated config with test timings, receivers at the sink, and the business hours moved."""
    for route in [config["route"], *config["route"]["routes"]]:
        route.update(group_wait="100ms", group_interval="1s", repeat_interval="1h")
    secrets.mkdir(exist_ok=True)
    for receiver in config["receivers"]:
        name = receiver["name"]
        for slack in receiver.get("slack_configs", []):
            (secrets / f"{name}.url").write_text(f"{sink.url}/slack/{name}\n")
            slack["api_url_file"] = str(secrets / f"{name}.url")
        for pagerduty in receiver.get("pagerduty_configs", []):
            (secrets / f"{name}.key").write_text(f"key-of-{name}\n")
            pagerduty.update(url=f"{sink.url}/pagerduty/{name}", routing_key_file=str(secrets / f"{name}.key"))
        for hook in receiver.get("webhook_configs", []):
            (secrets / f"{name}.token").write_text(f"token-of-{name}\n")
            hook["url"] = f"{sink.url}/webhook/{name}"
            hook["http_config"]["authorization"]["credentials_file"] = str(secrets / f"{name}.token")
    for interval in config["time_intervals"]:
        if interval["name"] == "business-hours":
            for entry in interval["time_intervals"]:
                entry["location"] = business_zone
                if business_day is not None:
                    entry["weekdays"] = [business_day]
    return config


def pick_alerts(plan: Any) -> dict[str, Any]:
    """From the plan: a critical, high and medium alert of one component, plus a high and a medium elsewhere."""
    by_component: dict[str, dict[str, Any]] = {}
    for alert in plan.alerts:
        by_component.setdefault(alert.component, {}).setdefault(alert.priority, alert)
    shared = next(c for c, found in by_component.items() if len(found) == 3)
    criticals = {a.component for a in plan.alerts if a.priority == "critical"}
    return {
        "critical": by_component[shared]["critical"], "high_same": by_component[shared]["high"],
        "medium_same": by_component[shared]["medium"],
        "high_other": next(a for a in plan.alerts if a.priority == "high" and a.component not in criticals),
        "medium_other": next(a for a in plan.alerts if a.priority == "medium" and a.component not in criticals),
    }


def payload(alert: Any) -> dict[str, Any]:
    return {"labels": {**dict(alert.labels), "alertname": alert.name},
            "annotations": {"summary": alert.metric, "runbook_url": alert.runbook_url or ""}}


def names_in(sink: Sink, receiver: str, alerts: dict[str, Any]) -> set[str]:
    found = set()
    for delivery in sink.to(receiver):
        for alert in alerts.values():
            if re.search(rf"\b{re.escape(alert.name)}\b", delivery.body):
                found.add(alert.name)
    return found


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for deliveries")
        time.sleep(0.1)


def run(plan: Any, sink: Sink, tmp_path: Path, start: Callable[[Path], RunningAlertmanager], **moved: Any) -> RunningAlertmanager:
    from monplan.generators.alertmanager import config

    test_config = for_test(config(plan), sink, tmp_path / "secrets", **moved)
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(test_config, sort_keys=False))
    return start(path)


def test_outside_business_hours_and_the_critical_period_alerts_reach_exactly_their_receivers(
        repo_plan: Any, sink: Sink, tmp_path: Path, alertmanager: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    plan = with_deployment(repo_plan, now - dt.timedelta(days=30))
    night_zone, _ = zone_where_it_is(range(1, 6), now)
    am = run(plan, sink, tmp_path, alertmanager, business_zone=night_zone)
    alerts = pick_alerts(plan)
    am.post_alerts([payload(a) for a in alerts.values()])
    critical, high_other = alerts["critical"].name, alerts["high_other"].name

    wait_for(lambda: all(names_in(sink, r, alerts) for r in ("emergency-channel", "team-pager", "oncall-pager")))
    time.sleep(2.5)  # more than two group intervals: anything held back would have gone out by now

    assert names_in(sink, "emergency-channel", alerts) == {critical}
    assert names_in(sink, "team-pager", alerts) == {critical}
    assert names_in(sink, "oncall-pager", alerts) == {high_other}  # the high alert of the same component is inhibited
    assert sink.to("ticket-system") == []  # medium alerts are held outside business hours
    assert sink.to("deployment-team") == []  # the critical period is long over
    state = {a["labels"]["alertname"]: a["status"] for a in am.alerts()}
    assert state[alerts["medium_other"].name]["state"] == "active"  # held, not lost
    assert state[alerts["high_same"].name]["state"] == "suppressed"
    assert state[alerts["high_same"].name]["inhibitedBy"]


def test_inside_business_hours_and_the_critical_period_every_receiver_gets_its_alerts(
        repo_plan: Any, sink: Sink, tmp_path: Path, alertmanager: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    plan = with_deployment(repo_plan, (now - dt.timedelta(hours=1)).replace(second=0, microsecond=0))
    midday_zone, local = zone_where_it_is(range(11, 15), now)
    weekdays = plan.routing.business_hours.weekdays
    day = DAYS[local.weekday()]
    am = run(plan, sink, tmp_path, alertmanager, business_zone=midday_zone,
             business_day=None if day in weekdays else day)  # on a weekend, make today a business day
    alerts = pick_alerts(plan)
    am.post_alerts([payload(a) for a in alerts.values()])
    critical, high_other, medium_other = (alerts[k].name for k in ("critical", "high_other", "medium_other"))

    wait_for(lambda: names_in(sink, "ticket-system", alerts) and len(names_in(sink, "deployment-team", alerts)) == 2)
    time.sleep(2.5)

    assert names_in(sink, "emergency-channel", alerts) == {critical}
    assert names_in(sink, "team-pager", alerts) == {critical}
    assert names_in(sink, "oncall-pager", alerts) == {high_other}
    assert names_in(sink, "deployment-team", alerts) == {critical, high_other}
    assert names_in(sink, "ticket-system", alerts) == {medium_other}  # the medium alert of the same component is inhibited


def test_secrets_are_read_from_the_files_the_config_names(
        repo_plan: Any, sink: Sink, tmp_path: Path, alertmanager: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    plan = with_deployment(repo_plan, now - dt.timedelta(days=30))
    midday_zone, local = zone_where_it_is(range(11, 15), now)
    am = run(plan, sink, tmp_path, alertmanager, business_zone=midday_zone, business_day=DAYS[local.weekday()])
    alerts = pick_alerts(plan)
    am.post_alerts([payload(alerts["critical"]), payload(alerts["medium_other"])])

    wait_for(lambda: sink.to("ticket-system") and sink.to("team-pager"))
    (ticket, *_) = sink.to("ticket-system")
    assert ticket.headers["Authorization"] == "Bearer token-of-ticket-system"
    page = sink.to("team-pager")[0].json
    assert page["routing_key"] == "key-of-team-pager"
    assert page["payload"]["severity"] == "critical"
