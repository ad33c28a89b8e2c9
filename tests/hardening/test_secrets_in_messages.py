"""A secret in the plan is refused without ever being repeated: not by its own refusal, and not by
any other message of the same run. A value that is a secret is usually also a wrong value for
its field (a Slack token where a priority, a time zone or an alert name goes), and those
messages quoted it (`expected Critical, High or Medium (any case), got "xoxb-..."`,
`unknown time zone "ghp_..."`); a key that is a secret was the path of every message under it;
a section title that is one was listed in every "expected one of" of the section's name. CI
logs keep what `build` and `validate` print.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monplan.diagnostics import PlanError
from monplan.spec.check import check_plan
from monplan.spec.loader import load_text
from tests.conftest import ROOT, run_monplan
from tests.hardening.test_secrets_in_plan import SECRETS

BASE = (ROOT / "plan.yaml").read_text(encoding="utf-8")
# Where a secret also breaks what the field expects: (text replaced, replacement with SECRET).
PLACES = {
    "priority": ("priority: Medium", "priority: SECRET"),
    "time zone": ("timezone: Europe/Berlin", "timezone: SECRET"),
    "alert name": ("- metric: API Response Time", "- metric: API Response Time\n        alert: SECRET"),
    "unknown key": ("version: 1\n", "version: 1\nSECRET: {threshold: 3}\n"),
    "key of a section": ("  - title: Performance Metrics\n", "  - title: Performance Metrics\n    SECRET: 1\n"),
    # a section title listed in the "expected one of" of every reference to the old title,
    # which another mistake of the plan (an unknown priority) makes monplan report
    "section title": ("  - title: Performance Metrics", "  - title: SECRET"),
}
KINDS = ["Slack bot token", "GitHub token", "AWS access key", "user and password in URL", "JSON Web Token"]


def _plan(place: str, secret: str) -> str:
    old, new = PLACES[place]
    assert BASE.count(old) >= 1
    text = BASE.replace(old, new.replace("SECRET", json.dumps(secret)), 1)
    return text.replace("priority: High", "priority: Urgent", 1) if place == "section title" else text


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("place", list(PLACES))
def test_no_problem_repeats_a_secret(place: str, kind: str) -> None:
    secret = SECRETS[kind]
    try:
        check_plan(load_text(_plan(place, secret), "plan.yaml"))
    except PlanError as err:
        said = "\n".join(str(d) for d in err.diagnostics)
    else:
        pytest.fail("the plan was accepted")
    assert "this looks like" in said, said  # refused as a secret, at its line
    for form in (secret, json.dumps(secret)[1:-1], secret[4:-4]):
        assert form not in said, said


@pytest.mark.parametrize("place", ["priority", "key of a section", "section title"])
def test_no_command_prints_a_secret(place: str, tmp_path: Path) -> None:
    secret = SECRETS["Slack bot token"]
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan(place, secret), encoding="utf-8")
    for command in (["build", "--out", str(tmp_path / "out")], ["validate", "--no-tools", "--format", "json"],
                    ["list"], ["explain", "Anything"]):
        result = run_monplan(*command, "--plan", str(plan), cwd=tmp_path)
        said = result.stdout + result.stderr
        assert result.returncode == 1 and "Traceback" not in said and "this looks like" in said, said
        assert secret[4:-4] not in said, (command, said)
    assert not (tmp_path / "out").exists()
