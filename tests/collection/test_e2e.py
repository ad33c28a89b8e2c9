"""End to end on the real servers: Prometheus runs the generated prometheus.yml and rules,
scrapes a synthetic exporter per job, and sends to Alertmanager running the generated
alertmanager.yml, whose receivers all point at a local webhook sink. Rows of every priority
and kind are driven into breach: exactly their alerts fire, reach their receivers, and
resolve when the values recover.

Test-only overrides, so that the run takes seconds: 1s scrape and evaluation intervals,
`for` of 3s, query windows of 10s, a baseline 12s back instead of a week, Alertmanager
group waits of 1s, and its time intervals (business hours, critical period) always active.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml

from . import synthetic
from .conftest import Process, build_files, free_port, http_get, plan_data, wait_until, write_files, write_plan

pytestmark = pytest.mark.e2e

WINDOW, BASELINE_BACK = "10s", "12s"
# Rows driven into breach: priority and kind -> the alert.
BREACHES = {
    ("critical", "ratio"): "APIEndpointAvailability",
    ("critical", "any"): "CrossTenantDataAccess",
    ("high", "ratio"): "MemoryUsage",
    ("high", "latency"): "FrontendLoading",
    ("high", "any, first event of a new labelled series"): "DatabaseErrors",
    ("medium", "latency"): "DatabaseQueryTime",
    ("medium", "baseline"): "WorkflowCreationRate",
    ("medium", "any"): "CommissionWithoutWorkflowId",
}
FAST = [0.5, 1, 2.5, 5, 10]


def fast_plan(tmp_path: Path, addresses: dict[str, str], alertmanager: str) -> Path:
    """plan.yaml with every target on the synthetic exporters and the test-only timings."""
    data = plan_data()
    data["defaults"].update({"for": "3s", "sustained_for": "4s", "evaluation_interval": "1s"})
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    text = re.sub(r"\[(5m|10m|15m|1h)\]", f"[{WINDOW}]", text)  # query windows
    data = yaml.safe_load(text)
    col = data["collection"]
    col.update({"scrape_interval": "1s", "scrape_timeout": "1s"})
    for app in col["applications"]:
        app["targets"] = [addresses[app["job"]]]
    for name in ("node_exporter", "postgres_exporter", "mtail"):
        col[name]["targets"] = [addresses[col[name]["job"]]]
    col["blackbox"]["exporter"] = addresses["blackbox"]
    for probe in col["blackbox"]["probes"]:
        probe["timeout"] = "500ms"
    data["endpoints"]["alertmanager_url"] = f"http://{alertmanager}"
    return write_plan(tmp_path, data)


def healthy(sources: dict[str, synthetic.Source]) -> None:
    """Every series the plan's alerts read, at values inside every threshold."""
    api, rum, node, pg, mtail = (sources[j] for j in ("uws-api", "uws-rum", "node", "postgres", "mtail"))
    api.counter("http_server_request_duration_seconds_sum", 1.0)
    api.counter("http_server_request_duration_seconds_count", 10.0)
    for name, rate in (("uws_workflows_created_total", 5), ("uws_customers_created_total", 2)):
        api.counter(name, rate)
    api.counter("uws_user_session_duration_seconds_sum", 600)
    api.counter("uws_user_session_duration_seconds_count", 1)
    api.counter("uws_commission_calculation_mismatches_total", 0)
    for name in ("rum_app_load_seconds", "rum_page_load_seconds"):
        rum.histogram(name, {**{str(le): 10.0 for le in FAST}, "+Inf": 10.0})
    rum.counter("rum_js_exceptions_total", 0)
    rum.counter("rum_page_views_total", 10)
    node.gauge("node_memory_MemAvailable_bytes", 8e9)
    node.gauge("node_memory_MemTotal_bytes", 16e9)
    node.counter("node_cpu_seconds_total", 0.9, cpu="0", mode="idle")
    for query in ("workflow_listing", "customer_search", "commission_calculation"):
        pg.counter("uws_key_query_calls_total", 1.0, query=query)
        pg.counter("uws_key_query_exec_seconds_total", 0.01, query=query)
    pg.counter("uws_rls_policy_violations_total", 0)
    pg.gauge("uws_customer_code_sequence_last_value", 100)
    pg.gauge("uws_customer_code_sequence_max_value", 1000)
    pg.gauge("uws_customer_code_duplicates", 0)
    pg.gauge("uws_commissions_without_workflow_id", 0)
    mtail.counter("auth_login_attempts_total", 10, result="success")
    mtail.counter("auth_login_attempts_total", 0.05, result="failure")
    mtail.counter("auth_login_attempts_total", 0, result="error")
    for status_class, rate in (("2xx", 10.0), ("4xx", 0.1), ("5xx", 0.0)):
        mtail.counter("http_log_responses_total", rate, status_class=status_class, component="api")
    mtail.counter("postgresql_log_messages_total", 1, severity="LOG")
    mtail.counter("security_audit_cross_tenant_access_total", 0)
    mtail.counter("uws_customer_code_collisions_total", 0)


