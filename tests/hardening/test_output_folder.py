"""The output folder is the place the user named and nothing else (issue 13), proved with the
real CLI in subprocesses: links inside it are refused and their targets never touched, an
--out that is a file is refused, an --out link builds in its target, a mount point builds,
two builds at once take turns, a build removes only its own leftovers, and Ctrl-C or SIGTERM
(also while starting) cleans up and ends with one line, never a traceback."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CASES, ROOT, run_monplan, tree

MINIMAL = CASES / "valid" / "minimal" / "plan.yaml"
NOTES = 20000
STOPPED = re.compile(r"^monplan: stopped by (Ctrl-C|SIGTERM)(; .*)?\.$")


def _rows_plan(rows: int, threshold: str) -> str:
    lines = ["version: 1", "system: Output Folder", "sections:"]
    for start in range(0, rows, 10):
        lines += [f"  - title: Section {start // 10:04d}", "    metrics:"]
        for i in range(start, min(start + 10, rows)):
            lines.append(f'      - {{metric: Metric {i:05d}, threshold: "{threshold}", priority: High, '
                         f'query: "avg(avg_over_time(probe_success{{job=\\"j{i}\\"}}[5m]))"}}')
    return "\n".join(lines) + "\n"


def _spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "monplan", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})})


def _leftovers(*folders: Path) -> list[str]:
    return sorted(p.name for folder in folders if folder.is_dir() for p in folder.iterdir()
                  if p.name.startswith(".monplan-") and p.name != ".monplan-manifest")


def _staging_of(out: Path) -> Path | None:
    for entry in out.parent.iterdir():
        if entry.name.startswith(f".monplan-staging-{out.name}-"):
            return entry
    return None


def _wait_for_staging(proc: subprocess.Popen[str], out: Path) -> bool:
    """Poll until the build's staging folder appears beside `out` (True) or the build ends."""
    while proc.poll() is None:
        if _staging_of(out) is not None:
            return True
    return False


def _reference(plan: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    """What a plain build of `plan` into a fresh folder holds."""
    out = tmp_path / f"reference-{name}"
    result = run_monplan("-q", "build", "--plan", str(plan), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return tree(out)


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """A minimal plan (its copy) built into `out`."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.read_text())
    out = tmp_path / "out"
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    return plan, out


# --- links inside the output ----------------------------------------------------------------


def _changed_rule_file(out: Path) -> str:
    return next(p.relative_to(out).as_posix() for p in sorted((out / "prometheus" / "rules").glob("*.yml")))


@pytest.mark.parametrize("link", ["runbooks", "prometheus", "rule file"])
def test_a_link_inside_the_output_is_refused_by_name_and_its_target_never_touched(
        link: str, built: tuple[Path, Path], tmp_path: Path) -> None:
    plan, out = built
    rel = _changed_rule_file(out) if link == "rule file" else link
    plan.write_text(plan.read_text().replace("<99.5%", "<99%"))
    new = _reference(plan, tmp_path, "new")
    assert any(path.startswith(rel) and tree(out).get(path) != data for path, data in new.items()), \
        "the change must rewrite something under the link, or the test proves nothing"
    elsewhere = tmp_path / "elsewhere" / "target"
    elsewhere.parent.mkdir()
    shutil.move(out / rel, elsewhere)
    (out / rel).symlink_to(elsewhere)
    if elsewhere.is_dir():
        (elsewhere / "theirs.txt").write_text("not monplan's\n")
    target_before = tree(elsewhere) if elsewhere.is_dir() else {"": elsewhere.read_bytes()}
    out_before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))

    result = run_monplan("build", "--plan", str(plan), "--out", str(out))

    assert result.returncode == 1, result.stdout
    assert f"{out / rel}: error: is a symbolic link" in result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert (tree(elsewhere) if elsewhere.is_dir() else {"": elsewhere.read_bytes()}) == target_before
    assert (out / rel).is_symlink() and os.readlink(out / rel) == str(elsewhere)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == out_before
    assert _leftovers(tmp_path, out) == []
    check = run_monplan("build", "--check", "--plan", str(plan), "--out", str(out))
    assert check.returncode == 1 and f"{out / rel}: is a symbolic link" in check.stderr


def test_the_file_by_file_fallback_never_deletes_or_writes_through_a_link(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a file system without the atomic switch (simulated: renameat2 exchange refused),
    files are replaced one by one; a link to a folder is refused there too, nothing deleted."""
    from typer.testing import CliRunner

    from monplan.cli import app
    from monplan.output import writer

    plan = tmp_path / "plan.yaml"
    plan.write_text((CASES / "valid" / "threshold-forms" / "plan.yaml").read_text())
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["-q", "build", "--plan", str(plan), "--out", str(out)]).exit_code == 0
    elsewhere = tmp_path / "shared-runbooks"
    shutil.move(out / "runbooks", elsewhere)
    (out / "runbooks").symlink_to(elsewhere)
    before = tree(elsewhere)
    text = plan.read_text()
    assert text.count("    metrics:") >= 1
    # drop the plan's first row: its runbook would be deleted, the others rewritten
    first_row = next(line for line in text.splitlines() if line.lstrip().startswith("- {metric:"))
    plan.write_text(text.replace(first_row + "\n", "", 1).replace('"<99.9%"', '"<99.8%"'))
    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)

    result = runner.invoke(app, ["build", "--plan", str(plan), "--out", str(out)])

    assert result.exit_code == 1
    assert tree(elsewhere) == before
    assert (out / "runbooks").is_symlink()


