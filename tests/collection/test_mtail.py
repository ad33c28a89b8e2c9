"""The generated mtail programs under the real mtail: they compile, and sample log lines fed
through them (`mtail --one_shot`) give exactly the counters the plan's queries read."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monplan.verify.mtail import compile_args

from .conftest import build_files, plan_data, write_files, write_plan

SAMPLES = {
    "auth.log": [
        "ts=2026-11-25T09:00:01Z event=login result=success user=ana ip=10.0.0.1",
        "ts=2026-11-25T09:00:02Z event=login result=failure user=bob ip=10.0.0.2",
        "ts=2026-11-25T09:00:03Z event=login result=failure user=bob ip=10.0.0.2",
        "ts=2026-11-25T09:00:04Z event=login result=error user=eve ip=10.0.0.3",
        "ts=2026-11-25T09:00:05Z event=logout user=ana",
    ],
    "access.log": [
        '10.0.0.1 - - [25/Nov/2026:09:00:00 +0100] "GET /api/v1/workflows HTTP/1.1" 200 512 "-" "curl/8"',
        '10.0.0.1 - - [25/Nov/2026:09:00:01 +0100] "POST /api/v1/customers HTTP/1.1" 201 64 "-" "curl/8"',
        '10.0.0.2 - - [25/Nov/2026:09:00:02 +0100] "GET /api/v1/missing HTTP/1.1" 404 10 "-" "curl/8"',
        '10.0.0.3 - - [25/Nov/2026:09:00:03 +0100] "GET /api/v1/workflows HTTP/1.1" 503 0 "-" "curl/8"',
    ],
    "postgresql.log": [
        "2026-11-25 09:00:00.001 CET [101] LOG:  checkpoint starting: time",
        '2026-11-25 09:00:01.002 CET [102] ERROR:  duplicate key value violates unique constraint '
        '"customers_customer_code_key"',
        "2026-11-25 09:00:01.003 CET [102] DETAIL:  Key (customer_code)=(C-1001) already exists.",
        "2026-11-25 09:00:02.004 CET [103] FATAL:  password authentication failed for user \"uws\"",
        "2026-11-25 09:00:03.005 CET [104] WARNING:  there is no transaction in progress",
    ],
    "security-audit.log": [
        "ts=2026-11-25T09:00:00Z event=tenant_switch tenant=a",
        "ts=2026-11-25T09:00:01Z event=cross_tenant_access tenant=a target_tenant=b user=eve",
        '{"ts": "2026-11-25T09:00:02Z", "event": "cross_tenant_access", "tenant": "c", "target_tenant": "d"}',
    ],
}


def _plan_for(tmp_path: Path, logs: Path) -> Path:
    """plan.yaml with its log paths moved into the test's folder."""
    data = plan_data()
    paths = {"auth": "auth.log", "http_access": "access.log", "postgresql": "postgresql.log",
             "security_audit": "security-audit.log"}
    for log in data["collection"]["mtail"]["logs"]:
        log["paths"] = [str(logs / paths[log["format"]])]
    return write_plan(tmp_path, data)


@pytest.fixture
def programs(tmp_path: Path) -> tuple[Path, Path]:
    logs = tmp_path / "logs"
    logs.mkdir()
    files = build_files(_plan_for(tmp_path, logs))
    out = write_files({p: d for p, d in files.items() if p.startswith("exporters/mtail/")}, tmp_path / "gen")
    return out / "exporters" / "mtail", logs


