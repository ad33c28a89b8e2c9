"""A hostile corpus of secrets in the plan: each is refused at its line and column, with the
`*_file` field that takes it instead, however YAML writes it and wherever it sits.

Samples are assembled at run time, so this file holds no secret-looking literal itself.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from monplan.diagnostics import PlanError
from monplan.spec.check import check_plan
from monplan.spec.loader import load_text
from tests.conftest import run_monplan

A, B = "A" * 4, "b" * 4
SECRETS = {
    "AWS access key": "AKIA" + "QZ7EXAMPLE2WKEY5",
    "AWS secret key": "wJalrXUtnFEMI/K7MDENG/bPxRfi" + "CYzEXAMPLEKY",
    "Google API key": "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "GitHub token": "ghp_" + "x1Y2z3" * 6,
    "GitHub fine-grained token": "github_pat_" + "11ABCDEFG0123456789_abcdefghij",
    "Slack bot token": "xoxb-" + "123456789012-abcdefABCDEF",
    "Slack webhook": "https://hooks.slack.com/" + "services/T000/B000/XXXX",
    "private key": "-----BEGIN OPENSSH " + "PRIVATE KEY-----",
    "JSON Web Token": "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
    "bearer token": "Authorization: Bearer " + "c0ffee" * 5,
    "token as URL user name": "https://" + "ghx9s8d7f6g5h4j3" + "@api.example.com/v1",
    "user and password in URL": "postgres://monitor:" + "hunter2" + "@db.example.com/uws",
    "password only in URL": "https://:" + "s3cret" + "@example.com/",
    "token query parameter": "https://api.example.com/hook?" + "token=abc123",
    "access_token in fragment": "https://app.example.com/cb#" + "access_token=abc123&token_type=bearer",
    "OAuth code": "https://app.example.com/cb?state=1&" + "code=4/0AX4Xf",
    "client_secret": "https://auth.example.com/token?client_id=x&" + "client_secret=zzz",
    "api_key": "https://api.example.com/v1?" + "api_key=k1",
    "key": "https://maps.example.com/api?" + "key=k1",
    "signature": "https://bucket.example.com/o?X-Amz-Date=1&" + "X-Amz-Signature=ab12",
    "sig": "https://acct.blob.example.net/c?sv=2020&" + "sig=ab%2Bcd",
    "password parameter": "https://example.com/login?user=a&" + "password=x1",
    "percent-encoded parameter name": "https://api.example.com/h?%74oken=" + "abc",
    "DSN password": "host=db user=monitor " + "password=hunter22",
}
# Ways YAML can write a value: each must reach the scanner as the same text.
FORMS = {
    "plain": lambda s: json.dumps(s),  # JSON strings are YAML double-quoted scalars
    "escaped": lambda s: '"' + "".join(f"\\x{ord(c):02x}" if c.isalnum() else c for c in s).replace('"', '\\"') + '"',
    "single-quoted": lambda s: "'" + s.replace("'", "''") + "'",
    "literal block": lambda s: "|\n            " + s,
    "folded block": lambda s: ">-\n            " + s,
    "binary": lambda s: "!!binary " + base64.b64encode(s.encode()).decode(),
    "zero-width space inside": lambda s: json.dumps(s[:6] + "\u200b" + s[6:]).replace("\\u200b", "\u200b"),
}
PLAN = """\
version: 1
system: Shop
sections:
  - title: Availability
    metrics:
      - metric: Orders
        threshold: ">5"
        priority: critical
        query: sum(rate(orders_total[5m]))
        annotations:
          hint: {value}
