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
    assert result.returncode == 2 and "is not a Prometheus URL" in result.stderr  # wrong usage (README)


def test_unreadable_live_options_are_wrong_usage_said_at_once_before_any_work() -> None:
    """validate, report and tune exited 1 on an option they could not read (oncall --at and diff --against
    exit 2); validate reported it among the plan's warnings as a plan check ("Failed: the plan's own
    checks"), and named "--since/--at" for either."""
    url = "http://127.0.0.1:9"  # never asked: the options are refused first
    for command in (["validate", "--no-tools", "--prometheus", "notaurl", "--since", "bogus", "--at", "never"],
                    ["tune", "--prometheus", "notaurl", "--since", "bogus", "--at", "never"],
                    ["report", "--prometheus", "notaurl", "--at", "never"]):
        result = run_monplan(*command, "--plan", str(PLAN))
        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert lines[0] == '--prometheus: error: "notaurl" is not a Prometheus URL; expected http://host:port or ' \
                           "https://host:port"
        assert lines[-1].startswith('--at: error: cannot read time "never"')
        assert ("--since: error: cannot read duration \"bogus\"" in result.stderr) == (command[0] != "report")
        assert len(lines) == (2 if command[0] == "report" else 3) and "plan.yaml" not in result.stderr
    result = run_monplan("tune", "--plan", str(PLAN), "--prometheus", url, "--since", "0s")
    assert result.returncode == 2 and result.stderr.startswith('--since: error: "0s" is no time at all')


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



def test_a_wall_time_the_clocks_skip_or_show_twice_is_refused_not_guessed(tmp_path) -> None:
    """report, tune and validate read a wall time in the plan's zone; one the clocks skip (spring)
    or show twice (autumn) names no single moment, and was silently shifted by an hour (oncall
    --at refused it already)."""
    from conftest import CASES

    plan = CASES / "valid" / "every-output" / "plan.yaml"  # timezone: Europe/Berlin
    url = "http://127.0.0.1:9"  # never asked: the time is refused first
    out = tmp_path / "report.md"
    for at, words in (("2027-03-28T02:30", "does not exist in Europe/Berlin"), ("2027-10-31T02:30", "happens twice")):
        for command in (["report", "--out", str(out)], ["tune"], ["validate", "--no-tools"]):
            result = run_monplan(*command, "--plan", str(plan), "--prometheus", url, "--at", at)
            assert result.returncode == 1, result.stderr
            assert words in result.stderr and "Traceback" not in result.stderr, result.stderr
            assert "cannot reach Prometheus" not in result.stderr
    assert not out.exists()
    result = run_monplan("report", "--plan", str(plan), "--prometheus", url, "--at", "2027-03-28T02:30+01:00",
                         "--out", str(out), "--timeout", "2")
    assert "cannot reach Prometheus" in result.stderr  # with an offset, the same time is read