def one_shot(mtail: str, progs: Path, logs: list[Path]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Run mtail over the logs from start to end; the counters it exports, without the prog label."""
    args = [mtail, "--progs", str(progs), "--one_shot", "--one_shot_format", "prometheus",
            "--address", "127.0.0.1", "--port", "0", "--logtostderr"]
    for log in logs:
        args += ["--logs", str(log)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(proc.stdout):
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "prog"))
            values[(sample.name, labels)] = sample.value
    return values


def _write(logs: Path, name: str, lines: list[str]) -> Path:
    path = logs / name
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_the_generated_programs_compile_with_mtail(mtail_bin: str, programs: tuple[Path, Path]) -> None:
    progs, _ = programs
    proc = subprocess.run(compile_args(mtail_bin, progs), capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in progs.iterdir()) == [
        "auth.mtail", "http_access.mtail", "postgresql.mtail", "security_audit.mtail"]


def test_sample_logs_give_the_counters_the_plan_queries_read(mtail_bin: str, programs: tuple[Path, Path]) -> None:
    progs, logs = programs
    paths = [_write(logs, name, lines) for name, lines in SAMPLES.items()]
    got = one_shot(mtail_bin, progs, paths)

    def value(name: str, **labels: Any) -> float:
        return got[(name, tuple(sorted(labels.items())))]

    assert value("auth_login_attempts_total", result="success") == 1
    assert value("auth_login_attempts_total", result="failure") == 2
    assert value("auth_login_attempts_total", result="error") == 1
    assert value("http_log_responses_total", status_class="2xx", component="api") == 2
    assert value("http_log_responses_total", status_class="4xx", component="api") == 1
    assert value("http_log_responses_total", status_class="5xx", component="api") == 1
    assert value("postgresql_log_messages_total", severity="ERROR") == 1
    assert value("postgresql_log_messages_total", severity="FATAL") == 1
    assert value("postgresql_log_messages_total", severity="WARNING") == 1
    assert value("postgresql_log_messages_total", severity="LOG") == 1
    assert value("uws_customer_code_collisions_total") == 1
    assert value("security_audit_cross_tenant_access_total") == 2


def test_each_program_reads_only_its_own_files(mtail_bin: str, programs: tuple[Path, Path]) -> None:
    progs, logs = programs
    # Lines every program would match, written to a file no program is for.
    stray = _write(logs, "other.log", SAMPLES["auth.log"] + SAMPLES["access.log"] + SAMPLES["postgresql.log"]
                   + SAMPLES["security-audit.log"])
    got = one_shot(mtail_bin, progs, [stray])
    assert got, "mtail exported nothing"
    assert all(value == 0 for value in got.values()), {k: v for k, v in got.items() if v}


def test_counters_alerts_read_exist_at_zero_before_their_first_event(mtail_bin: str, programs: tuple[Path, Path]) -> None:
    progs, logs = programs
    quiet = [_write(logs, "auth.log", ["ts=1 event=logout user=ana"]), _write(logs, "postgresql.log", [
        "2026-11-25 09:00:00.001 CET [101] LOG:  checkpoint starting: time"]), _write(logs, "security-audit.log", [])]
    got = one_shot(mtail_bin, progs, quiet)
    # Unlabelled counters are exported at 0 from the start; labelled ones from the first line read.
    assert got[("security_audit_cross_tenant_access_total", ())] == 0
    assert got[("uws_customer_code_collisions_total", ())] == 0
    for severity in ("ERROR", "FATAL", "PANIC"):
        assert got[("postgresql_log_messages_total", (("severity", severity),))] == 0
    for result in ("success", "failure", "error"):
        assert got[("auth_login_attempts_total", (("result", result),))] == 0
    assert got[("http_log_responses_total", (("component", "api"), ("status_class", "5xx")))] == 0


def test_a_plan_pattern_replaces_the_default_line_format(mtail_bin: str, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    data = plan_data()
    data["collection"]["mtail"]["logs"] = [{
        "format": "auth", "paths": [str(logs / "auth.json")],
        "pattern": r'"action":\s*"login".*"outcome":\s*"(?P<result>success|failure|error)"'}]
    files = build_files(write_plan(tmp_path, data))
    progs = write_files({p: d for p, d in files.items() if p.startswith("exporters/mtail/")}, tmp_path / "gen")
    log = _write(logs, "auth.json", ['{"action": "login", "outcome": "error"}', '{"action": "login", "outcome": "success"}',
                                     "ts=1 event=login result=failure"])
    got = one_shot(mtail_bin, progs / "exporters" / "mtail", [log])
    assert got[("auth_login_attempts_total", (("result", "error"),))] == 1
    assert got[("auth_login_attempts_total", (("result", "success"),))] == 1
    assert got[("auth_login_attempts_total", (("result", "failure"),))] == 0
