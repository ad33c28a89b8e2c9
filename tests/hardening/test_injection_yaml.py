"""YAML injection: every scalar monplan writes is read back as the same single value by PyYAML
and by Go's YAML (promtool, amtool), whatever line-break-like or non-printable character it holds.

U+2028, U+2029 and U+0085 are line breaks to a YAML reader; written raw inside a plain or
quoted scalar, Go's YAML ended the line there and the text after it became YAML structure (a
`tool:` cell could add an always-firing alert that promtool accepted). Every such character
is now written double-quoted and escaped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from monplan.formats import yamlfast
from monplan.formats.render import NEEDS_ESCAPE, to_yaml
from tests.conftest import CASES, require_tool, run_monplan, tree
from tests.hardening.conftest import run

# Every character a YAML reader may treat as a line break, an encoding mark or refuse.
BREAKS = ["\u2028", "\u2029", "\x85", "\r", "\r\n", "\x0b", "\x0c"]
OTHERS = ["\x00", "\x01", "\x07", "\x08", "\t", "\x1b", "\x1f", "\x7f", "\x80", "\x9b", "\x9f", "\ufeff", "\ufffe",
          "\uffff", "\u00a0", "\u200b", "\u202e", "\U0001f600"]
# Plan text that tries to become YAML structure once a reader breaks the line.
# (U+FFFE and U+FFFF: a plan cannot hold them, its reader refuses them.)
PAYLOAD = ("\u2028- alert: Injected\u2028  expr: vector(1)\u2028  labels: {severity: critical}"
           "\u2029x: \x85  - y\r- z\r\nkey: v" + "".join(c for c in OTHERS if c not in "\ufffe\uffff") + " end")
# Text the fast emitter used to write plain: after the break, Go's YAML and PyYAML alike read a
# new item of the rules list (a rule file's rules sit at column 2).
# (Receiver names refuse commas, so one variant has none.)
INJECTIONS = [brk + '  - {"alert":"Injected","expr":"vector(1)"}' for brk in ("\u2028", "\u2029")] + [
    '\u2028  - {"alert":"Injected"}']

HOSTILE_CHARS = st.sampled_from(BREAKS + OTHERS + ["\n", " ", "'", '"', ":", "#", "- ", "{", "}", "|", ">", "a", "Z", "é"])
TEXT = st.one_of(st.text(), st.lists(HOSTILE_CHARS, max_size=12).map("".join))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(TEXT, st.one_of(TEXT, st.lists(TEXT, max_size=3), st.dictionaries(TEXT, TEXT, max_size=3)),
                       min_size=1, max_size=4))
def test_every_scalar_reads_back_as_written_and_no_break_is_written_raw(data: dict[str, Any]) -> None:
    text = to_yaml(data).decode("utf-8")
    assert yaml.safe_load(text) == data
    # Only "\n" (between lines and inside literal blocks) may appear raw; the rest is escaped.
    assert not NEEDS_ESCAPE.search(text), repr(text)
    fast = yamlfast.dump(data)
    assert fast is None or fast == text  # the fast emitter writes PyYAML's bytes or leaves it to PyYAML


@pytest.mark.parametrize("char", BREAKS + OTHERS)
def test_each_character_is_escaped_in_keys_values_and_multi_line_text(char: str) -> None:
    data = {"k" + char: "v" + char + "- alert: X", "multi": "one\ntwo" + char + "three\n", "list": [char, char + "x"]}
    text = to_yaml(data).decode("utf-8")
    assert yaml.safe_load(text) == data
    assert not NEEDS_ESCAPE.search(text), repr(text)


def ascii_yaml(data: Any) -> str:
    """JSON (so YAML) with every non-ASCII character escaped: unambiguous to any YAML reader.
    YAML has no surrogate pairs, so characters past U+FFFF are written as \\UXXXXXXXX."""
    text = json.dumps(data, ensure_ascii=True, indent=1, default=str)
    return re.sub(r"\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}",
                  lambda pair: "\\U" + format(ord(json.loads(f'"{pair[0]}"')), "08x"), text)


def _text_fields_with(payload: str, tmp: Path) -> tuple[Path, list[str]]:
    """The hostile-text plan with the payload appended to every string the plan accepts it in.

    Fields that refuse it (durations, URLs, names, queries...) are refused at their line: those
    are put back from the errors' field paths, and the rest must build."""
    original = yaml.safe_load((CASES / "valid" / "hostile-text" / "plan.yaml").read_text())
    refused: set[str] = set()
    plan = tmp / "plan.yaml"
    for _ in range(4):
        carried: list[str] = []
        data = _append(original, payload, "", refused, carried)
        plan.write_text(ascii_yaml(data))
        result = run_monplan("-q", "build", "--plan", str(plan), "--out", str(tmp / "out"))
        if result.returncode == 0:
            return tmp / "out", carried
        found = set(re.findall(r"^\S+:\d+:\d+: error: ([^:]+):", result.stderr, re.MULTILINE))
        assert found - refused, result.stderr
        refused |= found
    raise AssertionError(result.stderr)


