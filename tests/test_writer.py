"""The writer: a build is all or nothing, even when killed, on a full disk or a read-only one."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CASES, ROOT, run_monplan, tree
from monplan.output import writer


def _plan(rows: int, threshold: str) -> str:
    lines = ["version: 1", "system: Crash Test", "sections:"]
    for start in range(0, rows, 10):
        lines += [f"  - title: Section {start // 10:04d}", "    metrics:"]
        for i in range(start, min(start + 10, rows)):
            lines.append(f'      - {{metric: Metric {i:05d}, threshold: "{threshold}", priority: High, '
                         f'query: "avg(avg_over_time(probe_success{{job=\\"j{i}\\"}}[5m]))"}}')
    return "\n".join(lines) + "\n"


def _outputs_only(root: Path) -> dict[str, bytes]:
    return tree(root) if root.exists() else {}


@pytest.fixture(scope="module")
def old_and_new(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, dict]:
    base = tmp_path_factory.mktemp("crash")
    old_plan, new_plan = base / "old.yaml", base / "new.yaml"
    old_plan.write_text(_plan(600, "<99%"))
    new_plan.write_text(_plan(600, "<98%"))
    expected = {}
    for name, plan in (("old", old_plan), ("new", new_plan)):
        out = base / f"expected-{name}"
        assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
        (out / "TEAM-NOTES.md").write_text("kept\n")  # a file monplan does not own
        expected[name] = tree(out)
    return old_plan, new_plan, expected["old"], expected["new"]


def _restore(out: Path, files: dict[str, bytes]) -> None:
    subprocess.run(["rm", "-rf", str(out)], check=True)
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)


def test_killing_a_build_at_any_moment_leaves_the_old_tree_or_the_new_one(old_and_new, tmp_path: Path) -> None:
    _old_plan, new_plan, old, new = old_and_new
    out = tmp_path / "generated"
    _restore(out, old)
    started = time.perf_counter()
    assert run_monplan("-q", "build", "--plan", str(new_plan), "--out", str(out)).returncode == 0
    duration = time.perf_counter() - started
    assert tree(out) == new
    seen = {"old": 0, "new": 0}
    rng = random.Random(20261126)
    for _ in range(int(os.environ.get("MONPLAN_KILL_RUNS", "14"))):
        _restore(out, old)
        proc = subprocess.Popen([sys.executable, "-m", "monplan", "-q", "build", "--plan", str(new_plan), "--out", str(out)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = _outputs_only(out)
        assert state in (old, new), "a killed build left a mix of old and new files"
        seen["old" if state == old else "new"] += 1
    print("states after kills:", seen)
    # the next build cleans whatever the killed ones left beside the folder
    assert run_monplan("-q", "build", "--plan", str(new_plan), "--out", str(out)).returncode == 0
    assert tree(out) == new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated"]


def test_unchanged_files_keep_their_inode_and_time_when_others_change(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text((CASES / "valid" / "threshold-forms" / "plan.yaml").read_text())
    out = tmp_path / "out"
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    untouched = out / "prometheus" / "rules" / "durations.yml"
    before = untouched.stat()
    plan.write_text(plan.read_text().replace('"<99.9%"', '"<99.8%"'))
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    after = untouched.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if result.returncode != 0:
        pytest.skip("needs permission to mount a tmpfs to simulate a full or read-only disk")


@pytest.fixture
def small_disk(tmp_path: Path):
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "400k")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_is_a_clear_error_and_the_old_output_stays(small_disk: Path, tmp_path: Path) -> None:
    out = small_disk / "generated"
    small = CASES / "valid" / "minimal" / "plan.yaml"
    assert run_monplan("-q", "build", "--plan", str(small), "--out", str(out)).returncode == 0
    before = tree(out)
    big = tmp_path / "big.yaml"
    big.write_text(_plan(2000, "<99%"))
    result = run_monplan("build", "--plan", str(big), "--out", str(out))
    assert result.returncode == 1
    assert "cannot write the output: No space left on device" in result.stderr
    assert "is unchanged" in result.stderr and "Traceback" not in result.stderr
    assert tree(out) == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["generated"]


def test_a_read_only_disk_is_a_clear_error_and_the_old_output_stays(small_disk: Path, tmp_path: Path) -> None:
    out = small_disk / "generated"
    plan = tmp_path / "plan.yaml"
    plan.write_text((CASES / "valid" / "minimal" / "plan.yaml").read_text())
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    before = tree(out)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    plan.write_text(plan.read_text().replace("<99.5%", "<99%"))
    result = run_monplan("build", "--plan", str(plan), "--out", str(out))
    assert result.returncode == 1
    assert "Read-only file system" in result.stderr and "Traceback" not in result.stderr
    assert tree(out) == before


def test_compare_reports_added_changed_removed_and_conflicts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    changes, problems = writer.write(out, {"a/one.yml": b"1\n", "two.yml": b"2\n"})
    assert problems == [] and sorted(changes.added) == [".monplan-manifest", "a/one.yml", "two.yml"]
    (out / "mine.yml").write_text("user\n")
    changes = writer.compare(out, {"a/one.yml": b"1!\n", "three.yml": b"3\n", "mine.yml": b"x\n"})
    assert changes.changed == ["a/one.yml"]
    assert changes.added == ["three.yml"]
    assert changes.removed == ["two.yml"]
    assert changes.conflicts == ["mine.yml"]


def test_a_manifest_cannot_make_monplan_delete_outside_its_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    writer.write(out, {"a.yml": b"a\n"})
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    (out / writer.MANIFEST).write_text("a.yml\n../victim.txt\n/etc/passwd\n")
    _changes, problems = writer.write(out, {"b.yml": b"b\n"})
    assert problems == []
    assert victim.read_text() == "keep\n"
    assert not (out / "a.yml").exists() and (out / "b.yml").exists()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_generated_files_and_folders_are_readable_by_all_whatever_the_umask(umask: int, tmp_path: Path) -> None:
    # Prometheus, Alertmanager and Grafana often run as other users than the one who builds.
    out = tmp_path / "out"
    previous = os.umask(umask)
    try:
        writer.write(out, {"a/one.yml": b"1\n", "two.yml": b"2\n"})
        writer.write(out, {"a/one.yml": b"1 changed\n", "two.yml": b"2\n", "b/c/three.yml": b"3\n"})
    finally:
        os.umask(previous)
    modes = {path.relative_to(out).as_posix(): path.stat().st_mode & 0o777 for path in out.rglob("*") if path.is_file()}
    assert modes == {"a/one.yml": 0o644, "two.yml": 0o644, "b/c/three.yml": 0o644, writer.MANIFEST: 0o644}
    folders = [out, out / "a", out / "b", out / "b/c"]
    assert all(folder.stat().st_mode & 0o755 == 0o755 for folder in folders), [oct(f.stat().st_mode) for f in folders]
    assert (out / "a/one.yml").read_bytes() == b"1 changed\n"


def test_a_large_file_is_written_whole(tmp_path: Path) -> None:
    data = bytes(range(256)) * (64 * 1024 + 7)  # 16 MiB and a bit: more than one write() may take
    writer.write(tmp_path / "out", {"big.json": data})
    assert (tmp_path / "out/big.json").read_bytes() == data


def test_a_build_that_finds_the_tree_up_to_date_still_removes_what_a_killed_build_left(tmp_path: Path) -> None:
    # A build killed after switching the trees, while deleting the old one, leaves an up-to-date
    # output (recognised from the build record) and the retired tree beside it.
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan(20, "<99%"))
    out = tmp_path / "generated"
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    leftover = tmp_path / ".monplan-retired-generated-x7k2q9ab"  # as a killed build names it
    (leftover / "prometheus").mkdir(parents=True)
    (leftover / "prometheus" / "old.yml").write_text("old\n")
    check = run_monplan("build", "--check", "--plan", str(plan), "--out", str(out))
    assert check.returncode == 0 and leftover.exists()  # --check changes nothing on disk
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated", "plan.yaml"]


# --- the spare: the old tree kept in the cache folder as the next build's staging folder ----


def _build(plan: Path, out: Path) -> None:
    from monplan.app.pipeline import build

    result = build(plan, out)
    assert result.ok, result.problems


def _spare(cache: Path) -> Path:
    spares = sorted((cache / "monplan").glob("spare-*"))
    assert len(spares) == 1, spares
    return spares[0]


def _built_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: Path) -> tuple[Path, Path, Path, Path]:
    """(cache folder, plan, output, spare): a plan built, changed and built again into `out`,
    so that the tree the second build switched out waits in the test's cache folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MONPLAN_CACHE_DIR", str(cache))
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan(30, "<99%"))
    _build(plan, out)
    plan.write_text(_plan(30, "<98%"))
    _build(plan, out)
    return cache, plan, out, _spare(cache)


