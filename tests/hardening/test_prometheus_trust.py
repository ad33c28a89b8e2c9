"""What `report` and `tune` take from a Prometheus server: answers of a bounded size and shape,
only the points of the period asked for, and only from the server they were given (no
redirect to another). A real HTTP server on 127.0.0.1 answers each way; the CLI runs as a user
runs it, and the client is called directly where the CLI's output cannot show the difference."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import ROOT, run_monplan

Respond = Callable[[BaseHTTPRequestHandler, str, dict[str, list[str]]], None]


@dataclass
class Fake:
    url: str
    port: int
    respond: Respond | None = None
    requests: list[str] = field(default_factory=list)  # method and path of every request
    sent: int = 0  # bytes of answer bodies written


def send(handler: BaseHTTPRequestHandler, body: bytes, status: int = 200, headers: dict[str, str] | None = None,
         length: bool = True) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    if length:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def success(data: Any) -> bytes:
    return json.dumps({"status": "success", "data": data}).encode()


def empty(handler: BaseHTTPRequestHandler, path: str, form: dict[str, list[str]]) -> None:
    kind = "matrix" if path.endswith("query_range") else "vector"
    send(handler, success({"resultType": kind, "result": []}))


def _server(fake_holder: list[Fake]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._handle(parse_qs(urlsplit(self.path).query))

        def do_POST(self) -> None:
            self._handle(parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()))

        def _handle(self, form: dict[str, list[str]]) -> None:
            fake = fake_holder[0]
            fake.requests.append(f"{self.command} {self.path}")
            try:
                (fake.respond or empty)(self, urlsplit(self.path).path, form)
            except OSError:  # the client stopped reading
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers() -> Iterator[Callable[[], Fake]]:
    """Start fake Prometheus servers on 127.0.0.1 (each its own port, so its own origin)."""
    started: list[ThreadingHTTPServer] = []

    def start() -> Fake:
        holder: list[Fake] = []
        server = _server(holder)
        port = server.server_address[1]
        holder.append(Fake(f"http://127.0.0.1:{port}", port))
        started.append(server)
        return holder[0]

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


AT = "2026-11-26T08:00:00+01:00"
PLAN = str(ROOT / "plan.yaml")
REPORT = ("report", "--plan", PLAN, "--format", "json", "--at", AT, "--timeout", "10")
TUNE = ("tune", "--plan", PLAN, "--format", "json", "--at", AT, "--since", "1d", "--timeout", "10")


def no_traceback(result: Any) -> str:
    printed = result.stdout + result.stderr
    assert "Traceback" not in printed, printed[-3000:]
    return printed


# 1. The size of an answer is capped (64 MiB, MONPLAN_MAX_ANSWER_MIB), and so is its shape.

def _big_matrix(fake: Fake, handler: BaseHTTPRequestHandler, form: dict[str, list[str]], *, mib: int,
                length: bool) -> None:
    """A valid range answer of about `mib` MiB: one series with many (repeated) points."""
    start = float(form.get("start", form.get("time", ["1764000000"]))[0])
    point = json.dumps([start, "0.5"]).encode()
    count = mib * 1024 * 1024 // (len(point) + 1)
    head = b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":['
    tail = b"]}]}}"
    body_size = len(head) + count * (len(point) + 1) - 1 + len(tail)
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    if length:
        handler.send_header("Content-Length", str(body_size))
    handler.end_headers()
    handler.wfile.write(head)
    chunk = b",".join([point] * 1000)
    written = 0
    while written < count:
        n = min(1000, count - written)
        handler.wfile.write((b"," if written else b"") + (chunk if n == 1000 else b",".join([point] * n)))
        written += n
        fake.sent += n * (len(point) + 1)
    handler.wfile.write(tail)


@pytest.mark.parametrize("length", [True, False], ids=["with-content-length", "streamed"])
def test_an_answer_larger_than_the_cap_is_one_clear_error_and_reading_stops_there(servers, length: bool) -> None:
    fake = servers()

    def respond(handler: BaseHTTPRequestHandler, path: str, form: dict[str, list[str]]) -> None:
        _big_matrix(fake, handler, form, mib=24, length=length)

    fake.respond = respond
    for command in (REPORT, TUNE):
        fake.sent = 0
        result = run_monplan(*command, "--prometheus", fake.url, env={"MONPLAN_MAX_ANSWER_MIB": "2"})
        printed = no_traceback(result)
        assert result.returncode == 1, printed[-3000:]
        line = f"{fake.url}/api/v1/query_range: the answer is larger than 2 MiB"
        assert line in result.stderr and "MONPLAN_MAX_ANSWER_MIB" in result.stderr, result.stderr
        # monplan stopped at the cap (or at the Content-Length saying more): it did not take the 24 MiB.
        assert fake.sent < 16 * 1024 * 1024, fake.sent


def test_the_default_cap_is_64_mib_and_a_bad_setting_of_it_is_named() -> None:
    from monplan.live.prometheus_api import answer_limit

    assert answer_limit() == 64 * 1024 * 1024
    for value in ("lots", "0", "-5", "1.5", "99999999"):
        for command in (REPORT, TUNE):
            result = run_monplan(*command, "--prometheus", "http://127.0.0.1:9", env={"MONPLAN_MAX_ANSWER_MIB": value})
            no_traceback(result)
            assert result.returncode == 1
            assert result.stderr.startswith("MONPLAN_MAX_ANSWER_MIB: error: MONPLAN_MAX_ANSWER_MIB is "), result.stderr
            assert "expected a whole number of MiB" in result.stderr


def test_an_answer_of_absurd_shape_is_refused_in_words(servers) -> None:
    from monplan.live.prometheus_api import MAX_SERIES, Prometheus, PrometheusError

    fake = servers()
    client = Prometheus(fake.url, timeout=10)
    series = [{"metric": {"instance": f"i{i}"}, "values": [[1764000000, "1"]]} for i in range(MAX_SERIES + 1)]
    shapes = {
        # more series than any report row: refused while reading, not after building them all
        "more than 20000 series": success({"resultType": "matrix", "result": series}),
        # JSON nested past Python's recursion limit (a RecursionError, not a ValueError)
        "nested deeper": b"[" * 3000 + b" " * 100_000,
        # far more arrays than bytes allow points: no Prometheus result
        "more arrays": b'{"status":"success","data":[' + b"[]," * 200_000 + b"[]]}",
        "not a Prometheus API response": b'{"status":"success"}',
    }
    for expected, body in shapes.items():
        fake.respond = lambda handler, path, form, body=body: send(handler, body)
        with pytest.raises(PrometheusError) as refused:
            client.query_range("up", 1764000000, 1764003600, 60)
        assert expected in str(refused.value) and f"{fake.url}/api/v1/query_range" in str(refused.value)


# 2. Only the points of the period asked for count.

def _outside_too(handler: BaseHTTPRequestHandler, path: str, form: dict[str, list[str]]) -> None:
    """Every evaluation of the range at 0.5, plus points that are none: a day before the start,
    a day after the end, off the step grid, and a second value at an evaluation's time, all 1e9."""
    if not path.endswith("query_range"):
        empty(handler, path, form)
        return
    start, end, step = (float(form[key][0]) for key in ("start", "end", "step"))
    points: list[list[Any]] = []
    t = start
    while t <= end:
        points.append([t, "0.5"])
        t += step
    stray = [[start - 86_400 + i * step, "1e9"] for i in range(60)] + [[end + (i + 1) * step, "1e9"] for i in range(60)]
    stray += [[start + step / 2, "1e9"], [start + 7.5, "1e9"], [start + step, "1e9"]]
    send(handler, success({"resultType": "matrix", "result": [{"metric": {}, "values": stray[:60] + points + stray[60:]}]}))


