"""Fixtures of the hardening tests: the hostile-text plan built by the real CLI, and its text."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CASES, run_monplan, tree

HOSTILE = CASES / "valid" / "hostile-text" / "plan.yaml"


@dataclass(frozen=True)
class Built:
    out: Path  # the output folder
    plan: dict[str, Any]  # the plan's data, read as monplan reads it
    files: dict[str, bytes]  # every generated file by relative path

    def text(self, path: str) -> str:
        return self.files[path].decode("utf-8")

    def paths(self, prefix: str = "", suffix: str = "") -> list[str]:
        return sorted(p for p in self.files if p.startswith(prefix) and p.endswith(suffix))


def build(plan: Path, out: Path) -> Built:
    from monplan.spec.loader import load_file

    result = run_monplan("-q", "build", "--plan", str(plan), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return Built(out, load_file(plan).data, tree(out))


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(HOSTILE, tmp_path_factory.mktemp("hostile") / "out")


def strings(data: Any, *path: str | int) -> Iterator[str]:
    """Every string at a path of the plan's data; "*" walks every item of a list or mapping."""
    if not path:
        if isinstance(data, str):
            yield data
        elif isinstance(data, list):
            for item in data:
                yield from strings(item)
        elif isinstance(data, dict):
            for item in data.values():
                yield from strings(item)
        return
    head, rest = path[0], path[1:]
    if head == "*":
        items = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
        for item in items:
            yield from strings(item, *rest)
    elif (isinstance(data, dict) and head in data) or (isinstance(data, list) and isinstance(head, int) and head < len(data)):
        yield from strings(data[head], *rest)


def one_line(text: str) -> str:
    """Whitespace folded as one-line outputs (Markdown lines, comments) fold it."""
    return " ".join(text.split())


def run(*args: str, cwd: Path | None = None, timeout: int = 120,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, env=env)