def breach(sources: dict[str, synthetic.Source], probes: synthetic.Probes) -> None:
    probes.failing.add("http_2xx_api")  # the API endpoint stops answering
    sources["mtail"].counter("security_audit_cross_tenant_access_total", 0, value=1)  # one event
    sources["node"].gauge("node_memory_MemAvailable_bytes", 1e9)  # 94% used
    sources["uws-rum"].histogram("rum_app_load_seconds", {"0.5": 0, "1": 0, "2.5": 0, "5": 10, "10": 10, "+Inf": 10})
    # mtail's severity="ERROR" series had not been created: it appears with its first event, at 1.
    sources["mtail"].counter("postgresql_log_messages_total", 0, value=1, severity="ERROR")
    sources["postgres"].counter("uws_key_query_exec_seconds_total", 0.5, query="workflow_listing")  # 500ms
    sources["uws-api"].counter("uws_workflows_created_total", 0.5)  # a tenth of the baseline
    sources["postgres"].gauge("uws_commissions_without_workflow_id", 3)


def recover(sources: dict[str, synthetic.Source], probes: synthetic.Probes) -> None:
    probes.failing.clear()
    sources["node"].gauge("node_memory_MemAvailable_bytes", 8e9)
    sources["uws-rum"].histogram("rum_app_load_seconds", {**{str(le): 10.0 for le in FAST}, "+Inf": 10.0})
    sources["postgres"].counter("uws_key_query_exec_seconds_total", 0.01, query="workflow_listing")
    sources["uws-api"].counter("uws_workflows_created_total", 5)
    sources["postgres"].gauge("uws_commissions_without_workflow_id", 0)


