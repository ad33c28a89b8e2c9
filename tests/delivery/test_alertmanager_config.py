"""The generated alertmanager.yml, read as Alertmanager reads it: routes, receivers, inhibition, intervals."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from tests.delivery.conftest import PLAN, compile_plan

CONFIG = "alertmanager/alertmanager.yml"


def config_of(tmp_path: Path, text: str = PLAN) -> dict[str, Any]:
    from monplan.generators.alertmanager import generate

    return yaml.safe_load(generate(compile_plan(tmp_path, text))[CONFIG])


def routes_for(config: dict[str, Any], priority: str) -> list[dict[str, Any]]:
    return [r for r in config["route"]["routes"] if r["matchers"] == [f'severity="{priority}"']]


def test_critical_alerts_reach_both_the_emergency_channel_and_the_team_pager_with_continue(tmp_path: Path) -> None:
    routes = routes_for(config_of(tmp_path), "critical")
    plain = [r for r in routes if "active_time_intervals" not in r]
    assert [r["receiver"] for r in plain] == ["chat", "team-pager"]
    assert all(r["continue"] is True for r in plain)


def test_every_route_but_the_last_continues_so_no_route_swallows_an_alert(tmp_path: Path) -> None:
    routes = config_of(tmp_path)["route"]["routes"]
    assert all(r.get("continue") is True for r in routes[:-1])


def test_medium_alerts_go_to_tickets_only_inside_business_hours_in_the_plans_time_zone(tmp_path: Path) -> None:
    config = config_of(tmp_path)
    (route,) = routes_for(config, "medium")
    assert route["receiver"] == "tickets"
    (name,) = route["active_time_intervals"]
    interval = next(i for i in config["time_intervals"] if i["name"] == name)
    assert interval["time_intervals"] == [{"weekdays": ["monday:friday"], "location": "Europe/Berlin",
                                           "times": [{"start_time": "09:00", "end_time": "17:00"}]}]


def test_business_hours_take_their_own_time_zone_and_weekdays_when_the_plan_gives_them(tmp_path: Path) -> None:
    text = PLAN.replace('business_hours: {weekdays: [monday, tuesday, wednesday, thursday, friday],',
                        'business_hours: {timezone: America/New_York, weekdays: [Sunday, monday, tuesday, thursday],')
    config = config_of(tmp_path, text)
    interval = next(i for i in config["time_intervals"] if i["name"] == "business-hours")["time_intervals"][0]
    assert interval["location"] == "America/New_York"
    assert interval["weekdays"] == ["monday:tuesday", "thursday", "sunday"]


def test_high_alerts_page_the_on_call_engineer_and_are_not_limited_in_time(tmp_path: Path) -> None:
    config = config_of(tmp_path)
    plain = [r for r in routes_for(config, "high") if "active_time_intervals" not in r]
    assert [r["receiver"] for r in plain] == ["oncall-pager"]


def test_timings_are_the_plans_or_sensible_defaults_faster_for_higher_priorities(tmp_path: Path) -> None:
    from monplan.lang.durations import parse_ms

    text = PLAN.replace("critical: {receivers: [chat, team-pager]}",
                        "critical: {receivers: [chat, team-pager], group_wait: 5s, repeat_interval: 30m}")
    config = config_of(tmp_path, text)
    critical = routes_for(config, "critical")[0]
    assert (critical["group_wait"], critical["repeat_interval"]) == ("5s", "30m")
    waits = {p: parse_ms(routes_for(config, p)[0]["group_wait"]) for p in ("critical", "high", "medium")}
    repeats = {p: parse_ms(routes_for(config, p)[0]["repeat_interval"]) for p in ("high", "medium")}
    assert waits["critical"] < waits["high"] < waits["medium"]
    assert repeats["high"] < repeats["medium"]
    assert config["route"]["group_by"] == ["alertname", "service", "component"]


def test_a_critical_alert_inhibits_high_and_medium_alerts_of_the_same_service_and_component(tmp_path: Path) -> None:
    (rule,) = config_of(tmp_path)["inhibit_rules"]
    assert rule == {"source_matchers": ['severity="critical"'], "target_matchers": ['severity=~"high|medium"'],
                    "equal": ["service", "component"]}


def test_during_the_critical_period_critical_and_high_alerts_also_reach_the_deployment_team(tmp_path: Path) -> None:
    config = config_of(tmp_path)
    for priority in ("critical", "high"):
        extra = [r for r in routes_for(config, priority) if r.get("active_time_intervals") == ["critical-period"]]
        assert [r["receiver"] for r in extra] == ["deploy-watch"]
    assert all("critical-period" not in r.get("active_time_intervals", []) for r in routes_for(config, "medium"))


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)  # "24:00" is 1440, the end of the day


def _covered(entries: list[dict[str, Any]], moment: dt.datetime) -> bool:
    """Whether Alertmanager's interval entries (in UTC, as generated) contain `moment`."""
    months = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december")
    utc = moment.astimezone(dt.UTC)
    for entry in entries:
        assert entry["location"] == "UTC"
        if [str(utc.year)] != entry["years"] or [months[utc.month - 1]] != entry["months"]:
            continue
        if [str(utc.day)] != entry["days_of_month"]:
            continue
        minute = utc.hour * 60 + utc.minute
        if any(_minutes(span["start_time"]) <= minute < _minutes(span["end_time"]) for span in entry["times"]):
            return True
    return False


