"""Plan tooling: the JSON Schema editors use, and the starter plan of `monplan init`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import CASES, ROOT, run_monplan
from monplan.spec.loader import load_file


@pytest.fixture(scope="module")
def schema() -> dict:
    result = run_monplan("schema")
    assert result.returncode == 0
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(document)
    return document


@pytest.mark.parametrize("plan", [ROOT / "plan.yaml", *sorted((CASES / "valid").glob("*/plan.yaml"))],
                         ids=lambda p: p.parent.name)
def test_every_valid_plan_passes_the_json_schema_editors_check_against(plan: Path, schema: dict) -> None:
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(load_file(plan).data))
    assert errors == []


@pytest.mark.parametrize("case", ["unknown-field-typo", "unknown-priority", "wrong-types", "missing-required"])
def test_the_schema_flags_what_monplan_refuses(case: str, schema: dict) -> None:
    data = load_file(CASES / "invalid" / case / "plan.yaml").data
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data))


def test_the_repository_plan_points_editors_at_the_schema_that_build_generates() -> None:
    first_line = (ROOT / "plan.yaml").read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=generated/plan.schema.json"
    assert json.loads((ROOT / "generated" / "plan.schema.json").read_text())["title"].startswith("monplan plan")


def test_init_writes_a_starter_plan_that_validates_and_builds(tmp_path: Path) -> None:
    result = run_monplan("init", "--system", 'Shop "Main" {{x}}', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert run_monplan("validate", "--no-tools", cwd=tmp_path).returncode == 0
    build = run_monplan("build", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert load_file(tmp_path / "plan.yaml").data["system"] == 'Shop "Main" {{x}}'
    assert list((tmp_path / "generated" / "prometheus" / "rules").glob("*.yml"))


def test_the_starter_plans_commented_targets_build_once_uncommented(tmp_path: Path) -> None:
    assert run_monplan("init", cwd=tmp_path).returncode == 0
    plan = tmp_path / "plan.yaml"
    text = plan.read_text()
    assert "\n# targets:\n" in text
    plan.write_text(text.replace("\n# targets:\n", "\ntargets:\n").replace("\n#   ", "\n  "))
    build = run_monplan("build", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert list((tmp_path / "generated" / "kubernetes").rglob("*.yaml"))
    assert list((tmp_path / "generated" / "mimir").rglob("*.yaml"))


def test_init_never_overwrites_a_plan(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text("ours\n")
    result = run_monplan("init", cwd=tmp_path)
    assert result.returncode == 1 and "already exists" in result.stderr
    assert (tmp_path / "plan.yaml").read_text() == "ours\n"
