"""Fixtures of the target tests: builds with the targets on, and plans big enough to split."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import ROOT, tree

REPO_PLAN = ROOT / "plan.yaml"
_GO_ESCAPED = re.compile("[<>&]")


def build(plan: Path, out: Path, *args: str) -> dict[str, bytes]:
    """`monplan build` through typer's runner; the written tree."""
    from monplan.cli import app

    result = CliRunner().invoke(app, ["build", "--plan", str(plan), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return tree(out)


def load(data: bytes) -> Any:
    return yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def under(files: dict[str, bytes], folder: str) -> dict[str, Any]:
    """The YAML documents in `folder`, parsed, by path."""
    return {path: load(data) for path, data in files.items() if path.startswith(folder)}


def api_server_bytes(obj: dict[str, Any]) -> int:
    """An upper bound of the object's size as the API server stores it: compact JSON with
    every non-ASCII character and Go's HTML escapes (<, >, &) as \\uXXXX."""
    text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    return len(_GO_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode())


def rule_groups(files: dict[str, bytes]) -> list[dict[str, Any]]:
    """Every rule group of the Prometheus target, file by file in name order."""
    out = []
    for _path, document in sorted(under(files, "prometheus/rules/").items()):
        out.extend(document["groups"])
    return out


@pytest.fixture(scope="session")
def repo_plan() -> dict[str, Any]:
    return load(REPO_PLAN.read_bytes())


@pytest.fixture(scope="session")
def repo_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The repository's plan (which turns both targets on), built once per worker."""
    return build(REPO_PLAN, tmp_path_factory.mktemp("repo") / "out")


def big_plan(rows: int, *, note_chars: int = 2400, targets: str = "prometheus-operator:\n  mimir:\n",
             tool: bool = True) -> str:
    """One section of `rows` latency rows, each with a long annotation full of <, > and &
    (which Go's JSON encoder writes as six bytes each), so a few hundred rows are megabytes of rules."""
    note = ("Check the upstream <dependency> & its pool > limit; " * (note_chars // 50 + 1))[:note_chars]
    lines = ["version: 1", "system: Big Shop", "targets:", f"  {targets}", "sections:", "  - title: Latency",
             "    metrics:"]
    for i in range(rows):
        lines += [f"      - metric: Endpoint {i} Latency",
                  *(["        tool: APM"] if tool else []),
                  f'        threshold: ">{100 + i}ms avg"',
                  f"        priority: {('critical', 'high', 'medium')[i % 3]}",
                  f'        query: avg(http_request_duration_seconds{{route="/r{i}"}})',
                  "        annotations:",
                  f'          notes: "{note}"']
    return "\n".join(lines) + "\n"
