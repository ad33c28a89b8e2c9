"""`monplan validate --prometheus`: every live check against a real Prometheus holding a
backfilled day of series (promtool tsdb create-blocks-from openmetrics) and scraping a small
exporter for the metric metadata (counter or gauge) that backfilled blocks do not carry.
Each row of tests/live/plan.yaml breaks one check, except Queue Depth, which is fine."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import require_tool, run_monplan
from reports.conftest import _backfill, _ready, _start

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
PLAN = HERE / "plan.yaml"
END = 1_763_596_800  # 2025-11-20 00:00 UTC: the end of the backfilled day
DAY = 86_400
METADATA = """# TYPE http_requests_total counter
http_requests_total{code="200"} 1
# TYPE queue_depth gauge
queue_depth 3
# TYPE probe_success gauge
probe_success 1
# TYPE cpu_busy gauge
cpu_busy 57
"""


def _history() -> str:
    """A day of minutes: the API always up, 5% of its requests failing, a queue that climbs every
    hour past 18 for twelve minutes, a CPU gauge in percent (57)."""
    lines = ["# TYPE probe_success unknown", "# TYPE http_requests_total unknown", "# TYPE queue_depth unknown",
             "# TYPE cpu_busy unknown"]
    series: dict[str, list[str]] = {"probe_success": [], "http_requests_total": [], "queue_depth": [], "cpu_busy": []}
    api = 'job="api",instance="api-1:8080"'
    for minute in range(DAY // 60 + 1):
        stamp = END - DAY + minute * 60
        series["probe_success"].append(f"probe_success{{{api}}} 1 {stamp}")
        series["http_requests_total"].append(f'http_requests_total{{{api},code="200"}} {95 * minute} {stamp}')
        series["http_requests_total"].append(f'http_requests_total{{{api},code="500"}} {5 * minute} {stamp}')
        series["queue_depth"].append(f"queue_depth{{{api}}} {10 + 10 * (minute % 60) / 60} {stamp}")
        series["cpu_busy"].append(f"cpu_busy{{{api}}} 57 {stamp}")
    text = ""
    for head, samples in zip(lines, series.values(), strict=True):
        samples.sort(key=lambda line: (line.rsplit(" ", 2)[0], int(line.rsplit(" ", 1)[1])))
        text += head + "\n" + "\n".join(samples) + "\n"
    return text + "# EOF\n"


class _Exporter(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = METADATA.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def exporter() -> Iterator[str]:
    yield from _serve(_Exporter)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory, exporter: str) -> Iterator[str]:
    binary = require_tool("prometheus")
    root = tmp_path_factory.mktemp("live")
    work, data = root / "input", root / "data"
    work.mkdir()
    data.mkdir()
    _backfill(_history(), data, work)
    config = root / "prometheus.yml"
    config.write_text(f"global: {{scrape_interval: 1s}}\nscrape_configs:\n  - job_name: metadata\n"
                      f"    static_configs: [{{targets: ['{exporter}']}}]\n")
    process, url = _start(binary, data, config, root / "prometheus.log")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if _ready(url) and _has_metadata(url):
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"Prometheus did not start or scrape; its log:\n{(root / 'prometheus.log').read_text()[-3000:]}")
        yield url
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)


def _has_metadata(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/metadata?metric=queue_depth", timeout=2) as response:
            return bool(json.load(response)["data"])
    except (OSError, ValueError, KeyError):
        return False


def _live(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_monplan("validate", "--no-tools", "--plan", "plan.yaml", "--prometheus", url, "--at", str(END),
                       "--since", "1d", *extra, cwd=HERE)


@pytest.fixture(scope="module")
def findings(prometheus: str) -> dict[str, list[dict[str, Any]]]:
    """Diagnostics of the live checks by row (its metric), from --format json."""
    result = _live(prometheus, "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    report = json.loads(result.stdout)
    lines = PLAN.read_text().splitlines()
    by_row: dict[str, list[dict[str, Any]]] = {}
    for item in report["diagnostics"]:
        if not item.get("check", "").startswith("live/"):
            continue
        # The row is the last "- metric:" line at or above the query's line.
        row = next(line.split("metric:", 1)[1].strip() for line in reversed(lines[:item["line"]]) if "- metric:" in line)
        by_row.setdefault(row, []).append(item)
    return by_row


def _checks(findings: dict[str, list[dict[str, Any]]], row: str) -> list[str]:
    return sorted(item["check"] for item in findings.get(row, []))


def test_a_selector_without_series_is_named(findings: dict[str, list[dict[str, Any]]]) -> None:
    assert _checks(findings, "Checkout Failures") == ["live/series-missing"]
    assert 'checkout_failures_total{job="api"} matches no series' in findings["Checkout Failures"][0]["message"]
    assert _checks(findings, "Renamed Job") == ["live/series-missing"]
    assert 'probe_success{job="api-v2"}' in findings["Renamed Job"][0]["message"]


def test_labels_no_series_has_are_named(findings: dict[str, list[dict[str, Any]]]) -> None:
    assert _checks(findings, "Requests By Region") == ["live/label-missing"]
    assert '"region"' in findings["Requests By Region"][0]["message"]
    assert _checks(findings, "Team Requests") == ["live/label-missing"]
    assert '"team"' in findings["Team Requests"][0]["message"]


def test_rate_of_a_gauge_and_a_raw_counter_are_counter_findings(findings: dict[str, list[dict[str, Any]]]) -> None:
    counter = [item for item in findings["Queue Growth"] if item["check"] == "live/counter"]
    assert len(counter) == 1 and "gauge" in counter[0]["message"] and "rate()" in counter[0]["message"]
    assert _checks(findings, "Request Total") == ["live/counter"]
    assert "raw counter http_requests_total" in findings["Request Total"][0]["message"]


def test_a_ratio_row_returning_a_percentage_is_a_unit_finding(findings: dict[str, list[dict[str, Any]]]) -> None:
    assert "live/unit" in _checks(findings, "CPU Busy")
    unit = next(item for item in findings["CPU Busy"] if item["check"] == "live/unit")
    assert "57" in unit["message"] and unit["severity"] == "error"


def test_replay_finds_alerts_that_always_or_never_fire(findings: dict[str, list[dict[str, Any]]]) -> None:
    assert _checks(findings, "Error Ratio") == ["live/always-fires"]
    assert findings["Error Ratio"][0]["severity"] == "error"
    assert _checks(findings, "Availability") == ["live/never-fires"]
    assert findings["Availability"][0]["severity"] == "warning"


def test_an_slo_rows_sli_queries_are_checked_at_their_fields(findings: dict[str, list[dict[str, Any]]]) -> None:
    assert "API Objective" not in findings  # its queries read series that exist
    [missing] = findings["Renamed Objective"]
    assert missing["check"] == "live/series-missing" and missing["field"].endswith(".slo.total")
    assert 'http_requests_total{job="api-v2"}' in missing["message"]
    queue = {(item["check"], item["field"].rsplit(".", 1)[1]) for item in findings["Queue Objective"]}
    assert queue == {("live/counter", "good"), ("live/label-missing", "total")}


def test_a_row_that_is_fine_has_no_finding_and_every_finding_is_at_its_row(
        findings: dict[str, list[dict[str, Any]]]) -> None:
    assert "Queue Depth" not in findings
    for items in findings.values():
        for item in items:
            assert item["file"] == "plan.yaml" and item["line"] > 0
            assert item["field"].endswith((".query", ".slo.errors", ".slo.good", ".slo.total"))


def test_text_output_names_file_line_field_and_check(prometheus: str) -> None:
    result = _live(prometheus)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert any(line.startswith("plan.yaml:") and "metrics[2].query" in line and "[live/series-missing]" in line
               for line in result.stderr.splitlines()), result.stderr


def test_an_unreachable_prometheus_is_one_error_without_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _live(f"http://127.0.0.1:{port}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot reach Prometheus" in result.stderr and "[live/unreachable]" in result.stderr


class _NotPrometheus(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b'{"status": "success", "data": 42}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: Any) -> None:
        pass


def test_a_bad_answer_is_one_error_without_traceback() -> None:
    for address in _serve(_NotPrometheus):
        result = _live(f"http://{address}")
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.count("[live/bad-answer]") == 1, result.stderr
        assert "answered something that is not" in result.stderr or "cannot read" in result.stderr
