"""Where outputs template or expand text (Go templates in Prometheus rules and Alertmanager,
Grafana's $VARIABLES in provisioning, systemd's %specifiers), the hostile plan's text comes
out as written: it is data, never template code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.conftest import require_tool
from tests.hardening.conftest import Built, one_line, run
from tests.systemd_exec import exec_start


def _rules(hostile: Built) -> dict[str, dict]:
    return {rule["alert"]: rule for path in hostile.paths("prometheus/rules/")
            for group in yaml.safe_load(hostile.text(path))["groups"] for rule in group["rules"] if "alert" in rule}


def _expected_alerts(hostile: Built) -> dict[str, dict]:
    """What the generated promtool tests (which pass: test_hostile_formats) expect each firing alert to carry."""
    out = {}
    for path in hostile.paths("prometheus/tests/"):
        for test in yaml.safe_load(hostile.text(path))["tests"]:
            for check in test.get("alert_rule_test", []):
                for alert in check["exp_alerts"]:
                    out[check["alertname"]] = alert
    return out


def test_prometheus_renders_rule_labels_and_annotations_as_the_plan_wrote_them(hostile: Built) -> None:
    plan = hostile.plan
    row = plan["sections"][0]["metrics"][0]
    fired = _expected_alerts(hostile)["LatencyValueOfCheckoutP99BrXYZS"]
    labels, annotations = fired["exp_labels"], fired["exp_annotations"]
    assert {key: labels[key] for key in row["labels"]} == row["labels"]
    assert labels["team"] == plan["defaults"]["labels"]["team"]
    assert labels["service"] == plan["defaults"]["labels"]["service"]
    assert labels["component"] == plan["sections"][0]["component"]
    assert annotations["threshold"] == row["threshold"] and annotations["tool"] == row["tool"]
    assert annotations["section"] == plan["sections"][0]["title"]
    assert annotations["summary"].startswith(row["metric"] + " is above")
    # The plan's own annotation is a template on purpose: {{ $labels.path }} is the series' label (none here).
    assert annotations["where"] == " on "
    # Yet the rule file itself holds template code, not the raw text: the literal text is the rendering.
    assert "{{ $value }}" not in _rules(hostile)["LatencyValueOfCheckoutP99BrXYZS"]["annotations"]["summary"]


def _render(amtool: str, template: str, tmp: Path, data: dict | None = None) -> str:
    (tmp / "none.tmpl").write_text("")
    args = [amtool, "template", "render", f"--template.glob={tmp / 'none.tmpl'}", f"--template.text={template}"]
    if data is not None:
        (tmp / "data.json").write_text(json.dumps(data))
        args.append(f"--template.data={tmp / 'data.json'}")
    result = run(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.removesuffix("\n")


def test_alertmanager_renders_channels_titles_and_addresses_as_the_plan_wrote_them(hostile: Built, tmp_path: Path) -> None:
    amtool = require_tool("amtool")
    plan = hostile.plan
    config = yaml.safe_load(hostile.text("alertmanager/alertmanager.yml"))
    receivers = {r["name"]: r for r in config["receivers"]}
    planned = {r["name"]: r for r in plan["alert_routing"]["receivers"]}
    assert set(receivers) == set(planned)
    slack_name = next(name for name, r in planned.items() if "slack" in r)
    slack = receivers[slack_name]["slack_configs"][0]
    assert _render(amtool, slack["channel"], tmp_path) == planned[slack_name]["slack"]["channel"]
    assert _render(amtool, slack["title"], tmp_path) == planned[slack_name]["slack"]["title"]
    mail_name = next(name for name, r in planned.items() if "email" in r)
    mail = receivers[mail_name]["email_configs"][0]
    assert _render(amtool, mail["to"], tmp_path) == ", ".join(planned[mail_name]["email"]["to"])
    assert _render(amtool, mail["from"], tmp_path) == planned[mail_name]["email"]["from"]


def test_alertmanager_prints_alert_text_as_data_never_as_template_code(hostile: Built, tmp_path: Path) -> None:
    """The notification texts read the annotations Prometheus sent; template code in them is not run again."""
    amtool = require_tool("amtool")
    summary = hostile.plan["sections"][0]["metrics"][0]["metric"] + " {{ .Status }} {{ template \"x\" }}"
    alert = {"status": "firing", "labels": {"alertname": "A", "severity": "high"},
             "annotations": {"summary": summary, "description": "d {{ . }}", "runbook_url": "https://r/{{x}}"},
             "startsAt": "2026-11-25T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": "1"}
    data = {"receiver": "r", "status": "firing", "alerts": [alert], "groupLabels": {},
            "commonLabels": alert["labels"], "commonAnnotations": {}, "externalURL": "http://am"}
    config = yaml.safe_load(hostile.text("alertmanager/alertmanager.yml"))
    slack = next(r["slack_configs"][0] for r in config["receivers"] if "slack_configs" in r)
    out = _render(amtool, slack["text"], tmp_path, data)
    assert f"*{summary}*" in out and "d {{ . }}" in out and "https://r/{{x}}" in out


def _grafana_interpolate(value: str, environment: dict[str, str]) -> str:
    """Grafana's provisioning: $NAME and ${NAME} from the environment, $$ a literal $
    (pkg/services/provisioning/values: split on $$, os.ExpandEnv each part, join with $)."""
    def expand(part: str) -> str:
        return re.sub(r"\$\{([^}]*)\}|\$([A-Za-z0-9_]+)", lambda m: environment.get(m[1] or m[2], ""), part)

    return "$".join(expand(part) for part in value.split("$$"))


def test_grafana_provisioning_values_survive_grafanas_environment_expansion(hostile: Built) -> None:
    plan = hostile.plan
    environment = {"GF_SECURITY_ADMIN_PASSWORD": "hunter2", "HOME": "/root", "USER": "grafana", "x": "X", "boards": "B"}
    provider = yaml.safe_load(hostile.text("grafana/provisioning/dashboards/monplan.yml"))["providers"][0]
    assert _grafana_interpolate(provider["folder"], environment) == plan["endpoints"]["grafana_folder"]
    assert _grafana_interpolate(provider["options"]["path"], environment) == plan["endpoints"]["grafana_dashboards_path"]
    assert _grafana_interpolate(provider["name"], environment) == f"monplan: {plan['system']}"
    sources = yaml.safe_load(hostile.text("grafana/provisioning/datasources/monplan.yml"))["datasources"]
    names = [_grafana_interpolate(source["name"], environment) for source in sources]
    assert names == [f"Prometheus ({plan['system']})", f"Alertmanager ({plan['system']})"]
    assert _grafana_interpolate(sources[0]["url"], environment) == plan["endpoints"]["prometheus_url"]


def test_systemd_shows_the_system_name_in_one_description_line_with_no_specifier_expanded(hostile: Built) -> None:
    system = one_line(hostile.plan["system"])
    unit = hostile.text("schedules/systemd/monplan-daily-report.service")
    description = next(line for line in unit.splitlines() if line.startswith("Description="))
    value = description.removeprefix("Description=")
    assert "%" not in value.replace("%%", "")  # every % is escaped: %h stays %h
    shown = value.replace("%%", "%")
    # A trailing backslash is doubled (else the line would continue); systemd shows it as written.
    assert shown.removesuffix("\\") == f"monplan daily report of {system}"


def test_the_report_units_pass_the_prometheus_url_as_one_shell_word(hostile: Built, tmp_path: Path) -> None:
    """ExecStart runs `sh -c SCRIPT sh PLAN URL TZ`: the URL must reach monplan as one argument, unexpanded."""
    url = hostile.plan["endpoints"]["prometheus_url"]
    argv = exec_start(hostile.text("schedules/systemd/monplan-daily-report.service"))
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "monplan").write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >> args.txt\n')
    (tmp_path / "bin" / "monplan").chmod(0o755)
    result = run(*argv, cwd=tmp_path, env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    args = (tmp_path / "args.txt").read_text().splitlines()
    assert args[args.index("--prometheus") + 1] == url


def test_prometheus_config_keeps_label_values_and_comments_in_their_place(hostile: Built) -> None:
    plan = hostile.plan
    text = hostile.text("prometheus/prometheus.yml")
    config = yaml.safe_load(text)
    assert config["global"]["external_labels"] == plan["collection"]["external_labels"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["shop-api"]["static_configs"][0]["labels"] == plan["collection"]["applications"][0]["labels"]
    assert jobs["probe-api"]["static_configs"][0]["labels"] == plan["collection"]["blackbox"]["probes"][0]["labels"]
    blackbox = hostile.text("exporters/blackbox/blackbox.yml")
    assert "\n# injected comment" not in blackbox
    module = yaml.safe_load(blackbox)["modules"]["http_2xx"]
    assert module["http"]["fail_if_body_not_matches_regexp"] == [plan["collection"]["blackbox"]["probes"][0]["body_must_match"]]
