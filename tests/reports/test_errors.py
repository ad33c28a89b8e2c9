"""What a user sees when Prometheus cannot answer: one clear line and exit 1, never a traceback."""

from __future__ import annotations

from conftest import run_monplan
from reports.conftest import PLAN, free_port


def test_an_unreachable_prometheus_is_a_clear_error_not_a_traceback(tmp_path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for command in (["report"], ["tune"]):
        result = run_monplan(*command, "--plan", str(PLAN), "--prometheus", url, "--timeout", "5")
        assert result.returncode == 1
        assert f"cannot reach Prometheus at {url}" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    result = run_monplan("report", "--plan", str(PLAN), "--prometheus", "prometheus:9090")
    assert result.returncode == 1 and "is not a Prometheus URL" in result.stderr


def test_a_server_that_is_not_prometheus_is_named_as_such(tmp_path) -> None:
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = run_monplan("report", "--plan", str(PLAN), "--prometheus", url, "--timeout", "5")
        assert result.returncode == 1
        assert "is it a Prometheus server?" in result.stderr and "Traceback" not in result.stderr
    finally:
        server.shutdown()
        server.server_close()