# --- --out itself -----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["the plan", "another file"])
def test_an_out_naming_an_existing_file_is_refused_and_the_file_kept(which: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.read_text())
    target = plan if which == "the plan" else tmp_path / "notes.txt"
    if which != "the plan":
        target.write_text("my notes\n")
    before = target.read_bytes()

    result = run_monplan("build", "--plan", str(plan), "--out", str(target))

    assert result.returncode == 1
    assert f"{target}: error: is a file" in result.stderr and "nothing was written" in result.stderr
    assert target.is_file() and target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_an_out_that_links_to_a_folder_builds_there_and_the_link_stays(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.read_text())
    real = tmp_path / "volumes" / "monitoring"
    real.mkdir(parents=True)
    (real / "NOTES.md").write_text("ours\n")
    link = tmp_path / "generated"
    link.symlink_to(real)
    for threshold in ("<99.5%", "<99%"):  # a first build, then a change
        plan.write_text(MINIMAL.read_text().replace("<99.5%", threshold))
        expected = {**_reference(plan, tmp_path, threshold), "NOTES.md": b"ours\n"}
        result = run_monplan("build", "--plan", str(plan), "--out", str(link))
        assert result.returncode == 0, result.stderr
        assert link.is_symlink() and os.readlink(link) == str(real)
        assert tree(real) == expected
        assert _leftovers(tmp_path, real.parent, real) == []


def test_an_out_that_is_a_broken_link_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "generated"
    link.symlink_to(tmp_path / "missing")
    result = run_monplan("build", "--plan", str(MINIMAL), "--out", str(link))
    assert result.returncode == 1 and "is a symbolic link to" in result.stderr
    assert link.is_symlink() and not (tmp_path / "missing").exists()


# --- a mount point ---------------------------------------------------------------------------


def _mounted(path: Path) -> bool:
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        return any(line.split(" ")[4] == str(path) for line in handle)


