"""mtail programs read log files whose paths hold spaces, quotes, accents and dashes, and label
their counters with the plan's component as written (run by the real mtail)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.hardening.conftest import build, run

COMPONENT = 'api {{ c }} "q" $x ü – <b>'
FILES = ["auth log – ü.log", "a'b\"c (y) &z.log", "dir with space/app.auth"]


def _plan(logs: Path) -> str:
    paths = [str(logs / name) for name in FILES]
    quoted = ", ".join(json.dumps(path) for path in [paths[0], paths[1], str(logs / "dir with space" / "*.auth")])
    return f"""version: 1
system: Shop
sections:
  - title: Errors
    metrics:
      - {{metric: Login errors, threshold: Any, priority: high, query: 'sum(increase(auth_login_attempts_total{{result="error"}}[5m]))'}}
      - {{metric: Server errors, threshold: Any, priority: high, query: 'sum(increase(http_log_responses_total{{status_class="5xx"}}[5m]))'}}
collection:
  mtail:
    targets: ["mtail:3903"]
    logs:
      - {{format: auth, paths: [{quoted}]}}
      - {{format: http_access, component: {json.dumps(COMPONENT)}, paths: [{json.dumps(str(logs / "access – ü.log"))}]}}
"""


def test_mtail_counts_lines_of_hostile_paths_and_labels_them_with_the_component_as_written(tmp_path: Path) -> None:
    mtail = require_tool("mtail")
    logs = tmp_path / "logs"
    (logs / "dir with space").mkdir(parents=True)
    for name in FILES:
        (logs / name).write_text("ts=1 event=login result=error user=a\n")
    (logs / "access – ü.log").write_text('10.0.0.1 - - [25/Nov/2026:09:00:00 +0100] "GET / HTTP/1.1" 503 12\n')
    (logs / "other.log").write_text("ts=1 event=login result=error user=a\n")  # not listed: not counted
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan(logs))
    built = build(plan, tmp_path / "out")
    assert built.paths("exporters/mtail/")
    # Given by glob, as a deployment would: other.log matches too, and the programs must not count it.
    globs = [str(logs / "*.log"), str(logs / "dir with space" / "*.auth")]
    result = run(mtail, "--one_shot", "--one_shot_format=json", "--progs", str(built.out / "exporters/mtail"),
                 "--logs", globs[0], "--logs", globs[1], "--logtostderr", timeout=60)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    logins = {tuple(v["Labels"]): v["Value"]["Value"] for v in metrics["auth_login_attempts_total"][0]["LabelValues"]}
    assert logins[("error",)] == len(FILES)
    responses = {tuple(v["Labels"]): v["Value"]["Value"] for v in metrics["http_log_responses_total"][0]["LabelValues"]}
    assert responses[("5xx", COMPONENT)] == 1


@pytest.mark.parametrize("component", ["back\\slash", "two\nlines"])
def test_a_component_mtail_cannot_write_is_refused_at_its_line(tmp_path: Path, component: str) -> None:
    from monplan.app.pipeline import load_plan
    from monplan.diagnostics import PlanError

    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan(tmp_path).replace(json.dumps(COMPONENT), json.dumps(component)))
    with pytest.raises(PlanError) as raised:
        load_plan(plan)
    [problem] = raised.value.diagnostics
    assert problem.field == "collection.mtail.logs[1].component"
    assert problem.line == plan.read_text().splitlines().index(
        next(line for line in plan.read_text().splitlines() if "component:" in line)) + 1
