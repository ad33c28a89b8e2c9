"""Independent calendar parsers: Mozilla's ical.js (node, from npm) and vobject (dateutil)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent / "js"


def _unavailable(message: str) -> None:
    if os.environ.get("MONPLAN_REQUIRE_TOOLS") == "1":
        pytest.fail(message + "; MONPLAN_REQUIRE_TOOLS=1 (CI) requires it: scripts/install-tools.sh installs it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def icaljs() -> IcalJs:
    """ical.js, installed from tests/calendars/js/package-lock.json into that folder (npm ci)
    when scripts/install-tools.sh has not done it yet."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are not installed (Debian packages nodejs, npm); ical.js cannot run")
    if not (JS / "node_modules" / "ical.js" / "package.json").exists():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True,
                              timeout=300, check=False)
        if done.returncode != 0:
            _unavailable(f"npm could not install ical.js into {JS} (is the npm registry reachable?): "
                         + (done.stderr.strip().splitlines() or ["no output"])[-1])
    return IcalJs(node)


class IcalJs:
    def __init__(self, node: str) -> None:
        self.node = node

    def expand(self, path: Path, until: int) -> list[dict]:
        """Every occurrence of every event until `until` (Unix seconds): summary, start, end."""
        done = subprocess.run([self.node, str(JS / "expand.mjs"), str(path), str(until)], capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
