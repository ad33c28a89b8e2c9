"""Golden cases: each valid plan builds exactly its expected files; each invalid plan fails
with exactly its expected messages and leaves the output folder as it was.

A valid case is a folder tests/cases/valid/<case>/ with plan.yaml and expected/, the whole
output of `monplan build` (every output kind: rules and tests, Prometheus configuration,
exporters, dashboards and provisioning, Alertmanager, on-call, runbooks, schedules,
Kubernetes and Mimir targets, README.md, PLAN.md, the manifest). The one output that is
the same for every plan, plan.schema.json, is kept once in tests/cases/plan-independent/.

Regenerate expectations after an intended change with MONPLAN_UPDATE_GOLDEN=1, then read
the diff (`git diff --stat tests/cases`, then the files) before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from conftest import CASES, run_monplan, tree

UPDATE = os.environ.get("MONPLAN_UPDATE_GOLDEN") == "1"
# Outputs that do not depend on the plan: one golden copy for all cases, not one per case.
PLAN_INDEPENDENT_DIR = CASES / "plan-independent"
PLAN_INDEPENDENT = ("plan.schema.json",)
DIFF_LINES = 40
VALID = sorted(p for p in (CASES / "valid").iterdir() if (p / "plan.yaml").exists())
INVALID = sorted(p for p in (CASES / "invalid").iterdir() if (p / "plan.yaml").exists())


def _write(path: Path, data: bytes) -> None:
    """Write atomically: parallel workers may write the same plan-independent file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _expected(case: Path) -> dict[str, bytes]:
    """What the case must build: its expected/ folder plus the plan-independent files."""
    expected = tree(case / "expected")
    for path in PLAN_INDEPENDENT:
        expected[path] = (PLAN_INDEPENDENT_DIR / path).read_bytes()
    return expected


def _update(case: Path, built: dict[str, bytes]) -> None:
    shutil.rmtree(case / "expected", ignore_errors=True)
    for path, data in built.items():
        if path in PLAN_INDEPENDENT:
            _write(PLAN_INDEPENDENT_DIR / path, data)
        else:
            _write(case / "expected" / path, data)


def _short_diff(path: str, expected: bytes, built: bytes) -> str:
    lines = list(difflib.unified_diff(expected.decode(errors="replace").splitlines(),
                                      built.decode(errors="replace").splitlines(),
                                      fromfile=f"expected/{path}", tofile=f"built/{path}", lineterm=""))
    if not lines:  # the same lines: only line endings or the final line break differ
        lines = [f"{path}: same lines, different bytes (line endings or final line break)"]
    if len(lines) > DIFF_LINES:
        lines = lines[:DIFF_LINES] + [f"... {len(lines) - DIFF_LINES} more diff lines"]
    return "\n".join(lines)


def _golden_failure(case: Path, built: dict[str, bytes], expected: dict[str, bytes]) -> str | None:
    """A short message naming what differs from the case's golden files, or None."""
    where = f"tests/cases/valid/{case.name}/expected"
    hint = "if the change is intended: MONPLAN_UPDATE_GOLDEN=1 pytest tests/test_cases.py, then review `git diff tests/cases`"
    unexpected = sorted(set(built) - set(expected))
    missing = sorted(set(expected) - set(built))
    if unexpected or missing:
        parts = [f"the set of built files differs from {where}:"]
        parts += [f"  built, not expected: {path}" for path in unexpected]
        parts += [f"  expected, not built: {path}" for path in missing]
        return "\n".join([*parts, hint])
    differing = [path for path in sorted(expected) if built[path] != expected[path]]
    if not differing:
        return None
    names = ", ".join(differing[:10]) + (f" and {len(differing) - 10} more" if len(differing) > 10 else "")
    first = differing[0]
    source = PLAN_INDEPENDENT_DIR / first if first in PLAN_INDEPENDENT else f"{where}/{first}"
    return "\n".join([f"{len(differing)} file(s) differ from {where}: {names}",
                      f"first difference, {source}:", _short_diff(first, expected[first], built[first]), hint])


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_plan_builds_exactly_its_expected_files(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_monplan("build", "--plan", "plan.yaml", "--out", str(out), cwd=case)
    assert result.returncode == 0, result.stderr
    built = tree(out)
    if UPDATE:
        _update(case, built)
    failure = _golden_failure(case, built, _expected(case))
    if failure:
        pytest.fail(failure, pytrace=False)


def _kinds(files: dict[str, bytes]) -> set[str]:
    """Output kinds: a top-level file, or the folder holding a file (two levels at most)."""
    return {"/".join(Path(path).parts[:-1][:2]) or path for path in files}


def test_every_case_folder_is_a_case() -> None:
    """A folder without its plan.yaml would be skipped silently."""
    for folder in sorted(p for p in (CASES / "valid").iterdir() if p.is_dir()):
        assert (folder / "plan.yaml").exists() and (folder / "expected").is_dir(), f"{folder}: needs plan.yaml and expected/"
    for folder in sorted(p for p in (CASES / "invalid").iterdir() if p.is_dir()):
        assert (folder / "plan.yaml").exists() and (folder / "expected.txt").exists(), f"{folder}: needs plan.yaml and expected.txt"


def test_the_golden_cases_hold_every_output_kind_of_the_repository_plan() -> None:
    """Each kind of output the repository's plan builds (its committed generated/, which
    `monplan build --check` keeps equal to the build) has golden files in some valid case."""
    covered = set(PLAN_INDEPENDENT).union(*(_kinds(tree(case / "expected")) for case in VALID))
    missing = _kinds(tree(CASES.parent.parent / "generated")) - covered
    assert not missing, f"no valid case has golden files of {sorted(missing)}: extend tests/cases/valid/every-output"


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