def _clean_build(plan: Path, where: Path) -> dict[str, bytes]:
    from monplan.app.pipeline import build

    assert build(plan, where, use_cache=False).ok
    return tree(where)


def test_rebuilds_through_the_spare_equal_clean_builds_and_it_holds_none_of_the_users_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MONPLAN_CACHE_DIR", str(cache))
    plan, out = tmp_path / "plan.yaml", tmp_path / "work" / "generated"
    plan.write_text(_plan(30, "<99%"))
    _build(plan, out)
    (out / "TEAM-NOTES.md").write_text("mine\n")
    (out / "prometheus" / "local.yml").write_text("mine too\n")
    for number, threshold in enumerate(("<98%", "<97%", "<96%")):
        plan.write_text(_plan(30 + number, threshold))  # a row added, every threshold changed
        _build(plan, out)
        expected = _clean_build(plan, tmp_path / f"clean-{number}")
        mine = {"TEAM-NOTES.md": b"mine\n", "prometheus/local.yml": b"mine too\n"}
        assert tree(out) == {**expected, **mine}
        spare = _spare(cache)
        kept = tree(spare)
        assert not set(mine) & set(kept)  # the user's files never wait in the cache
        assert kept  # the previous build's files do: the next build starts from them
    assert sorted(p.name for p in out.parent.iterdir()) == ["generated"]  # nothing beside the output


