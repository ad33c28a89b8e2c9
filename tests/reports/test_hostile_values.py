"""What Prometheus answers never breaks or escapes the report: values near the float limit, control characters."""

from __future__ import annotations

import math

from hypothesis import given, strategies as st

from monplan.live.report.rows import mean


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=50))
def test_mean_of_finite_values_lies_between_their_extremes(values: list[float]) -> None:
    found = mean(values)
    slack = 1e-12 * max(abs(min(values)), abs(max(values)))  # the division rounds
    assert found is not None and min(values) - slack <= found <= max(values) + slack


def test_the_sum_may_overflow_and_the_mean_still_be_found() -> None:
    assert mean([1e308, 1e308]) == 1e308
    assert mean([-1e308, -1e308, -1e308]) == -1e308
    assert mean([]) is None and math.isclose(mean([1.0, 2.0]) or 0, 1.5)


def test_html_report_values_lose_terminal_escapes_and_stay_escaped() -> None:
    from monplan.live.report.render import environment

    env = environment(form="html")
    shown = env.from_string("{{ value }}").render(value="red\x1b]0;pwned\x07 \x9b31m<b>\tok\n")
    assert shown == "red]0;pwned 31m&lt;b&gt;\tok\n"


def test_a_prometheus_url_with_credentials_is_refused_without_repeating_them() -> None:
    import pytest

    from monplan.live.prometheus_api import Prometheus, PrometheusError

    for url in ("http://admin:s3cret@127.0.0.1:9090", "http://s3cret@127.0.0.1:9090/prom",
                "https://127.0.0.1:9090/?token=s3cret", "http://127.0.0.1:9090/?x=1&access_token=s3cret",
                "ftp://admin:s3cret@host", "http://admin:s3cret@127.0.0.1:port"):
        with pytest.raises(PrometheusError) as refused:
            Prometheus(url)
        shown = str(refused.value)
        assert "s3cret" not in shown and ("127.0.0.1" in shown or "host" in shown), shown
    assert Prometheus("http://127.0.0.1:9090/prometheus/").url == "http://127.0.0.1:9090/prometheus"
    routed = Prometheus("http://127.0.0.1:9090/prom/?tenant=a#top")
    assert (routed.url, routed.url_query) == ("http://127.0.0.1:9090/prom", "tenant=a")  # API paths go before the query


def test_the_api_path_goes_after_the_servers_path_and_before_its_query() -> None:
    import http.server
    import json
    import threading

    from monplan.live.prometheus_api import Prometheus

    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.path)
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert Prometheus(f"http://127.0.0.1:{server.server_port}/prom/?tenant=a#x").query("up", 0) == []
    finally:
        server.shutdown()
    assert seen == ["/prom/api/v1/query?tenant=a"]
