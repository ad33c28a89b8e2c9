"""Shell injection: no plan text and no plan file name reaches a shell unquoted. The systemd
units run `sh -c SCRIPT sh PLAN URL TZ` (the plan's values as arguments, never script text),
the GitHub workflow passes them through `env:`; both are run here with the real sh/bash, a
recording `monplan` on PATH, and a hostile plan file name and Prometheus URL: each arrives as
one literal argument and nothing they hold is executed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, require_tool, run_monplan, tree
from tests.hardening.conftest import run
from tests.systemd_exec import exec_start, github_value

# Plan file names: shell, systemd and GitHub syntax; a line break and a tab.
NAMES = ["p$(touch PWNED-1)l`touch PWNED-2`a\"n'x \\ %h %i $HOME ${HOME} $$ ; & | > < * ? [a] ~ #c.yaml",
         "plan ${{ github.token }} $(touch PWNED-3).yaml",
         "line\nbreak\ttab 'q' \"d\" \\\\ $(touch PWNED-4).yaml",
         "-rf $(touch PWNED-5).yaml"]
# Prometheus URLs: $(...) in the user part, shell syntax in the path and query. A URL the plan
# refuses (at its line) is skipped: it cannot reach a unit.
URLS = ["http://$(touch${IFS}PWNED-6)@prometheus.example.com:9090",
        "http://a`touch PWNED-7`b:x'y\"z@prometheus.example.com:9090/p",
        "http://prometheus.example.com:9090/a;touch%20PWNED-8&(reboot)|x?q=1&r=$(id)",
        "http://prometheus.example.com:9090/a;(touch%20PWNED-9)*!,+=~_.[]:@/x",
        "http://${{secrets.TOKEN}}@prometheus.example.com:9090/"]
RECORDER = '#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done >> "$RECORD"\nprintf "\\036" >> "$RECORD"\n'


def _plan_text(url: str) -> str:
    text = (ROOT / "plan.yaml").read_text()
    changed = re.sub(r"(?m)^(\s*prometheus_url: ).*$", lambda m: m[1] + yaml.safe_dump(url).split("\n")[0], text, count=1)
    assert changed != text
    return changed


def _build(tmp: Path, name: str, url: str) -> dict[str, bytes] | None:
    """The files built from plan.yaml saved as `name` with `url`; None if the plan refuses the URL at its line."""
    folder = tmp / "plan"
    folder.mkdir(exist_ok=True)
    plan = folder / name
    plan.write_text(_plan_text(url))
    result = run_monplan("-q", "build", "--plan", str(plan), "--out", str(tmp / "out"))
    if result.returncode != 0:
        assert re.search(r":\d+:\d+: error: endpoints\.prometheus_url: ", result.stderr), result.stderr
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr
        return None
    return tree(tmp / "out")


def _recorded(record: Path) -> list[list[str]]:
    return [call.split("\0")[:-1] for call in record.read_text().split("\x1e") if call]


def _check_calls(calls: list[list[str]], name: str, url: str) -> None:
    assert calls
    for argv in calls:
        assert argv[argv.index("--plan") + 1] == name
        assert argv[argv.index("--prometheus") + 1] == url


def _sandbox(tmp: Path) -> tuple[Path, dict[str, str]]:
    work = tmp / "work"
    work.mkdir(parents=True)
    (tmp / "bin").mkdir()
    (tmp / "bin" / "monplan").write_text(RECORDER)
    (tmp / "bin" / "monplan").chmod(0o755)
    env = {"PATH": f"{tmp / 'bin'}:/usr/bin:/bin", "RECORD": str(tmp / "record"), "HOME": str(tmp / "home")}
    return work, env


CASES = [(name, URLS[0]) for name in NAMES] + [(NAMES[0], url) for url in URLS[1:]]


@pytest.mark.parametrize("name, url", CASES)
def test_systemd_units_pass_the_plan_file_and_url_as_single_literal_arguments(tmp_path: Path, name: str, url: str) -> None:
    files = _build(tmp_path, name, url)
    if files is None:
        pytest.skip("the plan refuses this URL at its line")
    units = {path: data.decode() for path, data in files.items() if path.endswith(".service")}
    assert len(units) == 3
    for path, unit in units.items():
        work, env = _sandbox(tmp_path / Path(path).stem)
        argv = exec_start(unit, instance="24h")
        assert argv[:2] == ["/bin/sh", "-c"]
        assert name not in argv[2] and url not in argv[2]  # the script holds no plan text
        result = run(*argv, cwd=work, env=env)
        assert result.returncode == 0, (path, result.stderr)
        _check_calls(_recorded(Path(env["RECORD"])), name, url)
        assert not list(work.rglob("PWNED*")) and not list(tmp_path.rglob("PWNED*")), path


@pytest.mark.parametrize("name, url", CASES[:1] + CASES[-1:])
def test_systemd_analyze_verifies_units_with_hostile_arguments(tmp_path: Path, name: str, url: str) -> None:
    analyze = require_tool("systemd-analyze")
    files = _build(tmp_path, name, url)
    if files is None:
        pytest.skip("the plan refuses this URL at its line")
    units = tmp_path / "units"
    units.mkdir()
    for path, data in files.items():
        if path.startswith("schedules/systemd/"):
            (units / Path(path).name.replace("@.service", "@24h.service")).write_bytes(data)
    result = run(analyze, "verify", "--man=no", *sorted(str(p) for p in units.glob("*.service")), cwd=units)
    own = [line for line in (result.stdout + result.stderr).splitlines()
           if re.search(r"unknown|invalid|failed to (parse|resolve)|specifier|ignoring|unbalanced|escape", line, re.I)
           and "Command monplan" not in line and "/srv/monplan" not in line]
    assert not own, "\n".join(own)


@pytest.mark.parametrize("name, url", CASES)
@pytest.mark.parametrize("variable", ["", "http://$(touch PWNED-10)`touch PWNED-11`@vars.example.com:9090"])
def test_github_run_steps_get_plan_values_from_env_and_run_them_as_data(
        tmp_path: Path, name: str, url: str, variable: str) -> None:
    bash = shutil.which("bash") or pytest.skip("bash is not installed")
    files = _build(tmp_path, name, url)
    if files is None:
        pytest.skip("the plan refuses this URL at its line")
    workflow = yaml.safe_load(files["schedules/github/monplan-reports.yml"])
    for job_name, job in workflow["jobs"].items():
        work, env = _sandbox(tmp_path / job_name)
        env.update({key: github_value(value, {"PROMETHEUS_URL": variable}) for key, value in job["env"].items()})
        for step in job["steps"]:
            if "run" not in step:
                continue
            assert name not in step["run"] and url not in step["run"]
            # the step's own env is GitHub's context (event, schedule, input): a manual run of this job
            step_env = {**env, "EVENT": "workflow_dispatch", "SCHEDULE": "", "CHOICE": job_name,
                        "GITHUB_OUTPUT": str(work / "out")}
            if step["run"].startswith("pip "):
                continue
            result = run(bash, "-e", "-c", step["run"], cwd=work, env=step_env)
            assert result.returncode == 0, (job_name, result.stderr)
        assert (work / "out").read_text().strip() == "due=true"
        _check_calls(_recorded(Path(env["RECORD"])), name, variable or url)
        assert not list(tmp_path.rglob("PWNED*")), job_name
