"""`monplan import` never copies a secret of the document into the plan, nor into a message.

Each cell, paragraph or list item holding a secret is reported at its line (a cell by its
column), naming what it looks like and the `*_file` fields that take secrets; the rest of
the document is imported as usual. Samples are assembled at run time, so this file holds no
secret-looking literal itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_monplan
from monplan.diagnostics import Diagnostic
from monplan.docimport.guard import leftovers, redacted

DEPLOYED = "2026-11-25T09:00:00+01:00"
SLACK_TOKEN = "xoxb-" + "123456789012-abcdefABCDEF"
GITHUB_TOKEN = "ghp_" + "x1Y2z3" * 6
AWS_KEY = "AKIA" + "QZ7EXAMPLE2WKEY5"
DB_PASSWORD = "hunter2" + "pw"
WEBHOOK = "https://hooks.slack.com/" + "services/T000/B000/XXXXSECRETXX"
GRAFANA_PASSWORD = "s3cret" + "graf"
QUERY_TOKEN = "abc" + "123tok"
LEAD_PASSWORD = "hunter" + "22x"

DOCUMENT = f"""\
# Shop monitoring plan

## Overview

The shop. Alerts go to {WEBHOOK} for now.

## Alerts

| Metric | Threshold | Priority | Query | Notes |
|---|---|---|---|---|
| API availability | <99.5% | critical | sum(rate(up[5m])) | fine |
| {SLACK_TOKEN} | >5 | high | | |
| Errors | {GITHUB_TOKEN} | high | | |
| Latency | >800ms avg | medium | rate(x{{token="{AWS_KEY}"}}[5m]) | |
| Disk | >80% | medium | | call https://monitor:{DB_PASSWORD}@db.example.com/x |
| Other | >1 | high | | | extra https://api.example.com/hook?token={QUERY_TOKEN} |

## Dashboard Access

