"""Golden cases: each valid plan builds exactly its expected files; each invalid plan fails
with exactly its expected messages and leaves the output folder as it was.

Regenerate expectations after an intended change with MONPLAN_UPDATE_GOLDEN=1, then read
the diff before committing it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import CASES, run_monplan, tree

UPDATE = os.environ.get("MONPLAN_UPDATE_GOLDEN") == "1"
# The core's golden files; other outputs keep golden files of their own.
GOLDEN_DIRS = ("prometheus/rules/", "prometheus/tests/", "PLAN.md")
VALID = sorted(p for p in (CASES / "valid").iterdir() if (p / "plan.yaml").exists())
INVALID = sorted(p for p in (CASES / "invalid").iterdir() if (p / "plan.yaml").exists())


def _golden(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in files.items() if path.startswith(GOLDEN_DIRS)}


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_plan_builds_exactly_its_expected_rules_and_tests(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_monplan("build", "--plan", "plan.yaml", "--out", str(out), cwd=case)
    assert result.returncode == 0, result.stderr
    built = _golden(tree(out))
    expected_dir = case / "expected"
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for path, data in built.items():
            (expected_dir / path).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / path).write_bytes(data)
    expected = tree(expected_dir)
    assert sorted(built) == sorted(expected), "the set of generated files changed"
    for path in expected:
        assert built[path].decode() == expected[path].decode(), f"{path} differs from tests/cases/valid/{case.name}/expected"


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_building_twice_gives_byte_identical_files(case: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert run_monplan("-q", "build", "--plan", str(case / "plan.yaml"), "--out", str(out)).returncode == 0
    assert tree(first) == tree(second)


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    """An output folder holding an earlier build and a file of the user's."""
    out = tmp_path / "out"
    result = run_monplan("-q", "build", "--plan", str(CASES / "valid" / "minimal" / "plan.yaml"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    (out / "NOTES.md").write_text("the team's own notes\n")
    return out


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_invalid_plan_fails_with_every_problem_located_and_changes_nothing(case: Path, previous_output: Path) -> None:
    before = tree(previous_output)
    result = run_monplan("build", "--plan", "plan.yaml", "--out", str(previous_output), cwd=case)
    expected_file = case / "expected.txt"
    if UPDATE:
        expected_file.write_text(result.stderr)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr == expected_file.read_text()
    assert tree(previous_output) == before


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_every_invalid_plan_message_names_file_line_and_column(case: Path) -> None:
    lines = [line for line in (case / "expected.txt").read_text().splitlines() if ": error: " in line]
    assert lines, "an invalid case must expect at least one error"
    for line in lines:
        location = line.split(": error: ")[0]
        file, *position = location.split(":")
        assert file == "plan.yaml"
        assert len(position) == 2 and all(part.isdigit() and int(part) > 0 for part in position), line