def test_the_critical_period_interval_is_exactly_the_first_24_hours_after_deployment(tmp_path: Path) -> None:
    config = config_of(tmp_path)
    entries = next(i for i in config["time_intervals"] if i["name"] == "critical-period")["time_intervals"]
    deployed = dt.datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    minute = dt.timedelta(minutes=1)
    assert _covered(entries, deployed)
    assert _covered(entries, deployed + dt.timedelta(hours=24) - minute)
    assert not _covered(entries, deployed - minute)
    assert not _covered(entries, deployed + dt.timedelta(hours=24))


def test_a_critical_period_across_a_daylight_saving_change_still_lasts_24_real_hours(tmp_path: Path) -> None:
    # Berlin leaves summer time at 03:00 on 2026-10-25: that local day has 25 hours.
    config = config_of(tmp_path, PLAN.replace("time: 2026-11-25T09:00:00+01:00", "time: 2026-10-24T12:00:00+02:00"))
    entries = next(i for i in config["time_intervals"] if i["name"] == "critical-period")["time_intervals"]
    deployed = dt.datetime(2026, 10, 24, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    end = deployed.astimezone(dt.UTC) + dt.timedelta(hours=24)  # real hours, not wall-clock ones
    assert end.astimezone(ZoneInfo("Europe/Berlin")).hour == 11  # the clocks went back an hour
    assert _covered(entries, end - dt.timedelta(minutes=1))
    assert not _covered(entries, end)


def test_receivers_hold_no_secret_only_the_file_fields_the_plan_names(tmp_path: Path) -> None:
    config = config_of(tmp_path)
    by_name = {r["name"]: r for r in config["receivers"]}
    assert by_name["chat"]["slack_configs"][0]["api_url_file"] == "/etc/am/slack.url"
    assert by_name["team-pager"]["pagerduty_configs"][0]["routing_key_file"] == "/etc/am/team.key"
    webhook = by_name["tickets"]["webhook_configs"][0]
    assert webhook["http_config"]["authorization"] == {"type": "Bearer", "credentials_file": "/etc/am/tickets.token"}
    text = yaml.safe_dump(config)
    for secret_field in ("api_url:", "routing_key:", "service_key:", "credentials:", "auth_password:", "api_key:"):
        assert secret_field not in text


def test_pagerduty_gets_severities_its_events_api_accepts(tmp_path: Path) -> None:
    severity = config_of(tmp_path)["receivers"][1]["pagerduty_configs"][0]["severity"]
    words = set(re.findall(r"\}\}(\w+)\{\{", severity))
    assert words <= {"critical", "error", "warning", "info"} and len(words) == 3


def test_plan_text_in_templated_fields_is_escaped_for_go_templates(tmp_path: Path) -> None:
    text = PLAN.replace('slack: {channel: "#ops", api_url_file: /etc/am/slack.url}',
                        'slack: {channel: "#ops-{{ .Status }}", title: "Alert {{ x }}", api_url_file: /etc/am/slack.url}')
    slack = config_of(tmp_path, text)["receivers"][0]["slack_configs"][0]
    assert slack["channel"] == '#ops-{{ "{{" }} .Status {{ "}}" }}'
    assert slack["title"] == 'Alert {{ "{{" }} x {{ "}}" }}'


def test_an_email_receiver_uses_auth_password_file_and_escapes_its_addresses(tmp_path: Path) -> None:
    text = PLAN.replace("    - name: deploy-watch\n", "    - name: mail\n      email: {to: [a@example.com, b@example.com], "
                        "from: am@example.com, smarthost: 'smtp.example.com:587', auth_username: am, "
                        "auth_password_file: /etc/am/smtp.pass}\n    - name: deploy-watch\n")
    mail = next(r for r in config_of(tmp_path, text)["receivers"] if r["name"] == "mail")["email_configs"][0]
    assert mail["to"] == "a@example.com, b@example.com"
    assert mail["auth_password_file"] == "/etc/am/smtp.pass" and "auth_password" not in mail


def test_alerts_of_no_known_priority_reach_the_on_call_unless_the_plan_names_a_default(tmp_path: Path) -> None:
    assert config_of(tmp_path)["route"]["receiver"] == "oncall-pager"
    text = PLAN.replace("  routes:\n    critical:", "  default_receiver: tickets\n  routes:\n    critical:")
    assert config_of(tmp_path, text)["route"]["receiver"] == "tickets"


def test_a_plan_without_alert_routing_builds_no_alertmanager_config(tmp_path: Path) -> None:
    from monplan.generators.alertmanager import generate

    text = PLAN.split("alert_routing:")[0] + "runbooks:" + PLAN.split("runbooks:")[1]
    assert generate(compile_plan(tmp_path, text)) == {}


def test_the_same_plan_gives_byte_identical_config(tmp_path: Path) -> None:
    from monplan.generators.alertmanager import generate

    first = generate(compile_plan(tmp_path, PLAN))
    second = generate(compile_plan(tmp_path, PLAN))
    assert first == second
