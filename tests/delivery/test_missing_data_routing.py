"""Missing-data alerts under a real Alertmanager with the generated config: a job's TargetDown
holds back the NoData alerts of the rows reading that job, and only those."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

from tests.delivery.conftest import Sink
from tests.delivery.test_alertmanager_e2e import names_in, run, wait_for, with_deployment, zone_where_it_is

pytestmark = pytest.mark.e2e


def _payload(watch: Any, **series: str) -> dict[str, Any]:
    from monplan.lang.gotemplate import expand_value

    labels = {key: expand_value(value, 1.0, series) for key, value in watch.labels}
    return {"labels": {**series, **labels, "alertname": watch.name},
            "annotations": {key: expand_value(value, 1.0, series) for key, value in watch.annotations}}


def test_a_target_down_holds_back_the_no_data_alerts_of_the_rows_reading_its_job(
        repo_plan: Any, sink: Sink, tmp_path: Path, alertmanager: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    plan = with_deployment(repo_plan, now - dt.timedelta(days=30))  # no critical-period receivers
    night_zone, _ = zone_where_it_is(range(1, 6), now)
    am = run(plan, sink, tmp_path, alertmanager, business_zone=night_zone)
    down = next(w for w in plan.target_watches if w.kind == "target_down" and w.job == "uws-api")
    reading = [w for w in plan.watches if w.kind == "no_data" and "uws-api" in w.jobs]
    elsewhere = next(w for w in plan.watches if w.kind == "no_data" and w.jobs and "uws-api" not in w.jobs)
    assert reading and down.priority == elsewhere.priority == "high"
    am.post_alerts([_payload(down, job="uws-api", instance="uws-api-1.example.internal:8080"),
                    *(_payload(w) for w in reading), _payload(elsewhere)])
    everything = {w.name: w for w in (down, elsewhere, *reading)}

    wait_for(lambda: {down.name, elsewhere.name} <= names_in(sink, "oncall-pager", everything))
    time.sleep(2.5)  # more than two group intervals: anything not held back would have gone out

    assert names_in(sink, "oncall-pager", everything) == {down.name, elsewhere.name}
    state = {a["labels"]["alertname"]: a["status"] for a in am.alerts()}
    for watch in reading:
        assert state[watch.name]["state"] == "suppressed", watch.name
        assert state[watch.name]["inhibitedBy"]
    assert state[elsewhere.name]["state"] == "active"
