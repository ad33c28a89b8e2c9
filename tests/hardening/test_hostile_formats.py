"""Every file built from a plan full of hostile text parses in its format and passes the real
tool that loads it: plan text never breaks an output.

The plan is tests/cases/valid/hostile-text/plan.yaml: quotes, line breaks, `{{ }}`, `$`,
`%`, backslashes, YAML, Markdown and HTML specials and non-ASCII in every free-text field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import require_tool
from tests.hardening.conftest import Built, run

# How each generated file is read; a file of any other kind fails the first test, so a new
# output must say here how it is checked.
KINDS = {".yml": "yaml", ".yaml": "yaml", ".json": "json", ".ics": "ical", ".md": "markdown",
         ".mtail": "mtail", ".service": "systemd", ".timer": "systemd", ".monplan-manifest": "manifest"}


def kind(path: str) -> str | None:
    return next((k for suffix, k in KINDS.items() if path.endswith(suffix)), None)


def test_the_plan_produces_every_kind_of_output(hostile: Built) -> None:
    unknown = [path for path in hostile.files if kind(path) is None]
    assert not unknown, f"no format check for {unknown}; add it to KINDS and test it"
    assert {kind(path) for path in hostile.files} == set(KINDS.values()), "the plan no longer exercises every output"


def test_the_manifest_lists_exactly_the_files_monplan_wrote(hostile: Built) -> None:
    listed = [line for line in hostile.text(".monplan-manifest").splitlines() if line and not line.startswith("#")]
    assert sorted(listed) == sorted(p for p in hostile.files if p != ".monplan-manifest")


def test_every_yaml_and_json_file_parses(hostile: Built) -> None:
    for path in hostile.paths():
        if kind(path) == "yaml":
            assert isinstance(yaml.safe_load(hostile.text(path)), dict), path
        elif kind(path) == "json":
            assert isinstance(json.loads(hostile.text(path)), dict), path


def test_every_calendar_parses_as_icalendar_and_holds_only_the_properties_monplan_writes(hostile: Built) -> None:
    from icalendar import Calendar

    allowed = {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "RRULE", "ATTENDEE", "CATEGORIES", "TRANSP"}
    for path in hostile.paths(suffix=".ics"):
        calendar = Calendar.from_ical(hostile.files[path])
        events = calendar.walk("VEVENT")
        assert events, path
        for event in events:
            # A line break in a name would start a property of its own (say, an ATTENDEE or an RRULE).
            assert set(event.keys()) <= allowed, (path, set(event.keys()) - allowed)


def test_every_markdown_file_renders_without_html_from_the_plan(hostile: Built) -> None:
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark").enable("table")
    for path in hostile.paths(suffix=".md"):
        html = renderer.render(hostile.text(path))
        tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))
        # The plan has <b>, <i>, <br>, <script>, <details>, <summary> and <zoe> in its text: only the markup
        # monplan writes itself may come out as elements.
        assert tags <= {"h1", "h2", "h3", "hr", "p", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
                        "strong", "em", "code", "pre", "a"}, (path, tags)
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert all(re.match(r"(https?://|mailto:|[A-Za-z0-9/_.@-]+$)", href) for href in hrefs), (path, hrefs)


def test_the_systemd_units_have_exactly_the_settings_monplan_writes(hostile: Built) -> None:
    settings = {"Description", "Wants", "After", "Type", "WorkingDirectory", "ExecStart", "OnCalendar", "Unit",
                "Persistent", "WantedBy"}
    for path in hostile.paths("schedules/systemd/"):
        lines = [line for line in hostile.text(path).splitlines() if line and not line.startswith("#")]
        for line in lines:
            assert re.fullmatch(r"\[(Unit|Service|Timer|Install)\]", line) or line.split("=", 1)[0] in settings, (path, line)
            assert not line.endswith("\\") or line.endswith("\\\\"), f"{path}: {line!r} would continue on the next line"


def test_the_systemd_units_pass_systemd_analyze_verify(hostile: Built, tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze")
    units = tmp_path / "units"
    units.mkdir()
    for path in hostile.paths("schedules/systemd/"):
        (units / Path(path).name).write_bytes(hostile.files[path])
    services = sorted(str(p) for p in units.glob("*.service") if "@" not in p.name)
    result = run(analyze, "verify", "--man=no", *services, cwd=units)
    # verify also complains about the machine (no /srv/monplan, no monplan on PATH); only the
    # unit files' own syntax is ours.
    own = [line for line in (result.stdout + result.stderr).splitlines()
           if re.search(r"unknown|invalid|failed to (parse|resolve)|specifier|ignoring", line, re.IGNORECASE)
           and "Command monplan" not in line and "/srv/monplan" not in line]
    assert not own, "\n".join(own)


def test_prometheus_config_passes_promtool_check_config(hostile: Built) -> None:
    promtool = require_tool("promtool")
    result = run(promtool, "check", "config", "prometheus/prometheus.yml", cwd=hostile.out)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_pass_the_strictest_lint_and_their_generated_unit_tests(hostile: Built) -> None:
    promtool = require_tool("promtool")
    rules = hostile.paths("prometheus/rules/")
    tests = hostile.paths("prometheus/tests/")
    assert rules and tests
    for args in (["check", "rules", "--lint=all", "--lint-fatal", *rules], ["test", "rules", *tests]):
        result = run(promtool, *args, cwd=hostile.out)
        assert result.returncode == 0, result.stdout + result.stderr


def test_alertmanager_config_passes_amtool_check_config(hostile: Built) -> None:
    amtool = require_tool("amtool")
    result = run(amtool, "check-config", "alertmanager/alertmanager.yml", cwd=hostile.out)
    assert result.returncode == 0, result.stdout + result.stderr


def test_blackbox_modules_pass_the_exporters_config_check(hostile: Built) -> None:
    exporter = require_tool("prometheus-blackbox-exporter")
    result = run(exporter, "--config.check", "--config.file", "exporters/blackbox/blackbox.yml", cwd=hostile.out)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mtail_programs_compile(hostile: Built) -> None:
    mtail = require_tool("mtail")
    assert hostile.paths("exporters/mtail/")
    result = run(mtail, "--compile_only", "--progs", "exporters/mtail", "--logtostderr", cwd=hostile.out)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("prefix", ["exporters/postgres_exporter/", "oncall/escalation-policy", "schedules/github/"])
def test_other_yaml_outputs_keep_plan_text_in_values_not_structure(hostile: Built, prefix: str) -> None:
    """A line break or '# ...' in a description stays inside its value: no extra keys appear."""
    for path in hostile.paths(prefix):
        text = hostile.text(path)
        data = yaml.safe_load(text)
        keys = set(_keys(data))
        assert "# injected comment" not in keys and "not a comment" not in " ".join(keys), (path, keys)
        for line in text.splitlines():
            assert not line.startswith("# not a comment"), (path, line)


def _keys(data: object) -> list[str]:
    if isinstance(data, dict):
        return [str(k) for k in data] + [k for v in data.values() for k in _keys(v)]
    if isinstance(data, list):
        return [k for v in data for k in _keys(v)]
    return []