def _append(data: Any, payload: str, path: str, refused: set[str], carried: list[str]) -> Any:
    if any(path == r or path.startswith(r + ".") or path.startswith(r + "[") for r in refused):
        return data
    if isinstance(data, dict):
        # overrides are keyed by a row's metric name, which carries the payload too
        key = (lambda k: k + payload) if path.endswith(".overrides") else (lambda k: k)
        return {key(k): _append(v, payload, f"{path}.{k}" if path else k, refused, carried) for k, v in data.items()}
    if isinstance(data, list):
        return [_append(v, payload, f"{path}[{i}]", refused, carried) for i, v in enumerate(data)]
    if isinstance(data, str):
        carried.append(path)
        return data + payload
    return data


@pytest.fixture(scope="module", params=[PAYLOAD, *INJECTIONS], ids=["every-character", "u2028", "u2029", "u2028-no-comma"])
def built(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, bytes]]:
    out, carried = _text_fields_with(request.param, tmp_path_factory.mktemp("yaml-injection"))
    # The text fields that reach rules, Alertmanager and the other YAML outputs carry it.
    for field in ("system", "sections[0].title", "sections[0].metrics[0].tool", "sections[0].metrics[0].metric",
                  "sections[0].metrics[0].labels.owner", "sections[0].metrics[0].annotations.where",
                  "alert_routing.receivers[0].slack.channel", "defaults.labels.team", "collection.external_labels.cluster"):
        assert field in carried, field
    assert "," in request.param or "alert_routing.receivers[0].name" in carried
    return out, request.param, tree(out)


def _yaml_files(files: dict[str, bytes]) -> list[str]:
    return sorted(p for p in files if p.endswith((".yml", ".yaml")))


def test_no_yaml_output_holds_a_raw_break_or_control_character(built) -> None:
    _out, _, files = built
    for path in _yaml_files(files):
        text = files[path].decode("utf-8")
        assert not NEEDS_ESCAPE.search(text), (path, NEEDS_ESCAPE.search(text))
        yaml.safe_load(text)


def test_no_rule_is_injected_and_promtool_reads_the_rules_pyyaml_reads(built) -> None:
    promtool = require_tool("promtool")
    out, _, files = built
    for path in sorted(p for p in files if p.startswith("prometheus/rules/")):
        groups = yaml.safe_load(files[path])["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        assert not any(rule.get("alert") == "Injected" for rule in rules), path
        result = run(promtool, "check", "rules", "--lint=all", "--lint-fatal", path, cwd=out)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"SUCCESS: {len(rules)} rules found" in result.stdout, (path, result.stdout)


def test_go_reads_every_label_and_annotation_as_pyyaml_does(built, tmp_path: Path) -> None:
    """The generated unit tests, re-encoded as ASCII JSON (unambiguous to any YAML reader), pass
    against the rule files: promtool's labels and annotations equal what PyYAML read."""
    promtool = require_tool("promtool")
    out, _, files = built
    tests = sorted(p for p in files if p.startswith("prometheus/tests/"))
    assert tests
    hostile_values = 0
    for path in tests:
        data = yaml.safe_load(files[path])
        data["rule_files"] = [str((out / path).parent / name) for name in data["rule_files"]]
        hostile_values += len(re.findall(r"\\u202[89]", json.dumps(data)))
        rewritten = tmp_path / Path(path).name
        rewritten.write_text(ascii_yaml(data))
        result = run(promtool, "test", "rules", str(rewritten))
        assert result.returncode == 0, result.stdout + result.stderr
    assert hostile_values > 10  # the expected annotations and labels do carry the payload


def test_amtool_reads_the_receivers_and_routes_pyyaml_reads(built) -> None:
    amtool = require_tool("amtool")
    out, _, files = built
    config = yaml.safe_load(files["alertmanager/alertmanager.yml"])
    result = run(amtool, "check-config", "alertmanager/alertmanager.yml", cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f" - {len(config['receivers'])} receivers" in result.stdout, result.stdout
    payload = built[1]
    assert "," in payload or any(payload in receiver["name"] for receiver in config["receivers"])
    routes = run(amtool, "config", "routes", "--config.file", "alertmanager/alertmanager.yml", cwd=out)
    assert routes.returncode == 0, routes.stderr
    for receiver in config["receivers"]:
        used = receiver["name"] in json.dumps(config["route"], ensure_ascii=False)
        assert not used or receiver["name"] in routes.stdout, receiver["name"]


def test_prometheus_config_passes_promtool_with_the_payload_in_its_labels(built) -> None:
    promtool = require_tool("promtool")
    out, _, files = built
    config = yaml.safe_load(files["prometheus/prometheus.yml"])
    assert re.search("[\u2028\u2029]", config["global"]["external_labels"]["cluster"])
    result = run(promtool, "check", "config", "prometheus/prometheus.yml", cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