"""


def _problems(text: str) -> list[str]:
    try:
        check_plan(load_text(text, "plan.yaml"))
    except PlanError as err:
        return [str(d) for d in err.diagnostics]
    return []


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("kind", list(SECRETS))
def test_every_secret_is_refused_however_yaml_writes_it(kind: str, form: str) -> None:
    if form == "zero-width space inside" and len(SECRETS[kind]) < 8:
        pytest.skip("too short to split")
    problems = _problems(PLAN.format(value=FORMS[form](SECRETS[kind])))
    assert problems, f"{kind} written {form} was not refused"
    first = problems[0]
    assert first.startswith("plan.yaml:11:17: error: sections[0].metrics[0].annotations.hint: this looks like "), first
    assert "_file" in first and SECRETS[kind] not in first


@pytest.mark.parametrize("kind", ["GitHub token", "AWS access key", "Slack bot token"])
def test_a_secret_as_a_key_is_refused_at_the_key(kind: str) -> None:
    text = PLAN.format(value="x").replace("hint: x", f"{json.dumps(SECRETS[kind])}: x")
    problems = _problems(text)
    assert problems and problems[0].startswith("plan.yaml:11:11: error: "), problems


@pytest.mark.parametrize(("where", "yaml", "position", "alternative"), [
    ("label", "        labels: {password: hunter2}\n", "10:18", "_file"),
    ("annotation", "        annotations: {api_token: abc}\n", "10:23", "_file"),
    ("annotation", "        annotations: {client-secret: abc}\n", "10:23", "_file"),
    ("default label", None, "4:12", "_file"),
])
def test_secret_named_keys_of_labels_and_annotations_are_refused(where: str, yaml: str | None, position: str,
                                                                  alternative: str) -> None:
    base = PLAN.format(value="x").replace("        annotations:\n          hint: x\n", "")
    if yaml is None:
        text = base.replace("sections:", "defaults:\n  labels: {secret: s1}\nsections:")
    else:
        text = base + yaml
    problems = _problems(text)
    assert problems and problems[0].startswith(f"plan.yaml:{position}: error: "), problems
    assert "names a secret" in problems[0] and alternative in problems[0]


@pytest.mark.parametrize(("receiver", "field"), [
    ("{name: chat, slack: {channel: '#ops', api_url_file: /etc/am/slack.url}, description: URL}", "api_url_file"),
    ("{name: bridge, webhook: {url: URL}}", "credentials_file"),
    ("{name: pager, pagerduty: {routing_key_file: /etc/am/pd.key, url: URL}}", "routing_key_file"),
])
def test_a_refusal_names_the_file_field_of_where_the_secret_was(receiver: str, field: str) -> None:
    url = json.dumps(SECRETS["token query parameter"])
    text = PLAN.format(value="x") + f"alert_routing:\n  receivers:\n    - {receiver.replace('URL', url)}\n"
    problems = [p for p in _problems(text) if "this looks like" in p]
    assert problems and field in problems[0], problems


@pytest.mark.parametrize("text", [
    "see https://grafana.example.com/d/uws-ops?orgId=1&var-instance=api-1&from=now-6h",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "sum(rate(http_server_request_duration_seconds_bucket{job=\"uws-api\",le=\"0.5\"}[5m]))",
    "rotate the password monthly; the token lives in /etc/alertmanager/secrets/token",
    "[PASSWORD] and [TOKEN] are still to be filled in",
    "mail ann@example.com or visit https://example.com/@ann",
    "https://api.uws.example.com/api/v1/workflowDefinitions/Deployments",
])
def test_ordinary_text_is_not_taken_for_a_secret(text: str) -> None:
    assert _problems(PLAN.format(value=json.dumps(text))) == []


def test_the_cli_lists_every_secret_located_and_writes_nothing(tmp_path: Path) -> None:
    values = "".join(f"          k{i}: {json.dumps(s)}\n" for i, s in enumerate(SECRETS.values()))
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.format(value="x") + values)
    out = tmp_path / "out"
    result = run_monplan("build", "--plan", str(plan), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == len(SECRETS), result.stderr
    for line, value in zip(errors, SECRETS.values(), strict=True):
        assert value not in line
    assert not out.exists()
