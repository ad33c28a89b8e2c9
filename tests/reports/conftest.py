"""Fixtures of the report and tuning tests: a real Prometheus (Debian's 2.42) holding two
weeks of synthetic history, backfilled with promtool, started and stopped by PID.

Backfilling is the slow part (promtool cuts 2h blocks and re-reads its input per block),
so the input is cut per UTC day and the blocks are made once per test session, shared by
the xdist workers under a file lock; every worker runs its own Prometheus on a copy.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import ROOT, require_tool, run_monplan
from reports import synthetic

PLAN = ROOT / "plan.yaml"
_RULE = re.compile(r"^(?P<record>\S+) (?P<op><=|>=|<|>) (?P<value>[0-9.]+)(?: \* (?P<baseline>\S+))?$")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Rule:
    """An alerting rule as `monplan build` generates it, read from the rule files."""

    alert: str
    record: str
    op: str
    value: float
    baseline: str | None  # the recorded baseline series of "of baseline" rules
    wait: float  # its `for`, in seconds
    labels: dict[str, str]

    def holds(self, value: float, baseline: float | None = None) -> bool:
        limit = self.value * (baseline if self.baseline else 1.0)
        return {"<": value < limit, "<=": value <= limit, ">": value > limit, ">=": value >= limit}[self.op]


def _seconds(text: str | None) -> float:
    if not text:
        return 0.0
    return sum(int(n) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[u] for n, u in re.findall(r"(\d+)([smhd])", text))


@pytest.fixture(scope="session")
def built() -> dict[str, bytes]:
    from monplan.app.pipeline import load_plan, render

    return render(load_plan(PLAN))


@pytest.fixture(scope="session")
def rules(built: dict[str, bytes]) -> dict[str, Rule]:
    out = {}
    for path, data in built.items():
        if path.startswith("prometheus/rules/"):
            for group in yaml.safe_load(data)["groups"]:
                for rule in group["rules"]:
                    # Missing-data and target alerts (alert_kind) watch the rows, not their thresholds.
                    if "alert" in rule and "alert_kind" not in rule.get("labels", {}):
                        match = _RULE.match(rule["expr"])
                        assert match, rule["expr"]
                        out[rule["alert"]] = Rule(rule["alert"], match["record"], match["op"], float(match["value"]),
                                                  match["baseline"], _seconds(rule.get("for")), rule["labels"])
    return out


@pytest.fixture(scope="session")
def series() -> dict[str, dict[tuple[tuple[str, str], ...], list[tuple[int, float]]]]:
    return synthetic.build_series()


def _backfill(text: str, blocks: Path, workdir: Path) -> None:
    """promtool tsdb create-blocks-from openmetrics, one input file per UTC day, two at a time."""
    promtool = require_tool("promtool")
    days: dict[int, dict[str, list[str]]] = {}
    family = ""
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            family = line
        elif line and not line.startswith("#"):
            days.setdefault(int(line.rsplit(" ", 1)[1]) // 86_400, {}).setdefault(family, []).append(line)
    inputs = []
    for day, families in sorted(days.items()):
        path = workdir / f"{day}.om"
        path.write_text("".join(f"{head}\n" + "\n".join(lines) + "\n" for head, lines in families.items()) + "# EOF\n")
        inputs.append(path)

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", str(path), str(blocks)],
                              capture_output=True, text=True, timeout=120, check=False)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for path, done in zip(inputs, pool.map(run, inputs), strict=True):
            assert done.returncode == 0, f"backfilling {path.name}: {done.stderr[-2000:]}"


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory, rules: dict[str, Rule],
            series: dict[str, Any]) -> Path:
    """TSDB blocks of the synthetic history; made once, under a lock shared by xdist workers."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    blocks = shared / "report-history"
    with open(shared / "report-history.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (blocks / ".complete").exists():
            shutil.rmtree(blocks, ignore_errors=True)
            work = shared / "report-history-input"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            blocks.mkdir()
            text = synthetic.openmetrics(series, synthetic.alert_samples({name: r.labels for name, r in rules.items()}))
            _backfill(text, blocks, work)
            shutil.rmtree(work)
            (blocks / ".complete").touch()
    return blocks


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _start(prometheus: str, data: Path, config: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [prometheus, f"--config.file={config}", f"--storage.tsdb.path={data}",
             f"--web.listen-address=127.0.0.1:{port}",
             # Retention counts back from the newest block, not from today: keep the whole history.
             "--storage.tsdb.retention.time=3650d",
             # Leave the backfilled 2h blocks as they are instead of compacting them while tests query.
             "--storage.tsdb.max-block-duration=2h"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return process, url


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory, history: Path) -> Iterator[Server]:
    binary = require_tool("prometheus")
    root = tmp_path_factory.mktemp("prometheus")
    config = root / "prometheus.yml"
    config.write_text("global:\n  evaluation_interval: 1m\n")
    log = root / "prometheus.log"
    for _attempt in range(3):  # another process may take the free port before Prometheus binds it
        data = root / "data"
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(history, data, ignore=shutil.ignore_patterns(".complete"))
        process, url = _start(binary, data, config, log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None and not _ready(url):
            time.sleep(0.1)
        if process.poll() is None and _ready(url):
            break
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
    else:
        pytest.fail(f"Prometheus did not start; its log:\n{log.read_text()[-3000:]}")
    try:
        yield Server(url, process.pid)
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)


_LOOKUP: dict[tuple[int, str, Any], dict[int, float]] = {}


def at(series: dict[str, Any], name: str, labels: Any) -> dict[int, float]:
    """time -> value of one synthetic series (built once per series)."""
    key = (id(series), name, labels)
    if key not in _LOOKUP:
        _LOOKUP[key] = dict(series.get(name, {}).get(labels, []))
    return _LOOKUP[key]


def monplan_json(*args: str) -> dict[str, Any]:
    """Run the real CLI and parse its JSON output."""
    result = run_monplan(*args, "--format", "json")
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)
