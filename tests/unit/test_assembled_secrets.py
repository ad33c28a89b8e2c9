"""spec/secrets after substitution: a per-service row's texts with the service's vars put in,
and an annotation's expanded template, are scanned like the plan's own values. Pieces that
are harmless one by one must not make a secret in the rules, tests, runbooks or dashboards."""

from __future__ import annotations

from pathlib import Path

import pytest

from monplan.app import pipeline
from monplan.diagnostics import Diagnostic, PlanError
from monplan.model import services

TOKEN = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"


def _plan(tmp_path: Path, row: str, vars_: str, extra_service: str = "") -> Path:
    text = f"""\
version: 1
system: Shop
sections:
  - title: Per service
    per_service: true
    metrics:
      - metric: Probe
        priority: critical
{row}
services:
  - name: pay
    vars: {vars_}
{extra_service}"""
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return path


def _line(plan: Path, text: str) -> int:
    """The line of the plan holding `text` first."""
    return next(n for n, line in enumerate(plan.read_text().splitlines(), start=1) if text in line)


def _problems(plan: Path) -> list[Diagnostic]:
    with pytest.raises(PlanError) as err:
        pipeline.load_plan(plan)
    return err.value.diagnostics


def _secrets(plan: Path) -> list[tuple[int, str, str]]:
    """(line, field, what it looks like) of each spec/secrets problem; no message repeats a piece."""
    found = []
    for d in _problems(plan):
        assert d.check == "spec/secrets", d
        for piece in (TOKEN, "hunter2", "IOSFODNN7EXAMPLE", "klmnopqrstuvwxyzAB"):
            assert piece not in d.message
        found.append((d.line, d.field, d.message.split("looks like ")[1].split(";")[0]))
    return found


def test_the_reported_attack_is_refused_at_the_vars_and_nothing_is_written(tmp_path: Path) -> None:
    plan = _plan(tmp_path, """\
        threshold: "<99%"
        query: avg(probe_success{job="${job}", tok="${p1}${p2}"})""",
                 '{job: pay, p1: "ghp_0123456789abcdefghij", p2: "klmnopqrstuvwxyzAB"}')
    out = tmp_path / "out"
    result = pipeline.build(plan, out, use_cache=False)
    assert [(d.line, d.field, d.check) for d in result.problems] == [(_line(plan, "vars:"), "services[0].vars", "spec/secrets")]
    assert f"sections[0].metrics[0].query (line {_line(plan, 'query:')})" in result.problems[0].message
    assert 'service "pay"' in result.problems[0].message
    assert not out.exists()


@pytest.mark.parametrize(("row", "vars_", "what"), [
    # a URL with user:pass put together from two vars
    ('        threshold: "<99%"\n        query: avg(probe_success{job="${job}", instance="${u}:${p}"})',
     "{job: db, u: 'https://admin', p: 'hunter2@db.example.com'}", "a URL with credentials"),
    # a percent-encoded piece in the template: decoded, the result is a token
    ('        threshold: "<99%"\n        query: avg(probe_success{job="${job}", ref="%67hp_${t}"})',
     "{job: db, t: 0123456789abcdefghijklmnopqrstuvwxyzAB}", "a GitHub token"),
    # a base64 body in two halves (neither decodes to anything on its own)
    ('        threshold: "<99%"\n        query: avg(probe_success{job="${job}", b="${x}${y}"})',
     "{job: db, x: Z2hwXzAxMjM0NTY3ODlh, y: YmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ekFC}", "a GitHub token"),
    # an AWS key from a prefix in the template and two vars
    ('        threshold: "<99%"\n        query: avg(probe_success{job="${job}", k="AKIA${a}${b}"})',
     "{job: db, a: IOSFODNN, b: 7EXAMPLE}", "an AWS access key"),
    # the baseline query
    ('        threshold: "<50% of baseline"\n        query: sum(rate(x_total{job="${job}"}[5m]))\n'
     '        baseline_query: sum(rate(x_total{job="${job}", k="AKIA${a}${b}"}[5m]))',
     "{job: db, a: IOSFODNN, b: 7EXAMPLE}", "an AWS access key"),
])
def test_variants_put_together_by_substitution_are_refused(tmp_path: Path, row: str, vars_: str, what: str) -> None:
    plan = _plan(tmp_path, row, vars_)
    found = _secrets(plan)
    assert len(found) == 1 and found[0][:2] == (_line(plan, "vars:"), "services[0].vars") and found[0][2].startswith(what)


def test_slo_queries_and_selectors_are_scanned_after_substitution(tmp_path: Path) -> None:
    for key, value in (("errors", 'sum(rate(e_total{job="${job}", k="AKIA${a}${b}"}[${window}]))'),
                       ("bool_gauge", 'up{job="${job}", k="AKIA${a}${b}"}')):
        extra = "\n          total: sum(rate(t_total{job=\"${job}\"}[${window}]))" if key == "errors" else ""
        row = f'        threshold: "<99.9%"\n        slo:\n          {key}: \'{value}\'{extra}'
        plan = _plan(tmp_path, row, "{job: db, a: IOSFODNN, b: 7EXAMPLE}")
        found = _secrets(plan)
        assert [(line, field) for line, field, _ in found] == [(_line(plan, "vars:"), "services[0].vars")]


