"""Fixtures of the alert-delivery tests: small plans, the repository's plan, an HTTP sink, Alertmanager."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, require_tool

# A plan with every part of delivery and little else: one alert per priority on the same
# component, one high alert elsewhere, and a rotation of six shifts that fills the week.
PLAN = """\
version: 1
system: Shop
timezone: Europe/Berlin
deployment:
  time: 2026-11-25T09:00:00+01:00
  team: [Ana]
monitoring_duration:
  - {period: Critical Period, from: 0h, until: 24h}
  - {period: Standard Operations, from: 24h}
sections:
  - title: Checkout
    metrics:
      - {metric: Checkout Availability, threshold: "<99%", priority: Critical, component: checkout, query: up}
      - {metric: Checkout Latency, threshold: ">2s", priority: High, component: checkout, query: "checkout_latency_seconds"}
      - {metric: Checkout Errors, threshold: ">5%", priority: Medium, component: checkout, query: "checkout_error_ratio"}
      - {metric: Search Latency, threshold: ">1s", priority: High, component: search, query: "search_latency_seconds"}
response_procedures:
  critical:
    immediate_actions: [Notify everyone]
    decision_points: [{when: User-facing, then: Tell the users}]
    resolution_path: [Assign an incident commander]
  high: {steps: [Notify on-call engineer, Investigate root cause]}
  medium: {steps: [Log in ticket system]}
alert_routing:
  business_hours: {weekdays: [monday, tuesday, wednesday, thursday, friday], start: "09:00", end: "17:00"}
  receivers:
    - name: chat
      slack: {channel: "#ops", api_url_file: /etc/am/slack.url}
    - name: team-pager
      pagerduty: {routing_key_file: /etc/am/team.key}
    - name: oncall-pager
      pagerduty: {routing_key_file: /etc/am/oncall.key}
    - name: tickets
      webhook: {url: "http://tickets.example.com/hook", credentials_file: /etc/am/tickets.token}
    - name: deploy-watch
      slack: {channel: "#deploy", api_url_file: /etc/am/deploy.url}
  routes:
    critical: {receivers: [chat, team-pager]}
    high: {receivers: [oncall-pager]}
    medium: {receivers: [tickets], business_hours_only: true}
  critical_period: {priorities: [critical, high], receivers: [deploy-watch]}
runbooks:
  base_url: https://runbooks.example.com/shop
people:
  - {name: Ana, email: ana@example.com}
  - {name: Ben, email: ben@example.com, oncall_user: ben.grafana}
  - {name: Cy}
  - {name: Lead, email: lead@example.com}
oncall:
  handoff: "09:00"
  rotation:
    - {day: Day 1, primary: Ana, secondary: Ben}
    - {day: Day 2, primary: Ben, secondary: Cy}
    - {day: Day 3, primary: Cy, secondary: Ana}
    - {day: Day 4, primary: Ana, secondary: Cy}
    - {day: Day 5, primary: Ben, secondary: Ana}
    - {day: Weekend, primary: Ana, secondary: Ben, days: 2}
escalation_path:
  - {level: On-Call Engineer, rotation: true, after: 0m, secondary_after: 5m}
  - {level: Team Lead, people: [Lead], after: 15m}
"""


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`: tests locate errors without hard-coding lines."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the plan")


def compile_plan(tmp_path: Path, text: str) -> Any:
    """The compiled plan of `text`; raises PlanError with the diagnostics."""
    from monplan.app.pipeline import load_plan

    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return load_plan(path)


def plan_problems(tmp_path: Path, text: str) -> list[Any]:
    from monplan.diagnostics import PlanError

    try:
        compile_plan(tmp_path, text)
    except PlanError as err:
        return err.diagnostics
    return []


@pytest.fixture(scope="session")
def repo_plan() -> Any:
    from monplan.app.pipeline import load_plan

    return load_plan(ROOT / "plan.yaml")


@pytest.fixture(scope="session")
def repo_files(repo_plan: Any) -> dict[str, bytes]:
    from monplan.app.pipeline import render

    return render(repo_plan)


# --- a local HTTP sink standing in for Slack, PagerDuty and the ticket bridge ----------------

@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: str

    @property
    def receiver(self) -> str:
        return self.path.strip("/").split("/")[1]

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Sink:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, receiver: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.receiver == receiver]


@pytest.fixture
def sink() -> Iterator[Sink]:
    box: dict[str, Sink] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8", "replace")
            with box["sink"].lock:
                box["sink"].deliveries.append(Delivery(self.path, dict(self.headers.items()), body))
            self.send_response(202 if "/pagerduty/" in self.path else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "success"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["sink"] = Sink(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box["sink"]
    server.shutdown()
    server.server_close()


# --- a real Alertmanager on 127.0.0.1 -------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningAlertmanager:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        request = urllib.request.Request(f"{self.url}/api/v2/alerts", data=json.dumps(alerts).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    def alerts(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=10) as response:
            return json.loads(response.read())


def start_alertmanager(config: Path, workdir: Path) -> RunningAlertmanager:
    binary = require_tool("prometheus-alertmanager")
    for _attempt in range(3):  # another test may take the port between probe and bind
        port = free_port()
        log = workdir / f"alertmanager-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [binary, f"--config.file={config}", f"--storage.path={workdir / f'data-{port}'}",
                 f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=debug"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as response:
                    if response.status == 200:
                        return RunningAlertmanager(url, process, log)
            except OSError:
                time.sleep(0.05)
        stop(process)
    raise AssertionError(f"Alertmanager did not start: {log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the process this test started, by its PID."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Any]:
    """start(config_path) runs a real Alertmanager; every one started is stopped at the end."""
    started: list[RunningAlertmanager] = []

    def start(config: Path) -> RunningAlertmanager:
        running = start_alertmanager(config, tmp_path)
        started.append(running)
        return running

    yield start
    for running in started:
        stop(running.process)
