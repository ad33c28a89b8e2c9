"""No generated file holds a secret: every file built from the repository's plan and from every
valid golden plan, and the committed generated/ folder, is scanned for secret-looking text,
and the Alertmanager receivers name secret files (absolute paths) only.

The patterns are this test's own, independent of the plan check that refuses secrets
(monplan/spec/check.py), so a secret that slipped past that check would be found here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import yaml

from tests.conftest import CASES, ROOT, tree

PLANS = [ROOT / "plan.yaml", *sorted(p / "plan.yaml" for p in (CASES / "valid").iterdir() if (p / "plan.yaml").exists())]
SECRET_TEXT = [
    (re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s@\"'<>?#]+@"), "a URL with credentials (any user information)"),
    (re.compile(r"hooks\.slack\.com/(services|workflows)/|discord(app)?\.com/api/webhooks/|\.webhook\.office\.com/"),
     "a chat webhook URL"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab token"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "a Google API key"),
    (re.compile(r"\b[sr]k_(live|test)_[A-Za-z0-9]{16,}"), "a Stripe key"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\."), "a JSON Web Token"),
    (re.compile(r"\bBearer[ \t]+[A-Za-z0-9._~+/-]{16,}", re.IGNORECASE), "a bearer token"),
    (re.compile(r"[?&#](access_token|refresh_token|id_token|api_?key|key|token|password|passwd|secret|client_secret|"
                r"code|routing_key|service_key|sig|signature|x-amz-signature|x-amz-credential)=[^&\s\"'#]+",
                re.IGNORECASE), "a credential in a URL's query or fragment"),
    (re.compile(r"\b(password|passwd|pwd)\s*=\s*[^\s'\";]+", re.IGNORECASE), "a password=... setting"),
]
# Keys of YAML and JSON outputs that would hold a secret itself rather than name its file.
SECRET_KEY = re.compile(r"(password|passwd|secret|token|api_?key|routing_key|service_key|credentials|api_url|"
                        r"webhook_url|dsn|data_source_name)$", re.IGNORECASE)


def secrets_in(text: str) -> list[str]:
    return [what for pattern, what in SECRET_TEXT if pattern.search(text)]


def secret_keys(data: Any, path: str = "") -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and SECRET_KEY.search(key) and value not in (None, "", [], {}):
                yield here
            yield from secret_keys(value, here)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from secret_keys(value, f"{path}[{index}]")


@cache
def built(plan: str) -> dict[str, bytes]:
    from pathlib import Path

    from monplan.app.pipeline import load_plan, render

    return render(load_plan(Path(plan)))


def _files() -> Iterator[tuple[str, str, bytes]]:
    for plan in PLANS:
        for path, data in built(str(plan)).items():
            yield str(plan.relative_to(ROOT)), path, data
    for path, data in tree(ROOT / "generated").items():
        yield "generated/ (committed)", path, data


def _parsed(path: str, data: bytes) -> Any:
    """The data of a YAML or JSON output, whose keys are scanned; the plan's JSON Schema names
    the plan's fields (credentials_file, ...) as its keys, so it is scanned as text only."""
    import json

    if path == "plan.schema.json":
        return None
    if path.endswith((".yml", ".yaml")):
        return yaml.safe_load(data)
    if path.endswith(".json"):
        return json.loads(data)
    return None


def test_the_scanner_finds_each_kind_of_secret() -> None:
    """Samples assembled at run time, so this file holds no secret-looking literal itself."""
    samples = ["https://bot:" + "s3cr3t@chat.example.com/", "https://hooks.slack.com/" + "services/T0/B0/x",
               "xoxb-" + "1234567890-abc", "-----BEGIN RSA " + "PRIVATE KEY-----", "AKIA" + "ABCDEFGHIJKLMNOP",
               "ghp_" + "a" * 36, "glpat-" + "b" * 20, "AIza" + "c" * 35, "sk_live_" + "d" * 24,
               "eyJ" + "e" * 12 + ".eyJ" + "f" * 12 + ".sig", "Bearer " + "g7" * 10, "https://x/?token=" + "abc", "https://" + "tok3n@example.com/",
               "https://x/cb#access_token=" + "abc",
               "host=db password=" + "hunter2"]
    assert [s for s in samples if not secrets_in(s)] == []
    assert list(secret_keys({"slack_configs": [{"api_url": "https://x", "api_url_file": "/etc/x"}]})) == [
        "slack_configs[0].api_url"]
    assert secrets_in(built(str(ROOT / "plan.yaml"))["prometheus/prometheus.yml"].decode()) == []


@pytest.mark.parametrize("words", ["Basic authentication failures", "Basic Auth Failures", "Bearer tokens issued",
                                   "Bearer token-refresh-failures", "Basic-auth logins per minute"])
def test_the_words_of_an_authorization_scheme_are_no_secret(tmp_path, words) -> None:
    """A row named for Basic or Bearer authentication is an ordinary metric: only what follows
    the scheme as a credential (base64 of user:password, a token with digits) is a secret.
    Such a metric was refused by build, and left out by import, as "a basic authorisation value"."""
    from conftest import run_monplan
    from monplan.spec.secrets import what_secret

    assert what_secret(words) is None
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"version: 1\nsystem: Shop\nsections:\n  - title: Auth\n    metrics:\n      - metric: {words}\n"
                    "        threshold: \">5\"\n        priority: High\n        query: sum(rate(auth_failures_total[5m]))\n")
    result = run_monplan("build", "--plan", str(plan), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.parent.name if p.parent != ROOT else "repo")
def test_no_generated_file_holds_a_secret(plan) -> None:
    found = []
    for path, data in built(str(plan)).items():
        text = data.decode("utf-8", "replace")
        found += [f"{path}: {what}" for what in secrets_in(text)]
        found += [f"{path}: {key} holds a value" for key in secret_keys(_parsed(path, data))]
    assert not found, "\n".join(found)


def test_the_committed_generated_folder_holds_no_secret() -> None:
    found = []
    for path, data in tree(ROOT / "generated").items():
        found += [f"generated/{path}: {what}" for what in secrets_in(data.decode("utf-8", "replace"))]
        found += [f"generated/{path}: {key}" for key in secret_keys(_parsed(path, data))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("plan", [p for p in PLANS if "alert_routing" in p.read_text()],
                         ids=lambda p: p.parent.name if p.parent != ROOT else "repo")
def test_receivers_reference_secret_files_only(plan) -> None:
    config = yaml.safe_load(built(str(plan))["alertmanager/alertmanager.yml"])
    assert "global" not in config or not list(secret_keys(config["global"]))
    files = 0
    for receiver in config["receivers"]:
        for kind, integrations in receiver.items():
            if not kind.endswith("_configs"):
                continue
            for integration in integrations:
                assert not list(secret_keys(integration)), (receiver["name"], kind)
                for key, value in _file_fields(integration):
                    assert value.startswith("/"), f"{receiver['name']}: {key} is not an absolute path: {value}"
                    files += 1
                if kind == "webhook_configs":
                    assert not secrets_in(integration["url"]), receiver["name"]
    assert files, "the plan's receivers name no secret file at all"


def _file_fields(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and str(key).endswith("_file"):
                yield f"{path}{key}", value
            yield from _file_fields(value, f"{path}{key}.")
