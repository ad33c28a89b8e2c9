"""Property tests over every output: any plan the strategies produce (tables, delivery,
rotation, escalation, dashboards, all with hostile text) builds, and its rules pass
`promtool check rules --lint=all --lint-fatal` and `promtool test rules`, its Alertmanager
config `amtool check-config`, and its dashboards Grafana's JSON Schemas. Any structural
mutation of a valid plan (values swapped between fields, retyped, removed, misspelt) builds
or fails with messages located in the plan, never a traceback.

CI runs a bounded number of examples (the "ci" profile of tests/test_properties.py); for a
longer local run:
    HYPOTHESIS_PROFILE=long pytest tests/hardening/test_properties_outputs.py -n auto
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import CASES, ROOT, require_tool
from tests.hardening.conftest import run
from tests.hardening.strategies import TEXT, full_plans

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = 400 if LONG else 20
MUTATIONS = 1000 if LONG else 40
RELAXED = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


def _write(files: dict[str, bytes], root: Path) -> None:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


def _dashboard_problems(files: dict[str, bytes]) -> list[str]:
    from jsonschema import Draft7Validator

    from tests.dashboards.test_schema import definition, problems, schema

    found: list[str] = []
    for path, data in files.items():
        if path.startswith("grafana/dashboards/") and path.endswith(".json"):
            board = json.loads(data)
            found += problems(Draft7Validator(schema("dashboard")), {**board, "panels": []}, path)
            for panel in board["panels"]:
                found += problems(definition("dashboard", "RowPanel" if panel["type"] == "row" else "Panel"), panel, path)
                if panel["type"] != "row":
                    found += problems(definition(panel["type"], "Options"), panel.get("options", {}), path)
    return found


@pytest.mark.promtool
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=RELAXED)
@given(full_plans())
def test_any_valid_plan_builds_output_that_the_real_tools_and_schemas_accept(document: dict) -> None:
    from monplan.app.pipeline import load_plan, render

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "plan.yaml").write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
        files = render(load_plan(root / "plan.yaml"))
        _write(files, root)
        assert ("alertmanager/alertmanager.yml" in files) == ("alert_routing" in document)
        _check_with_tools(files, root)


def _check_with_tools(files: dict[str, bytes], root: Path) -> None:
    """promtool's strictest lint and the generated unit tests, amtool, Grafana's schemas, YAML."""
    promtool, amtool = require_tool("promtool"), require_tool("amtool")
    rules = sorted(p for p in files if p.startswith("prometheus/rules/"))
    tests = sorted(p for p in files if p.startswith("prometheus/tests/"))
    for args in (["check", "rules", "--lint=all", "--lint-fatal", *rules], ["test", "rules", *tests]):
        result = run(promtool, *args, cwd=root)
        assert result.returncode == 0, result.stdout + result.stderr
    if "alertmanager/alertmanager.yml" in files:
        result = run(amtool, "check-config", "alertmanager/alertmanager.yml", cwd=root)
        assert result.returncode == 0, result.stdout + result.stderr
    assert not _dashboard_problems(files)
    for path, data in files.items():
        if path.endswith((".yml", ".yaml")):
            yaml.safe_load(data)


def _bases() -> list[dict]:
    from monplan.spec.loader import load_file

    plans = [ROOT / "plan.yaml", *sorted((CASES / "valid").glob("*/plan.yaml"))]
    return [load_file(plan).data for plan in plans]


BASES = _bases()
OTHER_VALUES = [None, True, 0, -1, 3.5, "", " ", "[LINK]", "5m", "09:00", "<99%", "Any", "http://x:1/", "up", [], {},
                ["a"], {"a": 1}, "x" * 300, *TEXT]


def _leaves(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in [path + (key,), *_leaves(value, path + (key,))]]
    if isinstance(data, list):
        return [p for i, value in enumerate(data) for p in [path + (i,), *_leaves(value, path + (i,))]]
    return []


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: tuple, value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


@st.composite
def mutated(draw) -> dict:
    """A valid plan with 1-3 structural changes: a swap of two fields' values, a value of another
    type or hostile text, a removed field, a copied list item, a misspelt or unknown key."""
    import copy

    plan = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _leaves(plan)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["swap", "retype", "remove", "copy", "rename"]))
        parent = _get(plan, path[:-1])
        if action == "swap":
            other = draw(st.sampled_from(paths))
            if other[:len(path)] != path and path[:len(other)] != other:
                first, second = _get(plan, path), _get(plan, other)
                _set(plan, path, copy.deepcopy(second))
                _set(plan, other, copy.deepcopy(first))
        elif action == "retype":
            _set(plan, path, copy.deepcopy(draw(st.sampled_from(OTHER_VALUES))))
        elif action == "remove":
            del parent[path[-1]]
        elif action == "copy" and isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
        elif action == "rename" and isinstance(parent, dict):
            key = path[-1]
            new = draw(st.sampled_from([key[:-1], key + "s", key.replace("_", ""), "x" + key, "unknown"]))
            if new and new not in parent:
                parent[new] = parent.pop(key)
    return plan


@pytest.mark.promtool
@settings(max_examples=MUTATIONS, deadline=None, suppress_health_check=RELAXED)
@given(mutated())
def test_any_structural_mutation_of_a_valid_plan_builds_or_fails_with_located_messages(document: dict) -> None:
    from monplan.app.pipeline import load_plan, render
    from monplan.diagnostics import PlanError

    with tempfile.TemporaryDirectory() as tmp:
        plan_file = Path(tmp) / "plan.yaml"
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        plan_file.write_text(text)
        lines = len(text.splitlines())
        try:
            plan = load_plan(plan_file)
        except PlanError as err:
            assert err.diagnostics
            for diagnostic in err.diagnostics:
                assert diagnostic.file == str(plan_file)
                assert 1 <= diagnostic.line <= max(lines, 1), diagnostic
                assert diagnostic.column >= 1 and diagnostic.message, diagnostic
            return
        # It built: then its output is valid, as for any valid plan.
        files = render(plan)
        _write(files, Path(tmp))
        _check_with_tools(files, Path(tmp))
