"""Whatever a Prometheus server answers, `report` and `tune` end with a result or a clear line:
never a traceback, never a hang. A real HTTP server on 127.0.0.1 answers each hostile way."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from tests.conftest import ROOT, run_monplan


def _matrix(values: list[str]) -> dict:
    def result(form: dict[str, list[str]]) -> dict:
        start = float(form.get("start", form.get("time", ["1764000000"]))[0])
        step = float(form.get("step", ["60"])[0])
        points = [[start + i * step, v] for i, v in enumerate(values)]
        if "start" in form:
            return {"resultType": "matrix", "result": [{"metric": {"service": "x"}, "values": points}]}
        return {"resultType": "vector", "result": [{"metric": {"service": "x"}, "value": points[0]}]}
    return result  # type: ignore[return-value]


class _Handler(BaseHTTPRequestHandler):
    mode = "inf"

    def log_message(self, *args: object) -> None:  # keep pytest's output clean
        pass

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        mode = type(self).mode
        if mode == "trickle":  # a valid start, then a byte at a time, forever
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                self.wfile.write(b'{"status":"success","data":{"resultType":"vector","result":[')
                while True:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                return
        if mode == "truncated":
            body = json.dumps({"status": "success", "data": _matrix(["1"] * 50)(form)}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "shape":
            data: object = {"resultType": "matrix", "result": [{"metric": 5, "values": "x"}]}
        elif mode == "bare-infinity":  # Python's json reads these non-standard tokens
            body = b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[Infinity,NaN]}]}}'
            self._send(body)
            return
        else:
            values = {"inf": ["+Inf", "-Inf", "NaN", "Inf", "1e400", "0.5"] * 20}[mode]
            data = _matrix(values)(form)
        self._send(json.dumps({"status": "success", "data": data}).encode())

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def prometheus() -> Iterator[type[_Handler]]:
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()


COMMANDS = {
    "report": ("report", "--format", "json", "--at", "2026-11-26T08:00:00+01:00", "--timeout", "3"),
    "tune": ("tune", "--format", "json", "--at", "2026-11-26T08:00:00+01:00", "--since", "1d", "--timeout", "3"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("mode", ["inf", "bare-infinity", "shape", "truncated", "trickle"])
def test_hostile_prometheus_answers_end_without_traceback(prometheus, mode: str, command: str) -> None:
    prometheus.mode = mode
    result = run_monplan(*COMMANDS[command], "--prometheus", prometheus.url, "--plan", str(ROOT / "plan.yaml"))
    printed = result.stdout + result.stderr
    assert "Traceback" not in printed, printed[-3000:]
    if mode in ("inf", "bare-infinity"):
        # Infinite and NaN samples are no measurement: the run completes, its JSON is valid JSON.
        assert result.returncode == 0, printed[-3000:]
        parsed = json.loads(result.stdout)
        assert "Infinity" not in result.stdout and "NaN" not in result.stdout
        assert parsed
    elif mode == "shape":  # each query's answer is refused in words: the alert's row says so
        assert "monplan cannot read" in printed, printed[-3000:]
    else:
        assert result.returncode == 1, printed[-3000:]
        assert prometheus.url in result.stderr
        if mode == "trickle":
            assert "within 3s" in result.stderr
