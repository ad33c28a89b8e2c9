"""The templates of the top-level templates/ folder ship in the wheel and are found when installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

OURS = ("runbook.md.j2", "ONCALL.md.j2")


def test_the_checkout_finds_the_templates_in_the_top_level_folder() -> None:
    from monplan.formats.markdown import templates_folder

    assert templates_folder().resolve() == (ROOT / "templates").resolve()
    for name in OURS:
        assert (templates_folder() / name).is_file()


def test_pyproject_lists_every_package_of_the_source_tree() -> None:
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "monplan").rglob("__init__.py")}
    assert listed == found | {"monplan.templates"}


def test_an_installed_wheel_carries_the_templates_and_renders_runbooks_from_them(
        tmp_path: Path, repo_files: dict[str, bytes]) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "monplan", source / "monplan", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", source / "templates")
    wheels = tmp_path / "wheels"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels),
                           str(source)], capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = wheels.glob("monplan-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "installed")
    for name in OURS:
        assert f"monplan/templates/{name}" in names
    # Build from the unpacked wheel alone (no checkout): the same runbooks and ONCALL.md.
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "installed")}
    where = subprocess.run([sys.executable, "-c", "import monplan.formats.markdown as m; print(m.__file__)"], env=env,
                           cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert where.stdout.startswith(str(tmp_path / "installed")), where.stdout + where.stderr
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "monplan", "-q", "build", "--plan", str(ROOT / "plan.yaml"),
                          "--out", str(out)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    for path, data in repo_files.items():
        if path.startswith("runbooks/") or path == "oncall/ONCALL.md":
            assert (out / path).read_bytes() == data, path