def test_points_outside_the_period_or_off_its_evaluations_are_not_counted(servers) -> None:
    fake = servers()
    fake.respond = _outside_too
    result = run_monplan(*REPORT, "--prometheus", fake.url)
    assert result.returncode == 0, no_traceback(result)[-3000:]
    rows = [row for item in json.loads(result.stdout)["items"] for row in item.get("rows", []) if "points" in row]
    assert rows
    for row in rows:
        assert (row["points"], row["coverage"], row["max"]) == (row["expected"], 1.0, 0.5), row

    result = run_monplan(*TUNE, "--prometheus", fake.url)
    no_traceback(result)
    alerts = [alert for alert in json.loads(result.stdout)["alerts"] if alert["points"]]
    assert alerts
    for alert in alerts:
        assert alert["points"] == alert["expected"] and alert["percentiles"]["max"] == 0.5, alert


def test_an_instant_query_keeps_no_point_after_its_time(servers) -> None:
    from monplan.live.prometheus_api import Prometheus

    fake = servers()
    fake.respond = lambda handler, path, form: send(handler, success({"resultType": "matrix", "result": [
        {"metric": {"alertname": "A"}, "values": [[99, "1"], [100, "1"], [101, "1"], [5000, "1"]]}]}))
    [series] = Prometheus(fake.url).query("ALERTS[1h]", 100)
    assert series.points == ((99.0, 1.0), (100.0, 1.0))


