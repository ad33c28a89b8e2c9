"""Plan tooling: the JSON Schema editors use, and the starter plan of `monplan init`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import CASES, ROOT, require_tool, run_monplan
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


def _uncomment(text: str, key: str) -> str:
    """The starter plan with its commented `key:` block uncommented, as a user would."""
    lines, out, inside = text.split("\n"), [], False
    for line in lines:
        if line == f"# {key}:":
            inside = True
            out.append(f"{key}:")
        elif inside and line.startswith("#  "):
            out.append(line[1:])
        else:
            inside = False
            out.append(line)
    assert f"\n{key}:\n" in "\n".join(out), f"the starter plan has no commented {key}: block"
    return "\n".join(out)


def test_the_starter_plans_commented_targets_build_once_uncommented(tmp_path: Path) -> None:
    assert run_monplan("init", cwd=tmp_path).returncode == 0
    plan = tmp_path / "plan.yaml"
    plan.write_text(_uncomment(plan.read_text(), "targets"))
    build = run_monplan("build", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert list((tmp_path / "generated" / "kubernetes").rglob("*.yaml"))
    assert list((tmp_path / "generated" / "mimir").rglob("*.yaml"))


def test_the_starter_plans_commented_collection_builds_a_prometheus_config(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    assert run_monplan("init", cwd=tmp_path).returncode == 0
    plan = tmp_path / "plan.yaml"
    assert run_monplan("build", cwd=tmp_path).returncode == 0
    assert not (tmp_path / "generated" / "prometheus" / "prometheus.yml").exists()  # commented: not built
    plan.write_text(_uncomment(plan.read_text(), "collection"))
    build = run_monplan("build", "-v", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    config = tmp_path / "generated" / "prometheus" / "prometheus.yml"
    check = subprocess.run([promtool, "check", "config", "--syntax-only", str(config)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    jobs = {job["job_name"] for job in yaml.safe_load(config.read_text())["scrape_configs"]}
    assert {"api", "node", "blackbox-api", "postgres"} <= jobs
    # the example sources serve every query of the starter rows: no "no source serves" warning
    assert "collection" not in build.stderr and "serves" not in build.stderr


@pytest.mark.parametrize(("plan", "out", "schema"), [
    ("plan.yaml", "generated", "generated/plan.schema.json"),
    ("team/plan.yaml", "build/monitoring", "../build/monitoring/plan.schema.json"),
    ("plan.yaml", "out dir", "out%20dir/plan.schema.json"),
])
def test_the_starter_plans_schema_comment_points_at_the_schema_its_build_writes(
        plan: str, out: str, schema: str, tmp_path: Path) -> None:
    (tmp_path / plan).parent.mkdir(parents=True, exist_ok=True)
    result = run_monplan("init", "--plan", plan, "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first = (tmp_path / plan).read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema={schema}"
    assert run_monplan("build", "--plan", plan, "--out", out, cwd=tmp_path).returncode == 0
    assert ((tmp_path / plan).parent / schema.replace("%20", " ")).is_file()


def test_init_never_overwrites_a_plan(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text("ours\n")
    result = run_monplan("init", cwd=tmp_path)
    assert result.returncode == 1 and "already exists" in result.stderr
    assert (tmp_path / "plan.yaml").read_text() == "ours\n"