class Sink:
    """The webhook every receiver points at: records (receiver, status, alertname) of each notification."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, str]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                for alert in payload["alerts"]:
                    sink.received.append((payload["receiver"], alert["status"], alert["labels"]["alertname"]))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def receivers(self, alert: str, status: str) -> set[str]:
        return {r for r, s, a in list(self.received) if a == alert and s == status}


def alertmanager_copy(config: dict[str, Any], sink: str) -> dict[str, Any]:
    """The generated config with every receiver pointing at the sink and the waits shortened."""
    config = json.loads(json.dumps(config))
    config["receivers"] = [{"name": r["name"], "webhook_configs": [{"url": f"{sink}/{r['name']}", "send_resolved": True}]}
                           for r in config["receivers"]]

    def fast(route: dict[str, Any]) -> None:
        route.update({k: "1s" for k in ("group_wait", "group_interval") if k in route or route is config["route"]})
        for child in route.get("routes", []):
            fast(child)

    fast(config["route"])
    for interval in config.get("time_intervals", []):
        interval["time_intervals"] = [{}]  # always: the run must not depend on the clock
    return config


def expected_receivers(plan: dict[str, Any], priority: str) -> set[str]:
    routing = plan["alert_routing"]
    out = set(routing["routes"][priority]["receivers"])
    period = routing.get("critical_period")
    if period and priority in period.get("priorities", ["critical", "high"]):
        out |= set(period["receivers"])
    return out


def prometheus_alerts(port: int) -> dict[str, str]:
    data = json.loads(http_get(f"http://127.0.0.1:{port}/api/v1/alerts"))["data"]["alerts"]
    return {a["labels"]["alertname"]: a["state"] for a in data}


def test_breaches_fire_exactly_their_alerts_reach_their_receivers_and_resolve(
        tmp_path: Path, processes: Callable[..., Process], prometheus_bin: str, alertmanager_bin: str) -> None:
    jobs = ("uws-api", "uws-rum", "uws-realtime", "node", "postgres", "mtail")
    sources = {job: synthetic.Source() for job in jobs}
    probes = synthetic.Probes()
    servers = {job: synthetic.serve(source=sources[job]) for job in jobs}
    servers["blackbox"] = synthetic.serve(probes=probes)
    addresses = {job: synthetic.address(server) for job, server in servers.items()}
    healthy(sources)

    am_port, prom_port = free_port(), free_port()
    plan_path = fast_plan(tmp_path, addresses, f"127.0.0.1:{am_port}")
    files = build_files(plan_path)
    rules = {p: d.replace(b"offset 1w", f"offset {BASELINE_BACK}".encode()) for p, d in files.items()
             if p.startswith("prometheus/rules/")}
    root = write_files({**files, **rules}, tmp_path / "generated")

    sink = Sink()
    am_config = files.get("alertmanager/alertmanager.yml")
    if am_config is not None:
        am_file = tmp_path / "alertmanager.yml"
        am_file.write_text(yaml.safe_dump(alertmanager_copy(yaml.safe_load(am_config), sink.url), sort_keys=False))
        am = processes([alertmanager_bin, f"--config.file={am_file}", f"--storage.path={tmp_path / 'am-data'}",
                        f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="], tmp_path / "am.log")
        wait_until(lambda: http_get(f"http://127.0.0.1:{am_port}/-/ready"), 30, f"Alertmanager\n{am.output()}")
    prom = processes([prometheus_bin, f"--config.file={root / 'prometheus' / 'prometheus.yml'}",
                      f"--storage.tsdb.path={tmp_path / 'prom-data'}", f"--web.listen-address=127.0.0.1:{prom_port}"],
                     tmp_path / "prometheus.log")
    api = f"http://127.0.0.1:{prom_port}/api/v1"
    try:
        wait_until(lambda: http_get(f"http://127.0.0.1:{prom_port}/-/ready"), 30, "Prometheus to start")
        targets = sum(len(c["targets"]) for job in yaml.safe_load(files["prometheus/prometheus.yml"])["scrape_configs"]
                      for c in job["static_configs"])
        _run(api, prom_port, targets, sources, probes, sink, am_config is not None)
    except AssertionError:
        print(prom.output())
        raise
    if am_config is None:
        pytest.skip("Prometheus half passed; no alertmanager/alertmanager.yml is generated yet (issue 3)")


def _run(api: str, prom_port: int, targets: int, sources: dict[str, synthetic.Source], probes: synthetic.Probes, sink: Sink,
         with_alertmanager: bool) -> None:
    plan = plan_data()

    def targets_up() -> bool:
        active = json.loads(http_get(f"{api}/targets"))["data"]["activeTargets"]
        return len(active) == targets and all(t["health"] == "up" for t in active)

    wait_until(targets_up, 30, "every scrape job of prometheus.yml to be up")
    # The probe jobs sent each URL as the target parameter, to the module of the plan.
    assert ("http_2xx_health_database", "https://api.uws.example.com/health/database") in probes.seen

    def warmed_up() -> bool:
        # Baselines look 12s back, and the first-event guard needs targets scraped a window ago.
        query = f"monplan:workflow_creation_rate:baseline and on() (count(up offset {WINDOW} == 1) == {targets})"
        return bool(json.loads(http_get(f"{api}/query?{urlencode({'query': query})}"))["data"]["result"])

    wait_until(warmed_up, 60, "baselines and a window of history")
    assert prometheus_alerts(prom_port) == {}, "healthy values must fire nothing"

    breach(sources, probes)
    expected = set(BREACHES.values())

    seen: dict[str, str] = {}

    def all_firing() -> bool:
        alerts = prometheus_alerts(prom_port)
        seen.clear()
        seen.update(alerts)
        unexpected = set(alerts) - expected
        assert not unexpected, f"alerts the breaches do not explain: {unexpected}"
        return {name for name, state in alerts.items() if state == "firing"} == expected

    try:
        wait_until(all_firing, 45, f"exactly {sorted(expected)} to fire")
    except AssertionError as err:
        raise AssertionError(f"{err}; Prometheus had: {seen}") from None

    if with_alertmanager:
        for (priority, _), alert in BREACHES.items():
            want = expected_receivers(plan, priority)
            wait_until(lambda alert=alert, want=want: sink.receivers(alert, "firing") >= want, 30,
                       f"{alert} to reach {sorted(want)}")
            assert sink.receivers(alert, "firing") == want, f"{alert} reached {sink.receivers(alert, 'firing')}"

    recover(sources, probes)
    wait_until(lambda: prometheus_alerts(prom_port) == {}, 60, "every alert to resolve once values recover")
    if with_alertmanager:
        for (priority, _), alert in BREACHES.items():
            want = expected_receivers(plan, priority)
            wait_until(lambda alert=alert, want=want: sink.receivers(alert, "resolved") >= want, 30,
                       f"{alert} resolved at {sorted(want)}")
        assert {a for _, _, a in sink.received} == expected, "only the breached rows' alerts were notified"