- **Main**: [Grafana](https://admin:{GRAFANA_PASSWORD}@grafana.example.com/d/x)

## Escalation path

- On-call (after 5 minutes)
- Lead: password={LEAD_PASSWORD} (after 20 minutes)
"""
SECRETS = (SLACK_TOKEN, GITHUB_TOKEN, AWS_KEY, DB_PASSWORD, WEBHOOK, "XXXXSECRETXX", GRAFANA_PASSWORD, QUERY_TOKEN,
           LEAD_PASSWORD)


def _leaks(*texts: str) -> list[str]:
    return [secret for secret in SECRETS if any(secret in text for text in texts)]


def test_secrets_in_cells_are_reported_and_never_written(tmp_path: Path) -> None:
    document, out = tmp_path / "PLAN.md", tmp_path / "plan.yaml"
    document.write_text(DOCUMENT)
    result = run_monplan("import", str(document), "--out", str(out), "--deployed", DEPLOYED)
    assert result.returncode == 0, result.stderr
    plan = out.read_text()
    assert _leaks(result.stdout, result.stderr, plan) == []
    warned = {line.split(": warning: ")[0].rsplit(":", 1)[1]: line for line in result.stderr.splitlines()
              if "looks like" in line}
    expected = {"5": "the paragraph looks like a Slack webhook URL",
                "12": 'the "Metric" cell (column 1) looks like a Slack token',
                "13": 'the "Threshold" cell (column 2) looks like a GitHub token',
                "14": 'the "Query" cell (column 4) looks like an AWS access key',
                "15": 'the "Notes" cell (column 5) looks like a URL with credentials',
                "16": "the cell of column 6 looks like a credential in a URL",
                "20": "a link target of the list item looks like a URL with credentials",
                "25": "the list item looks like a password setting"}
    assert sorted(warned) == sorted(expected), result.stderr
    for line, words in expected.items():
        assert words in warned[line] and '"api_url_file"' in warned[line] and "secrets never go in the plan" in \
            warned[line]
    # The rest of the document is imported: the clean row as it is, the others with placeholders
    # where a secret was, which build refuses until someone fills them in.
    assert "- metric: API availability\n        threshold: '<99.5%'" in plan
    assert "query: 'sum(rate(up[5m]))'" in plan and "notes: fine" in plan
    assert "- metric: Row at line 12  # the Metric cell of the document looks like a secret" in plan
    assert "threshold: TODO  # the Threshold cell of the document looks like a secret" in plan
    assert "query: TODO  # the Query cell of the document looks like a secret" in plan
    assert "- title: Main" in plan and "link:" not in plan  # the dashboard, without its link
    assert "- level: On-call" in plan and "Lead" not in plan
    validated = run_monplan("validate", "--plan", str(out), "--no-tools")
    assert validated.returncode == 1 and "spec/secrets" not in validated.stdout + validated.stderr
    assert _leaks(validated.stdout, validated.stderr) == []


def test_a_printed_plan_holds_no_secret_either(tmp_path: Path) -> None:
    document = tmp_path / "PLAN.md"
    document.write_text(DOCUMENT)
    result = run_monplan("import", str(document), "--out", "-", "--deployed", DEPLOYED)
    assert result.returncode == 0, result.stderr
    assert "- metric: API availability" in result.stdout
    assert _leaks(result.stdout, result.stderr) == []


@pytest.mark.parametrize("column", ["Metric", "Threshold", "Priority", "Tool", "Baseline", "Query", "Description",
                                    "Alert", "For", "Runbook notes"])
def test_a_secret_in_any_column_is_left_out(tmp_path: Path, column: str) -> None:
    cells = {"Metric": "Orders", "Threshold": ">5", "Priority": "high", "Tool": "Prometheus", "Baseline": "100",
             "Query": "sum(rate(orders_total[5m]))", "Description": "orders", "Alert": "OrdersHigh", "For": "5m",
             "Runbook notes": "see wiki"}
    secret = "Bearer " + "c0ffee" * 5
    cells[column] = f"see {secret}"
    document, out = tmp_path / "PLAN.md", tmp_path / "plan.yaml"
    document.write_text("## Alerts\n\n| " + " | ".join(cells) + " |\n|" + "---|" * len(cells) + "\n| "
                        + " | ".join(cells.values()) + " |\n")
    result = run_monplan("import", str(document), "--out", str(out), "--deployed", DEPLOYED)
    assert result.returncode == 0, result.stderr
    assert "c0ffee" not in result.stdout + result.stderr + out.read_text()
    assert f'PLAN.md:5: warning: the "{column}" cell (column {list(cells).index(column) + 1}) looks like a bearer ' \
           "token" in result.stderr


def test_messages_show_a_secret_as_secret() -> None:
    token = "ghp_" + "x1Y2z3" * 6
    note = Diagnostic("PLAN.md", 3, 0, f'cannot read the threshold "{token}" of "Errors"', severity="warning")
    assert redacted(note).message == 'cannot read the threshold "<secret>" of "Errors"'
    assert redacted(Diagnostic("PLAN.md", 3, 0, f"the words {token} here")).message == "the words <secret> here"
    assert redacted(Diagnostic("PLAN.md", 3, 0, "nothing secret")).message == "nothing secret"


def test_a_plan_text_holding_a_secret_is_not_written() -> None:
    found = leftovers("version: 1\nsystem: Shop\noverview: key " + "AKIA" + "QZ7EXAMPLE2WKEY5\n", "PLAN.md")
    assert len(found) == 1 and found[0].severity == "error"
    assert "an AWS access key at its line 3" in found[0].message and "AKIA" not in found[0].message
    assert leftovers("version: 1\nsystem: Shop\n", "PLAN.md") == []


def test_a_sloth_spec_holding_a_secret_writes_nothing(tmp_path: Path) -> None:
    spec, out = tmp_path / "slos.yaml", tmp_path / "plan.yaml"
    spec.write_text(f"""\
version: "prometheus/v1"
service: "myservice"
labels:
  owner: "{SLACK_TOKEN}"
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{{code=~"5.."}}[{{{{.window}}}}]))
        total_query: sum(rate(http_requests_total[{{{{.window}}}}]))
""")
    result = run_monplan("import", "--from", "sloth", str(spec), "--out", str(out))
    assert result.returncode == 1 and "would hold a Slack token" in result.stderr, result.stderr
    assert "nothing was written" in result.stderr and not out.exists()
    assert _leaks(result.stdout, result.stderr) == []