def test_a_spare_tampered_with_still_builds_the_exact_output_and_nothing_through_its_links(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cache, plan, out, spare = _built_twice(tmp_path, monkeypatch, tmp_path / "generated")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep\n")
    subprocess.run(["rm", "-rf", str(spare / "runbooks")], check=True)
    (spare / "runbooks").symlink_to(outside)  # a link where a folder belongs
    (spare / "prometheus" / "stray.yml").write_text("stray\n")  # a file the output does not have
    plan.write_text(_plan(30, "<97%"))
    expected = _clean_build(plan, tmp_path / "clean")
    now = tree(out)
    same = sorted(rel for rel, data in expected.items() if now.get(rel) == data and "/" in rel
                  and not rel.startswith("runbooks/") and (spare / rel).is_file())
    assert same  # files this build keeps as they are
    for rel in same:
        (spare / rel).unlink()
        (spare / rel).write_text("forged\n")  # another file (inode) at a path the output keeps
    (spare / "PLAN.md").unlink()
    (spare / "PLAN.md").mkdir()  # a folder where a file belongs
    (spare / "PLAN.md" / "inner.txt").write_text("x\n")
    _build(plan, out)
    assert tree(out) == expected
    assert tree(outside) == {"keep.txt": b"keep\n"}


def _folders(root: Path) -> dict[str, tuple[int, int, list[str]]]:
    """Each folder's owner, group and extended attributes (an ACL is one), by relative path."""
    return {str(p.relative_to(root)): (p.lstat().st_uid, p.lstat().st_gid, sorted(os.listxattr(p)))
            for p in [root, *sorted(root.rglob("*"))] if p.is_dir() and not p.is_symlink()}


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user takes root")
def test_a_spare_s_folders_given_to_another_user_or_marked_never_pass_it_on_to_the_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cache, plan, out, spare = _built_twice(tmp_path, monkeypatch, tmp_path / "generated")
    os.chown(spare / "prometheus", 65534, 65534)  # nobody's: nobody could then write rule files
    os.chown(spare / "prometheus" / "rules", os.geteuid(), 65534)  # a group that could
    try:
        os.setxattr(spare / "runbooks", "user.planted", b"1")  # as an ACL granting others is kept
        os.setxattr(spare, "user.planted", b"1")
    except OSError:
        pass  # a file system without user attributes: the owners still tell
    plan.write_text(_plan(30, "<97%"))
    _build(plan, out)
    clean = tmp_path / "clean"
    assert tree(out) == _clean_build(plan, clean)
    assert _folders(out) == _folders(clean)


def _without_root_s_override() -> list[str]:
    """A command prefix under which folder permissions hold, as for any user: for root, its
    power to read and write any folder dropped."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_a_spare_s_folders_closed_to_their_owner_are_still_emptied_and_leave_nothing_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, plan, out, spare = _built_twice(tmp_path, monkeypatch, tmp_path / "work" / "generated")
    closed = ((spare / "extra", 0o000), (spare / "prometheus" / "stale", 0o555),
              (spare / "prometheus" / "stale" / "deeper", 0o000))
    for folder, _mode in closed:
        folder.mkdir()
        (folder / "old.yml").write_text("old\n")
    for folder, mode in reversed(closed):
        folder.chmod(mode)  # as `chmod` by hand left them: the owner may not list or empty them
    plan.write_text(_plan(30, "<97%"))
    build = subprocess.run([*_without_root_s_override(), sys.executable, "-m", "monplan", "-q", "build",
                            "--plan", str(plan), "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "MONPLAN_CACHE_DIR": str(cache)}, check=False)
    assert build.returncode == 0, build.stderr
    assert tree(out) == _clean_build(plan, tmp_path / "clean")
    assert sorted(p.name for p in out.parent.iterdir()) == ["generated"]  # nothing left beside the output


def _mounts_under(folder: Path) -> list[str]:
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        points = [line.split(" ")[4] for line in handle]
    return [point for point in points if point.startswith(f"{folder}/")]


@pytest.mark.parametrize("where", ["runbooks", "PLAN.md"])
def test_a_folder_or_file_mounted_in_the_spare_is_never_written_or_emptied(
        where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, plan, out, _ = _built_twice(tmp_path, monkeypatch, tmp_path / "generated")
    outside = tmp_path / ("outside" if where == "runbooks" else "outside.md")
    if where == "runbooks":
        outside.mkdir(mode=0o700)
        (outside / "precious.txt").write_text("precious\n")
    else:
        outside.write_text("precious\n")
    if subprocess.run(["mount", "--bind", str(outside), str(_spare(cache) / where)], capture_output=True).returncode:
        pytest.skip("needs permission to mount (root)")
    try:
        plan.write_text(_plan(30, "<97%"))
        _build(plan, out)
        assert tree(out) == _clean_build(plan, tmp_path / "clean")
        if where == "runbooks":
            assert tree(outside) == {"precious.txt": b"precious\n"}
            assert outside.stat().st_mode & 0o777 == 0o700
        else:
            assert outside.read_text() == "precious\n"
        assert not _mounts_under(out)  # the output holds no mount but those it had
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nothing left beside it
    finally:
        for point in _mounts_under(tmp_path):
            subprocess.run(["umount", "-l", point], check=False)


def test_a_folder_in_the_spare_deeper_than_any_path_is_removed_and_the_build_ends_well(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, plan, out, _ = _built_twice(tmp_path, monkeypatch, tmp_path / "work" / "generated")
    folder = os.open(_spare(cache) / "runbooks", os.O_RDONLY)
    for _ in range(3000):  # 6,000 characters of path, 3,000 folders deep
        os.mkdir("deep", dir_fd=folder)
        inner = os.open("deep", os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = inner
    os.close(folder)
    try:
        plan.write_text(_plan(30, "<97%"))
        _build(plan, out)
        assert tree(out) == _clean_build(plan, tmp_path / "clean")
        assert sorted(p.name for p in out.parent.iterdir()) == ["generated"]
    finally:
        writer._rmtree(str(tmp_path), ignore_errors=True)  # pytest's clean-up recurses


def test_a_spare_that_cannot_be_brought_up_to_date_is_set_aside_and_the_build_stages_anew(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, plan, out, _ = _built_twice(tmp_path, monkeypatch, tmp_path / "work" / "generated")
    stuck = _spare(cache) / "prometheus" / "stuck.yml"
    stuck.write_text("stuck\n")
    if subprocess.run(["chattr", "+i", str(stuck)], capture_output=True).returncode:
        pytest.skip("needs chattr and root to make a file that cannot be deleted")
    try:
        plan.write_text(_plan(30, "<97%"))
        _build(plan, out)
        assert tree(out) == _clean_build(plan, tmp_path / "clean")
        assert sorted(p.name for p in out.parent.iterdir()) == ["generated"]  # nothing left beside the output
    finally:
        for path in tmp_path.rglob("stuck.yml"):
            subprocess.run(["chattr", "-i", str(path)], check=False)
