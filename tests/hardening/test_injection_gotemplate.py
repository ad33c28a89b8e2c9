"""Go template injection: any plan text survives as text where Prometheus and Alertmanager
template it (rule labels and annotations; Slack channel and title, e-mail addresses). Proven by
rendering with Go itself: `promtool test rules` expecting the literal plan text, and
Alertmanager's own renderer (`amtool template render`).

Escaping each "{{" and "}}" alone broke on a third brace: "{}}" became {{{ "}}" }}, a template
Alertmanager refused at notification time and the rule-test generator crashed on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import require_tool, run_monplan, tree
from tests.hardening.conftest import run

CORPUS = ["{}}", "}}{{", "{{-", "-}}", "{{- x -}}", "{{/* c */}}", "{{{", "}}}", "{{{x}}}", "{ {", "} }", "{", "}",
          "`{{ .X }}`", '"{{"', "{{ end }}", '{{ template "x" }}', '{{ define "y" }}z{{ end }}', "{{ .Status }}",
          "a{b}c", "{{\\}}", "{{ \"{{\" }}", "{{`x`}}", "$x {{ $ }}", "{{ printf \"%s\" 1 }}", "x{", "}x", "{}{}{"]


def _plan(corpus: list[str]) -> dict:
    sections = [{"title": f"S{index} {text}", "metrics": [{
        "metric": f"Metric {index} {text}", "tool": f"T {text}", "threshold": "> 0", "priority": "High",
        "query": f"sum(metric_{index})", "labels": {"owner": f"O {text}"}}]} for index, text in enumerate(corpus)]
    receivers = [{"name": f"slack {index}", "slack": {"channel": f"#c {text}", "title": f"t {text}",
                                                      "api_url_file": f"/etc/am/slack-{index}.url"}}
                 for index, text in enumerate(corpus)]
    display = [text.replace("\\", "\\\\").replace('"', '\\"') for text in corpus]
    receivers.append({"name": "mail", "email": {"to": [f'"{d} {i}" <ops{i}@example.com>' for i, d in enumerate(display)],
                                               "from": f'"From {display[0]}" <am@example.com>',
                                               "smarthost": "smtp.example.com:587"}})
    return {"version": 1, "system": "Shop", "sections": sections, "alert_routing": {
        "receivers": receivers, "routes": {"high": {"receivers": [r["name"] for r in receivers]}}}}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict[str, bytes]]:
    tmp = tmp_path_factory.mktemp("gotemplate")
    plan = _plan(CORPUS)
    (tmp / "plan.yaml").write_text(json.dumps(plan))
    result = run_monplan("-q", "build", "--plan", str(tmp / "plan.yaml"), "--out", str(tmp / "out"))
    assert result.returncode == 0, result.stderr
    return tmp / "out", plan, tree(tmp / "out")


def test_promtool_renders_every_label_and_annotation_as_the_literal_plan_text(built, tmp_path: Path) -> None:
    """The generated unit tests' alerts, with the expected tool, section and owner replaced by the
    plan's text itself (not monplan's prediction): Prometheus' Go templates must print exactly it."""
    promtool = require_tool("promtool")
    out, _plan, files = built
    by_tool = {f"T {text}": (f"S{index} {text}", f"O {text}") for index, text in enumerate(CORPUS)}
    checked = 0
    for path in sorted(p for p in files if p.startswith("prometheus/tests/")):
        data = yaml.safe_load(files[path])
        data["rule_files"] = [str((out / path).parent / name) for name in data["rule_files"]]
        for test in data["tests"]:
            for case in test.get("alert_rule_test", []):
                for alert in case["exp_alerts"]:
                    if "alert_kind" in alert["exp_labels"]:
                        continue  # a NoData alert: its text is the row's, checked with the row's own
                    annotations, labels = alert["exp_annotations"], alert["exp_labels"]
                    tool = next(t for t in by_tool if annotations["tool"] == t)
                    annotations["section"], labels["owner"] = by_tool[tool]
                    annotations["tool"] = tool
                    checked += 1
        (tmp_path / Path(path).name).write_text(json.dumps(data))
        result = run(promtool, "test", "rules", str(tmp_path / Path(path).name))
        assert result.returncode == 0, result.stdout + result.stderr
    assert checked >= len(CORPUS)
    result = run(promtool, "check", "rules", "--lint=all", "--lint-fatal",
                 *sorted(p for p in files if p.startswith("prometheus/rules/")), cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr


def _render(amtool: str, template: str, tmp: Path) -> str:
    (tmp / "none.tmpl").write_text("")
    data = {"receiver": "r", "status": "firing", "alerts": [], "groupLabels": {}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "http://am"}
    (tmp / "data.json").write_text(json.dumps(data))
    result = run(amtool, "template", "render", f"--template.glob={tmp / 'none.tmpl'}",
                 f"--template.text={template}", f"--template.data={tmp / 'data.json'}")
    assert result.returncode == 0, (template, result.stdout + result.stderr)
    return result.stdout.removesuffix("\n")


def test_alertmanager_renders_channels_titles_and_addresses_as_the_plan_wrote_them(built, tmp_path: Path) -> None:
    amtool = require_tool("amtool")
    out, plan, files = built
    result = run(amtool, "check-config", "alertmanager/alertmanager.yml", cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(files["alertmanager/alertmanager.yml"])
    receivers = {r["name"]: r for r in config["receivers"]}
    for receiver in plan["alert_routing"]["receivers"]:
        generated = receivers[receiver["name"]]
        if "slack" in receiver:
            slack = generated["slack_configs"][0]
            assert _render(amtool, slack["channel"], tmp_path) == receiver["slack"]["channel"]
            assert _render(amtool, slack["title"], tmp_path) == receiver["slack"]["title"]
        else:
            mail = generated["email_configs"][0]
            assert _render(amtool, mail["to"], tmp_path) == ", ".join(receiver["email"]["to"])
            assert _render(amtool, mail["from"], tmp_path) == receiver["email"]["from"]


@pytest.mark.parametrize("text", CORPUS)
def test_go_literal_prints_the_text_through_go(text: str, tmp_path: Path) -> None:
    """The escaping function itself, each text alone and between other text, rendered by Go."""
    from monplan.model.resolve import go_literal

    amtool = require_tool("amtool")
    for sample in (text, f"a{text}b", f"{{{text}}}", text * 2):
        assert _render(amtool, go_literal(sample), tmp_path) == sample