def test_an_override_query_is_scanned_and_named(tmp_path: Path) -> None:
    plan = _plan(tmp_path, '        threshold: "<99%"\n        query: avg(probe_success{job="${job}"})',
                 "{job: pay, a: IOSFODNN, b: 7EXAMPLE}",
                 "    overrides:\n      Probe: {query: 'avg(probe_success{job=\"${job}\", k=\"AKIA${a}${b}\"})'}\n")
    [problem] = _problems(plan)
    assert (problem.line, problem.field, problem.check) == (_line(plan, "vars:"), "services[0].vars", "spec/secrets")
    assert f"services[0].overrides.Probe.query (line {_line(plan, 'Probe: {')})" in problem.message


def test_a_query_that_does_not_parse_does_not_repeat_the_secret(tmp_path: Path) -> None:
    plan = _plan(tmp_path, '        threshold: "<99%"\n        query: avg(probe_success{job="${job}", k="${p1}${p2}"}',
                 '{job: pay, p1: "ghp_0123456789abcdefghij", p2: "klmnopqrstuvwxyzAB"}')
    assert [field for _, field, _ in _secrets(plan)] == ["services[0].vars"]


@pytest.mark.parametrize(("annotation", "service"), [
    ("'ghp_0123456789abcdef{{ \"ghijklmnopqrstuvwxyzAB\" }}'", "pay"),  # a Go string literal
    ("'ghp_0123{{ $labels.service }}'", "klmnopqrstuvwxyzab0123456789"),  # the label the tests give
])
def test_annotation_templates_are_scanned_as_expanded(tmp_path: Path, annotation: str, service: str) -> None:
    plan = _plan(tmp_path, f'        threshold: "<99%"\n        query: avg(probe_success{{job="${{job}}"}})\n'
                 f"        annotations:\n          note: {annotation}", "{job: pay}")
    plan.write_text(plan.read_text().replace("name: pay", f"name: {service}"))
    found = _secrets(plan)
    assert found == [(_line(plan, "note:"), "sections[0].metrics[0].annotations.note", "a GitHub token")]


def test_unchanged_and_harmless_texts_pass_and_are_not_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scanned: list[str] = []
    real = services.what_secret

    def counting(text: str) -> str | None:
        scanned.append(text)
        return real(text)

    monkeypatch.setattr(services, "what_secret", counting)
    plan = _plan(tmp_path, '        threshold: "<50% of baseline"\n        query: avg(probe_success{job="${job}"})\n'
                 '        baseline_query: avg(probe_success{job="fixed"})',
                 "{job: 'https://pay.example.com:8443'}")
    pipeline.load_plan(plan)
    # the substituted query only: the baseline query has no variable
    assert scanned == ['avg(probe_success{job="https://pay.example.com:8443"})']


# One text of each shape secrets.py knows, in _SHAPES' order, and some that only case folding
# (as re.IGNORECASE does it) makes one.
SHAPES = [
    "AKIAIOSFODNN7EXAMPLE", "AIzaSyA1234567890abcdefghijklmnopqrstuv", TOKEN, "glpat-abcdefghij0123456789",
    "xoxb-1234567890-abcdef", "sk_live_abcdefghijklmnop", "SG.abcdefghijklmnop.abcdefghijklmnop",
    "npm_abcdefghijklmnopqrstuvwxyz0123456789", "sk-abcdefghijklmnopqrstuvwxyz0123456789",
    "eyJhbGciOiJIUzI1.eyJzdWIiOiIx.abc", "-----BEGIN RSA PRIVATE KEY-----",
    "https://hooks.slack.com/services/T0/B0/x", "https://discord.com/api/webhooks/1/x",
    "https://x.webhook.office.com/y", "password=hunter22", "aws_secret_access_key = abc",
]


def test_the_quick_test_of_the_shapes_misses_none() -> None:
    from monplan.spec import secrets

    assert len(SHAPES) == len(secrets._SHAPES)
    for text, (pattern, what) in zip(SHAPES, secrets._SHAPES, strict=True):
        assert pattern.search(text), (text, what)
        assert secrets._may_have_shape(text) and secrets.what_secret(f"x {text} y") == what
    for text in ("pa\u017f\u017fword=hunter22", "hook\u017f.\u017flack.com/services/T0/B0/x",
                 "d\u0131scord.com/api/webhooks/1/x", "BEARER abcdefghijklmnopqrstuvwxyz0123"):
        assert secrets.what_secret(text) is not None, text
    # the schemes of an Authorization header: a credential after them, not words
    for text, what in (("Bearer abcdefghijklmnopqrstuvwxyz0123", "a bearer token"),
                       ("Bearer " + "a" * 32, "a bearer token"),
                       ("Basic dXNlcjpwYXNzd29yZA==", "a basic authorisation value")):
        assert secrets._may_have_shape(text) and secrets.what_secret(f"x {text} y") == what, text
    for text in ("Basic authentication failures", "Bearer token-refresh-failures", "Basic Auth"):
        assert secrets.what_secret(text) is None, text


def test_case_folding_finds_every_character_ignorecase_takes_for_a_letter() -> None:
    """What makes the quick test sound: a character re.IGNORECASE matches to an ASCII letter
    folds (as _may_have_shape folds) to a text holding that letter."""
    import re
    import sys

    from monplan.spec.secrets import folded

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for char in set(re.findall(f"(?i){letter}", every)):
            assert letter in folded(char), (letter, hex(ord(char)))
