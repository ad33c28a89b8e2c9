"""A business-hours route loses the resolution of an alert that resolves outside its hours: a
real Alertmanager with the generated routing, its business hours moved to two one-minute
windows with a gap between them. The README says so under "Business hours"; this test shows
the behaviour the README describes (prometheus/alertmanager#3617), so a change of it (a newer
Alertmanager, or monplan routing resolution some other way) is noticed."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import run_monplan
from tests.delivery.conftest import Sink

pytestmark = pytest.mark.e2e

PLAN = """\
version: 1
system: Shop
timezone: UTC
deployment:
  time: 2026-12-03T09:00:00+00:00
sections:
  - title: Hosts
    metrics:
      - {metric: Disk Usage, threshold: ">80%", priority: Medium,
         query: '1 - min(node_filesystem_avail_bytes / node_filesystem_size_bytes)'}
alert_routing:
  receivers:
    - {name: pager, webhook: {url: "http://pager:8080/"}}
    - {name: tickets, webhook: {url: "http://tickets:8080/"}}
  routes:
    critical: {receivers: [pager]}
    medium: {receivers: [tickets], business_hours_only: true}
"""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _until(when: dt.datetime) -> None:
    while _now() < when:
        time.sleep(0.2)


def _config(tmp_path: Path, sink: Sink, start: dt.datetime) -> Path:
    (tmp_path / "plan.yaml").write_text(PLAN)
    result = run_monplan("-q", "build", "--plan", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / "gen"))
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load((tmp_path / "gen" / "alertmanager" / "alertmanager.yml").read_text())
    hours = [interval for interval in config["time_intervals"] if interval["name"] == "business-hours"]
    assert hours, "the medium route waits for business hours"

    def minute(offset: int) -> str:
        return (start + dt.timedelta(minutes=offset)).strftime("%H:%M")

    # open for [start, start+1m) and [start+2m, start+3m): closed for the minute between
    hours[0]["time_intervals"] = [{"times": [{"start_time": minute(0), "end_time": minute(1)},
                                             {"start_time": minute(2), "end_time": minute(3)}], "location": "UTC"}]
    for route in config["route"]["routes"]:
        route.update(group_wait="1s", group_interval="5s")
    for receiver in config["receivers"]:
        receiver["webhook_configs"][0]["url"] = f"{sink.url}/webhook/{receiver['name']}"
        receiver["webhook_configs"][0].pop("http_config", None)
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def test_a_medium_alert_resolving_outside_business_hours_is_never_told_resolved(tmp_path: Path, sink: Sink,
                                                                                alertmanager: Any) -> None:
    start = (_now() + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    if start.strftime("%H:%M") > "23:56":  # the windows must not cross midnight
        pytest.skip("too close to midnight UTC for three one-minute windows")
    running = alertmanager(_config(tmp_path, sink, start))
    labels = {"alertname": "DiskUsage", "severity": "medium", "service": "shop", "component": "hosts"}
    began = (start + dt.timedelta(seconds=3)).isoformat()

    _until(start + dt.timedelta(seconds=3))  # inside business hours: it fires and opens a ticket
    for _ in range(4):
        running.post_alerts([{"labels": labels, "startsAt": began}])
        time.sleep(3)
    _until(start + dt.timedelta(seconds=70))  # outside business hours: it resolves
    running.post_alerts([{"labels": labels, "startsAt": began, "endsAt": _now().isoformat()}])
    _until(start + dt.timedelta(minutes=2, seconds=40))  # business hours again, several flushes later

    told = [json.loads(d.body)["status"] for d in sink.to("tickets")]
    assert told and set(told) == {"firing"}, f"the ticket system heard {told}: expected the firing only"
