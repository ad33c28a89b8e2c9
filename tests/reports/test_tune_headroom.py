"""`monplan tune` never suggests a threshold the observed data sits on. A tighter threshold keeps
25% headroom over the worst value of the window, stays on the normal side of 100% for shares
and baselines, and would not have fired; a window whose values never moved towards the
threshold (a perfect week of an availability row, a value never below its baseline) is no
basis to tighten, and tune says so instead of suggesting `<100%`, which pages on the first
failed probe. The copy `--write-plan` writes with the suggestions validates.

A fake Prometheus on 127.0.0.1 answers each row's recorded series with chosen values."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import run_monplan
from tests.hardening.test_prometheus_trust import send, servers, success  # noqa: F401 - servers is a fixture

PLAN = """\
version: 1
system: Shop
sections:
  - title: Availability
    metrics:
      - metric: Perfect Availability
        tool: Uptime Monitor
        threshold: "<99.9%"
        priority: critical
        query: avg(avg_over_time(probe_success{job="perfect"}[10m]))
      - metric: Dipped Availability
        tool: Uptime Monitor
        threshold: "<99%"
        priority: critical
        query: avg(avg_over_time(probe_success{job="dipped"}[10m]))
      - metric: Error Rate
        tool: APM
        threshold: ">5% failure rate"
        priority: high
        query: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))
  - title: Business
    metrics:
      - metric: Signup Rate
        baseline: "[BASELINE]"
        threshold: "<80% of baseline"
        priority: medium
        query: sum(rate(signups_total[1h]))
      - metric: Order Rate
        baseline: 2
        threshold: "<80% of baseline"
        priority: medium
        query: sum(rate(orders_total[1h]))
      - metric: Refund Rate
        baseline: 2
        threshold: ">150% of baseline"
        priority: medium
        query: sum(rate(refunds_total[1h]))
"""


def value(series: str, index: int) -> float:
    """Each recorded series' value at the index-th evaluation of the window."""
    if "dipped_availability" in series:
        return 0.996 if index % 500 == 7 else 1.0  # a few dips to 99.6%: 40% of the way to <99%
    if "error_rate" in series:
        return 0.0 if index % 300 else 0.01  # at most 1%: 20% of the way to >5%
    if "signup_rate" in series:
        return 10.0  # flat, and so is its baseline: exactly 100% of it
    if "order_rate" in series:
        return 3.0  # 150% of its baseline of 2, all week
    if "refund_rate" in series:
        return 0.5  # 25% of its baseline of 2, all week
    return 1.0  # perfect availability: every evaluation at 100%


def respond(handler: Any, path: str, form: dict[str, list[str]]) -> None:
    if not path.endswith("query_range"):
        send(handler, success({"resultType": "vector", "result": []}))
        return
    query = form["query"][0]
    start, end, step = (float(form[key][0]) for key in ("start", "end", "step"))
    count = int((end - start) / step) + 1
    points = [[start + i * step, repr(value(query, i))] for i in range(count)]
    send(handler, success({"resultType": "matrix", "result": [{"metric": {}, "values": points}]}))


def share(text: str) -> float:
    """'<99.5%' -> 0.995, '<63% of baseline' -> 0.63, '>1.3% failure rate' -> 0.013."""
    match = re.match(r"^\s*(?:<=|>=|<|>)\s*([0-9.]+)\s*%", text)
    assert match, text
    return float(match[1]) / 100


def test_tune_never_suggests_a_threshold_without_headroom(servers, tmp_path: Path) -> None:  # noqa: F811
    fake = servers()
    fake.respond = respond
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)
    copy = tmp_path / "plan.tuned.yaml"
    result = run_monplan("tune", "--plan", str(plan), "--prometheus", fake.url, "--at", "2026-12-05T09:00",
                         "--since", "7d", "--format", "json", "--write-plan", str(copy))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    found = {entry["alert"]: entry for entry in json.loads(result.stdout)["alerts"]}

    for name, entry in found.items():
        worst = entry["worst"]
        for suggestion in entry["suggestions"]:
            if suggestion["kind"] != "threshold":
                continue
            assert suggestion["would_fire"] == 0, (name, suggestion)
            new, old = share(suggestion["value"]), share(entry["threshold"])
            if entry["threshold"].startswith("<"):  # low is bad: keep 25% of the room below 100% unused
                assert worst < 1 and new < worst and (1 - new) * 0.8 >= (1 - worst) - 1e-12, (name, suggestion)
                assert old < new < 1, (name, suggestion)
            else:
                base = 1.0 if "of baseline" in entry["threshold"] else 0.0
                assert worst > base and (new - base) * 0.8 >= worst - base - 1e-12, (name, suggestion)

    # A perfect week: no basis to tighten, said in words; never "<100%".
    perfect = found["PerfectAvailability"]
    assert perfect["status"] == "never close" and perfect["suggestions"] == []
    assert any("no basis to tighten" in note and "first failure" in note for note in perfect["notes"]), perfect
    # A week with dips keeps 25% headroom below them: <99.5% (the dip lost 0.4%, the threshold allows 0.5%).
    assert [s["value"] for s in found["DippedAvailability"]["suggestions"]] == ["<99.5%"]
    assert [s["value"] for s in found["ErrorRate"]["suggestions"]] == [">1.3% failure rate"]
    # The flat business metric gets its measured baseline, never "<100% of baseline".
    assert [(s["kind"], s["value"]) for s in found["SignupRate"]["suggestions"]] == [("baseline", "10")]
    # Above its baseline all week (150%): "<163% of baseline" would fire all the time; below it (25%),
    # ">32% of baseline" would fire at the baseline itself. Neither is suggested.
    for name in ("OrderRate", "RefundRate"):
        assert found[name]["suggestions"] == [] and found[name]["firings"] == 0, found[name]
        assert any("no basis to tighten" in note for note in found[name]["notes"]), found[name]

    # What tune wrote is a plan the grammar takes, with the suggestions in it.
    written = copy.read_text()
    assert 'threshold: "<99.5%"' in written and 'threshold: ">1.3% failure rate"' in written
    assert "<100%" not in written and "baseline: 10" in written
    checked = run_monplan("validate", "--plan", str(copy))
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]

    # The table a person reads says why there is no suggestion.
    table = run_monplan("tune", "--plan", str(plan), "--prometheus", fake.url, "--at", "2026-12-05T09:00",
                        env={"COLUMNS": "400"})
    line = next(line for line in table.stdout.splitlines() if "PerfectAvailability" in line)
    assert "no basis to tighten" in line and "<100%" not in line.split("│")[1:][-1], line