@pytest.fixture(params=["bind", "tmpfs"])
def mount_point(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A container volume: a bind mount of a folder of the same file system (renaming it fails
    with EBUSY) or another file system (EXDEV)."""
    point = tmp_path / "volume"
    point.mkdir()
    if request.param == "bind":
        source = tmp_path / "volume-source"
        source.mkdir()
        command = ["mount", "--bind", str(source), str(point)]
    else:
        command = ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(point)]
    if subprocess.run(command, capture_output=True).returncode != 0:
        pytest.skip("needs permission to mount (root) to make a mount point")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=False)


def test_an_out_that_is_a_mount_point_builds_with_every_file_whole(mount_point: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    (mount_point / "NOTES.md").write_text("the volume's own file\n")
    for threshold in ("<99.5%", "<99%"):  # a first build into the volume, then a change
        plan.write_text(MINIMAL.read_text().replace("<99.5%", threshold))
        expected = {**_reference(plan, tmp_path, threshold), "NOTES.md": b"the volume's own file\n"}
        result = run_monplan("build", "--plan", str(plan), "--out", str(mount_point))
        assert result.returncode == 0, result.stderr
        assert "cannot switch" not in result.stderr and "warning" not in result.stderr
        assert tree(mount_point) == expected
        assert _mounted(mount_point)
        assert _leftovers(tmp_path, mount_point) == []


# --- two builds at once, and whose leftovers -----------------------------------------------------


def test_two_builds_into_one_folder_at_once_end_in_one_complete_tree(tmp_path: Path) -> None:
    """The second build starts while the first stages (the user's many files make that take a
    while), so without a lock its clean-up of leftovers would meet the first one's live staging."""
    out = tmp_path / "out"
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(_rows_plan(300, "<99%"))
    second.write_text(MINIMAL.read_text())
    assert run_monplan("-q", "build", "--plan", str(first), "--out", str(out)).returncode == 0
    first.write_text(_rows_plan(300, "<98%"))
    notes = out / "team-notes"
    notes.mkdir()
    for i in range(NOTES):
        (notes / f"{i:05d}.md").write_text(f"note {i}\n")
    expected = {**_reference(second, tmp_path, "second"), **{f"team-notes/{i:05d}.md": f"note {i}\n".encode()
                                                               for i in range(NOTES)}}

    one = _spawn("build", "--plan", str(first), "--out", str(out))
    assert _wait_for_staging(one, out), "the first build ended before it was seen staging"
    two = _spawn("build", "--plan", str(second), "--out", str(out))  # while the first one writes
    results = [(proc.wait(timeout=600), *proc.communicate()) for proc in (one, two)]

    for code, _stdout, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    assert tree(out) == expected  # the second build's tree, whole, started last so landed last
    assert _leftovers(tmp_path, out) == []


def test_a_build_waits_its_turn_says_so_and_can_be_stopped_while_waiting(tmp_path: Path) -> None:
    """Another build holds the folder (its lock: an flock on the output's parent folder)."""
    import fcntl

    out = tmp_path / "out"
    holder = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        proc = _spawn("build", "--plan", str(MINIMAL), "--out", str(out))
        assert proc.stderr is not None
        first = proc.stderr.readline()  # blocks until the build says something on stderr, or ends
        assert first.startswith(f"waiting for another monplan build into {out}"), first
        assert not out.exists() and _leftovers(tmp_path) == []
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=120)
    finally:
        os.close(holder)
    assert proc.returncode == 128 + signal.SIGTERM, rest
    assert _console_lines(rest) == [f"monplan: stopped by SIGTERM; {out} is unchanged."]
    assert not out.exists() and _leftovers(tmp_path) == []


def test_a_build_removes_only_its_own_output_s_leftovers(tmp_path: Path) -> None:
    gen = tmp_path / "gen"
    # a live build of gen-prod: its staging folder must survive a build of gen
    theirs = tmp_path / ".monplan-staging-gen-prod-1a2b3c4d"
    (theirs / "prometheus").mkdir(parents=True)
    (theirs / "prometheus" / "rules.yml").write_text("groups: []\n")
    ours = tmp_path / ".monplan-staging-gen-9f8e7d6c"  # what a killed build of gen left
    ours.mkdir()
    (ours / "half.yml").write_text("x\n")

    result = run_monplan("-q", "build", "--plan", str(MINIMAL), "--out", str(gen))

    assert result.returncode == 0, result.stderr
    assert (theirs / "prometheus" / "rules.yml").read_text() == "groups: []\n"
    assert not ours.exists()


# --- signals ---------------------------------------------------------------------------------


