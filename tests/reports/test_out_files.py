"""`report --out` and `tune --write-plan` never overwrite the plan or a file monplan did not
write (issue 13), refused before any query; they may replace what they wrote themselves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import run_monplan
from reports.conftest import PLAN, Server
from reports.synthetic import END, TZ

pytestmark = pytest.mark.e2e
AT = dt.datetime.fromtimestamp(END, TZ).isoformat()


@pytest.mark.parametrize("command, option, fmt", [("report", "--out", "markdown"), ("report", "--out", "json"),
                                                  ("tune", "--write-plan", "table")])
def test_only_a_file_monplan_wrote_is_replaced(command: str, option: str, fmt: str, prometheus: Server,
                                               tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(PLAN.read_bytes())
    mine = tmp_path / "notes.md"
    mine.write_text("# my notes\n\nPeriod: not a report\n")

    def run(target: Path, cache: str | None = None):
        return run_monplan(command, "--plan", str(plan), "--prometheus", prometheus.url, "--at", AT,
                           "--format", fmt, option, str(target), env={"MONPLAN_CACHE_DIR": cache} if cache else None)

    for target in (plan, mine, tmp_path):
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
        result = run(target)
        assert result.returncode == 1, (target, result.stdout[-500:])
        assert f"{option} must name a" in result.stderr and "Traceback" not in result.stderr
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    # What monplan wrote may be replaced: a report is recognised by its content, even where
    # monplan has no record of writing it (a fresh cache folder, as in CI); another file only
    # by the checksum monplan recorded.
    written = tmp_path / "written"
    for cache in [None, str(tmp_path / "fresh-cache")] if command == "report" else [None, None]:
        result = run(written, cache)
        assert result.returncode == 0, result.stderr
    assert plan.read_bytes() == PLAN.read_bytes()
