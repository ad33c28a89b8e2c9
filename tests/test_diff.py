"""`monplan diff`: a reviewer sees what a plan change does."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CASES, run_monplan

SOURCE = CASES / "valid" / "threshold-forms" / "plan.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copy(SOURCE, tmp_path / "plan.yaml")
    for args in (["init", "-q"], ["add", "plan.yaml"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "plan"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True)
    return tmp_path


def _edit(plan: Path) -> None:
    text = plan.read_text()
    text = text.replace('">500ms avg"', '">400ms avg"')
    text = text.replace("{metric: Backup Age", "{metric: Backup Age Renamed")
    text = text.replace("Availability, threshold: \"<99.9%\", priority: Critical", "Availability, threshold: \"<99.9%\", priority: High")
    plan.write_text(text)


def test_an_unchanged_plan_has_no_differences_and_exit_code_zero(repo: Path) -> None:
    result = run_monplan("diff", "--exit-code", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No changes")


def test_diff_names_added_removed_and_changed_alerts_against_the_last_commit(repo: Path) -> None:
    _edit(repo / "plan.yaml")
    result = run_monplan("diff", "--exit-code", cwd=repo)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "  + alert BackupAgeRenamed: Backup Age Renamed >1.5h (high, for 0s)" in lines
    assert "  - alert BackupAge: Backup Age >1.5h (high)" in lines
    assert "  ~ alert ResponseTime: threshold '>500ms avg' -> '>400ms avg'" in lines
    assert "  ~ alert Availability: severity 'critical' -> 'high'" in lines
    assert "  ~ file prometheus/rules/durations.yml" in lines


def test_without_exit_code_differences_still_exit_zero(repo: Path) -> None:
    _edit(repo / "plan.yaml")
    assert run_monplan("diff", cwd=repo).returncode == 0


def test_markdown_is_a_pull_request_comment_with_a_table(repo: Path) -> None:
    _edit(repo / "plan.yaml")
    result = run_monplan("diff", "--format", "markdown", cwd=repo)
    assert result.stdout.startswith("### monplan: what this plan change does")
    assert "| `ResponseTime` | threshold | \\>500ms avg | \\>400ms avg |" in result.stdout  # plan text escaped
    assert "| `BackupAgeRenamed` | **added** |" in result.stdout


def test_diff_against_a_folder_and_routing_changes(tmp_path: Path) -> None:
    base = CASES / "invalid" / "unknown-receiver" / "plan.yaml"
    fixed = base.read_text().replace("emergency-chanel", "emergency-channel") + "    medium: {receivers: [emergency-channel]}\n"
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "plan.yaml").write_text(fixed)
    (tmp_path / "plan.yaml").write_text(fixed.replace("medium: {receivers: [emergency-channel]}",
                                                       "medium: {receivers: [emergency-channel], business_hours_only: true}"))
    result = run_monplan("diff", "--against", str(tmp_path / "old"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "routing: medium alerts go to 'emergency-channel' -> 'emergency-channel (business hours)'" in result.stdout
    assert "~ alert B: receivers 'emergency-channel' -> 'emergency-channel (business hours)'" in result.stdout


def _one_line_usage_error(result: subprocess.CompletedProcess[str]) -> str:
    """The documented shape of a wrong --against: exit 2, one line on stderr, nothing on stdout."""
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_unknown_revision_or_missing_folder_is_a_usage_error_suggesting_a_folder(repo: Path) -> None:
    for against in ("no-such-ref", "../old-plans", "old/plans"):
        line = _one_line_usage_error(run_monplan("diff", "--against", against, cwd=repo))
        assert line.startswith(f"error: --against {against}: no such folder, and no such git revision")
        assert "--against DIR" in line


def test_outside_a_git_repository_diff_explains_and_suggests_against_dir(tmp_path: Path) -> None:
    shutil.copy(SOURCE, tmp_path / "plan.yaml")
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}  # tmp may sit inside someone's repository
    line = _one_line_usage_error(run_monplan("diff", cwd=tmp_path, env=env))
    assert "is not in a git repository" in line and "pass --against DIR" in line


def test_a_plan_not_yet_committed_is_explained(repo: Path) -> None:
    shutil.copy(SOURCE, repo / "new.yaml")
    line = _one_line_usage_error(run_monplan("diff", "--plan", "new.yaml", cwd=repo))
    assert "new.yaml is not in git at HEAD" in line and "--against DIR" in line


def test_a_folder_without_the_plan_is_explained(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    line = _one_line_usage_error(run_monplan("diff", "--against", str(tmp_path / "empty"), cwd=repo))
    assert "no plan there to compare with" in line


@pytest.mark.parametrize("against", ["--output=/tmp/monplan-diff-owned", "-p", "--help"])
def test_against_values_starting_with_a_dash_are_refused_before_git_sees_them(repo: Path, against: str) -> None:
    line = _one_line_usage_error(run_monplan("diff", f"--against={against}", cwd=repo))
    assert "cannot start with '-'" in line
    assert not Path("/tmp/monplan-diff-owned").exists()


def test_a_broken_plan_reports_its_lines(repo: Path) -> None:
    (repo / "plan.yaml").write_text((repo / "plan.yaml").read_text().replace("priority: High", "priority: Huge", 1))
    result = run_monplan("diff", cwd=repo)
    assert result.returncode == 1
    assert "plan.yaml:" in result.stderr and "expected Critical, High or Medium" in result.stderr