def _console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line and not line.startswith("import time:")]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_a_signal_while_monplan_starts_ends_it_with_one_line(signum: int, tmp_path: Path) -> None:
    """Sent while the CLI is still importing its modules (seen from Python's import log):
    the interpreter's own first milliseconds are Python's, monplan's code from then on."""
    proc = _spawn("build", "--plan", str(MINIMAL), "--out", str(tmp_path / "out"),
                  env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.split("|")[-1].strip() == "typer":  # the CLI framework: start-up is under way
            proc.send_signal(signum)
            break
    else:
        pytest.fail("typer was never imported:\n" + "".join(seen[-20:]))
    rest = proc.stderr.read()
    proc.wait(timeout=120)
    lines = _console_lines("".join(seen) + rest)
    assert proc.returncode == 128 + signum, lines
    assert len(lines) == 1 and STOPPED.match(lines[0]), lines
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_a_signal_during_the_build_cleans_up_and_says_what_it_left(signum: int, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(_rows_plan(300, "<99%"))
    out = tmp_path / "out"
    notes = out / "team-notes"
    old = _reference(plan, tmp_path, "old")
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    notes.mkdir()
    for i in range(3000):
        (notes / f"{i:05d}.md").write_text(f"note {i}\n")
    plan.write_text(_rows_plan(300, "<98%"))
    user = {f"team-notes/{i:05d}.md": f"note {i}\n".encode() for i in range(3000)}
    new = {**_reference(plan, tmp_path, "new"), **user}

    proc = _spawn("build", "--plan", str(plan), "--out", str(out))
    assert _wait_for_staging(proc, out), "the build ended before it was seen staging"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=600)

    lines = _console_lines(stderr)
    assert proc.returncode == 128 + signum, stderr
    assert len(lines) == 1 and STOPPED.match(lines[0]), lines
    state = tree(out)
    if "is unchanged" in lines[0]:
        assert state == {**old, **user}
    else:
        assert "is fully updated" in lines[0] and state == new
    assert _leftovers(tmp_path, out) == []


# --- an honest summary -------------------------------------------------------------------------


def test_a_build_that_wrote_files_one_by_one_never_says_nothing_was_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: a file system without the atomic switch (exchange refused), then a full disk
    after the first file replaced."""
    from typer.testing import CliRunner

    from monplan.cli import app
    from monplan.output import writer

    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.read_text())
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["-q", "build", "--plan", str(plan), "--out", str(out)]).exit_code == 0
    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)

    plan.write_text(MINIMAL.read_text().replace("<99.5%", "<99%"))
    result = runner.invoke(app, ["build", "--plan", str(plan), "--out", str(out)])
    assert result.exit_code == 0, result.output  # everything was written, file by file
    assert "files were replaced one by one" in result.output and "nothing was written" not in result.output

    replace = writer._atomic_write
    calls = []

    def full_after_one(*args: object) -> None:
        calls.append(args)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out))
        replace(*args)

    monkeypatch.setattr(writer, "_atomic_write", full_after_one)
    plan.write_text(MINIMAL.read_text().replace("<99.5%", "<98%"))
    result = runner.invoke(app, ["build", "--plan", str(plan), "--out", str(out)])
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert "nothing was written" not in result.output and "is unchanged" not in result.output
    assert "partly updated" in result.output


# --- commands that write one file ---------------------------------------------------------------


@pytest.mark.parametrize("command", [("list",), ("list", "--format", "json"), ("explain", "CheckoutAvailability")],
                         ids=["list", "list-json", "explain"])
def test_a_file_out_never_overwrites_the_plan_or_a_file_monplan_did_not_write(
        command: tuple[str, ...], tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.read_text())
    mine = tmp_path / "notes.md"
    mine.write_text("my notes\n")
    link = tmp_path / "plan-link.yaml"
    link.symlink_to(plan)
    for target in (plan, mine, link, tmp_path):
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
        result = run_monplan(*command, "--plan", str(plan), "--out", str(target))
        assert result.returncode == 1, (target, result.stdout)
        assert "--out must name a" in result.stderr and "nothing was written" in result.stderr
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    own = tmp_path / "alerts.out"
    for _ in range(2):  # monplan's own file, from the run before, may be replaced
        result = run_monplan(*command, "--plan", str(plan), "--out", str(own))
        assert result.returncode == 0, result.stderr
    assert own.stat().st_mode & 0o777 == 0o644


def test_after_a_build_into_the_working_folder_the_next_command_says_where_it_stands(tmp_path: Path) -> None:
    """`cd generated && monplan build --out .` switches the folder the shell stands in for the new
    tree, so the shell is left in a folder that no longer exists: the next command (explain, diff,
    build) said so with a FileNotFoundError traceback from os.getcwd."""
    gen = tmp_path / "gen"
    gen.mkdir()
    plan = CASES / "valid" / "minimal" / "plan.yaml"
    monplan = f"{sys.executable} -m monplan"
    script = (f'cd "{gen}" && {monplan} -q build --plan "{plan}" --out . && '
              f'{monplan} explain Anything --plan "{plan}"; echo "explain=$?"; '
              f'{monplan} build --plan "{plan}" --out "{tmp_path / "other"}"; echo "build=$?"')
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env, timeout=300, check=False)
    said = result.stdout + result.stderr
    assert "Traceback" not in said, said
    assert "explain=1" in said and "build=1" in said, said
    assert said.count("the current folder no longer exists") == 2, said
    assert (gen / "prometheus").is_dir()  # the build into it did its work
    assert not (tmp_path / "other").exists()
