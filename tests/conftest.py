"""Shared fixtures: the repository layout, the real tools, and a way to run the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge what is generated, never how fast: on a loaded CI machine (2 cores,
# tests run in parallel) Hypothesis's timing health checks and deadlines fail good code.
settings.register_profile("monplan", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("monplan")

ROOT = Path(__file__).resolve().parent.parent
# Each test session (each xdist worker) keeps its own build cache, never the user's, and
# removes it when it ends.
if "MONPLAN_CACHE_DIR" not in os.environ:
    import atexit
    import tempfile

    os.environ["MONPLAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="monplan-cache-")
    atexit.register(shutil.rmtree, os.environ["MONPLAN_CACHE_DIR"], ignore_errors=True)
CASES = ROOT / "tests" / "cases"

# Debian package of each tool, for the skip (or, in CI, failure) message.
PACKAGES = {
    "promtool": "prometheus",
    "prometheus": "prometheus",
    "amtool": "prometheus-alertmanager",
    "prometheus-alertmanager": "prometheus-alertmanager",
    "prometheus-blackbox-exporter": "prometheus-blackbox-exporter",
    "mtail": "mtail",
    "prometheus-postgres-exporter": "prometheus-postgres-exporter",
    "psql": "postgresql",
    "systemd-analyze": "systemd",
    "ssconvert": "gnumeric",
}


def require_tool(name: str) -> str:
    """The tool's path; skips the test when it is missing, except in CI where it fails."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (Debian package {PACKAGES.get(name, name)})"
    if os.environ.get("MONPLAN_REQUIRE_TOOLS") == "1":
        pytest.fail(message + "; MONPLAN_REQUIRE_TOOLS=1 requires it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def promtool() -> str:
    return require_tool("promtool")


@pytest.fixture(scope="session")
def amtool() -> str:
    return require_tool("amtool")


def run_monplan(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess, as a user or CI would."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "monplan", *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, env=full_env, timeout=600, check=False)


def warnings_of(tmp_path: Path, text: str, check: str) -> list[tuple[int, int, str]]:
    """(line, column, message) of each warning of one check that the plan `text` gets."""
    from monplan.app.pipeline import load_plan

    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return [(d.line, d.column, d.message) for d in load_plan(path).warnings if d.check == check]


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
