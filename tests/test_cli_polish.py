"""The CLI's rough edges a new user hits first (issue 18): options where people type them,
output readable at 80 columns and in pipes, errors that say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CASES, ROOT, run_monplan

MINIMAL = CASES / "valid" / "minimal" / "plan.yaml"


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_and_verbose_work_before_and_after_the_command(where: str, tmp_path: Path) -> None:
    def build(flag: str) -> tuple[str, str]:
        args = [flag, "build"] if where == "before" else ["build", flag]
        result = run_monplan(*args, "--out", str(tmp_path / flag))
        assert result.returncode == 0, result.stderr
        return result.stdout, result.stderr

    out, err = build("-q")
    assert out == "" and err == ""
    out, err = build("-v")  # plan.yaml has [BASELINE] rows: -v prints their warnings
    assert "warning:" in err and "Built 24 alerts" in out
    out, err = build("--verbose")
    assert "warning:" in err