# 3. Redirects are followed only within the same scheme, host and port.

def _redirect_to(location: str, code: int = 302) -> Respond:
    def respond(handler: BaseHTTPRequestHandler, path: str, form: dict[str, list[str]]) -> None:
        send(handler, b"moved " * 1000, code, {"Location": location})
    return respond


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_server_is_refused_and_the_other_server_never_asked(servers, code: int) -> None:
    asked, elsewhere = servers(), servers()
    asked.respond = _redirect_to(f"http://user:s3cret@127.0.0.1:{elsewhere.port}/api/v1/query_range?token=s3cret",
                                 code)
    for command in (REPORT, TUNE):
        result = run_monplan(*command, "--prometheus", asked.url)
        no_traceback(result)
        assert result.returncode == 1
        assert f"{asked.url}/api/v1/query_range redirected to another server (http://127.0.0.1:{elsewhere.port})" \
            in result.stderr, result.stderr
        assert "s3cret" not in result.stdout + result.stderr
    assert elsewhere.requests == []
    # Another scheme, or the same host under another name or port, is another server too.
    for location in (f"https://127.0.0.1:{asked.port}/x", f"http://localhost:{asked.port}/x", "ftp://127.0.0.1/x",
                     f"//127.0.0.1:{elsewhere.port}/x"):
        asked.respond = _redirect_to(location, code)
        result = run_monplan(*REPORT, "--prometheus", asked.url)
        no_traceback(result)
        assert result.returncode == 1 and "redirected to another server" in result.stderr, (location, result.stderr)
    assert elsewhere.requests == []


def test_a_redirect_within_the_server_is_followed_with_the_query_and_loops_end(servers) -> None:
    from monplan.live.prometheus_api import MAX_REDIRECTS, Prometheus, PrometheusError

    fake = servers()
    seen: list[tuple[str, str]] = []

    def respond(handler: BaseHTTPRequestHandler, path: str, form: dict[str, list[str]]) -> None:
        if not path.startswith("/prom/"):  # a proxy moving the API under /prom/, relative and absolute
            send(handler, b"", 307 if path.endswith("query") else 301, {"Location": "/prom" + handler.path})
            return
        seen.append((handler.command, form.get("query", [""])[0]))
        send(handler, success({"resultType": "vector", "result": [{"metric": {}, "value": [100, "1"]}]}))

    fake.respond = respond
    client = Prometheus(fake.url)
    assert client.query("up == 1", 100)[0].points == ((100.0, 1.0),)
    assert client.query_range("up == 1", 100, 100, 60)[0].points == ((100.0, 1.0),)
    assert seen == [("POST", "up == 1"), ("POST", "up == 1")]  # method and body kept, not dropped to a bare GET

    fake.respond = _redirect_to("/again")
    with pytest.raises(PrometheusError) as looped:
        client.query("up", 100)
    assert f"redirected more than {MAX_REDIRECTS} times" in str(looped.value)
    assert len(fake.requests) == 2 + 2 + MAX_REDIRECTS + 1


def test_a_refused_prometheus_url_is_named_by_its_option_not_repeated() -> None:
    # tune printed the refused URL, password and all, as the location of its own refusal. Wrong usage: exit 2.
    for command in (REPORT, TUNE):
        result = run_monplan(*command, "--prometheus", "http://admin:s3cret@127.0.0.1:9")
        no_traceback(result)
        assert result.returncode == 2 and result.stderr.startswith("--prometheus: error: "), result.stderr
        assert "s3cret" not in result.stdout + result.stderr
