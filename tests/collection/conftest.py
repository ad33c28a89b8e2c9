"""Fixtures for the collection tests: plans built in-process, free ports, and real processes
that each test starts and stops itself, by PID."""

from __future__ import annotations

import copy
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import ROOT, require_tool

T = TypeVar("T")
PLAN = ROOT / "plan.yaml"


def plan_data() -> dict[str, Any]:
    """plan.yaml as data, to derive test plans from."""
    return copy.deepcopy(yaml.safe_load(PLAN.read_text()))


def write_plan(folder: Path, data: dict[str, Any], name: str = "plan.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def build_files(plan_path: Path) -> dict[str, bytes]:
    """What `monplan build` produces for a plan, in-process."""
    from monplan.app.pipeline import load_plan, render

    return render(load_plan(plan_path))


def write_files(files: dict[str, bytes], root: Path) -> Path:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def free_port() -> int:
    """A port the kernel just handed out for 127.0.0.1 (bind to port 0, then release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.25) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (OSError, ValueError, KeyError, RuntimeError, urllib.error.URLError) as err:
            last_error = err
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


def http_get(url: str, timeout: float = 5) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


class Process:
    """A server started by a test, stopped by its PID; its output goes to a log file."""

    def __init__(self, args: list[str], log: Path, cwd: Path | None = None, user: str | None = None,
                 env: dict[str, str] | None = None, stop_signal: int = signal.SIGTERM):
        self.args, self.log_path, self.stop_signal = args, log, stop_signal
        self.log = log.open("wb")
        self.proc = subprocess.Popen(args, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL, user=user, start_new_session=True)
        self.pid = self.proc.pid

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            os.kill(self.pid, self.stop_signal)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def processes() -> Iterator[Callable[..., Process]]:
    """Start processes with `start(args, log_name)`; all are stopped, by PID, when the test ends."""
    started: list[Process] = []

    def start(args: list[str], log: Path, **kwargs: Any) -> Process:
        process = Process(args, log, **kwargs)
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        process.stop()


def require_postgres() -> Path:
    """The folder of PostgreSQL's server programs (not on PATH in Debian); skips locally, fails in CI."""
    import glob

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if found:
        return Path(found[-1]).parent
    message = "PostgreSQL's server is not installed (Debian package postgresql)"
    if os.environ.get("MONPLAN_REQUIRE_TOOLS") == "1":
        pytest.fail(message + "; MONPLAN_REQUIRE_TOOLS=1 requires it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def mtail_bin() -> str:
    return require_tool("mtail")


@pytest.fixture(scope="session")
def blackbox_bin() -> str:
    return require_tool("prometheus-blackbox-exporter")


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    return require_tool("prometheus")


@pytest.fixture(scope="session")
def alertmanager_bin() -> str:
    return require_tool("prometheus-alertmanager")
