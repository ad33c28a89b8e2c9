"""--target mimir: rule namespaces as the Mimir (or Cortex) ruler and `mimirtool rules load` read them.

mimirtool is not installed here (and cannot be); each namespace file is checked for the
shape mimirtool parses (namespace: and groups:, nothing else) and its groups go through
promtool, which applies Prometheus' own rule-file rules (unique group names, valid
expressions, names and templates) that the Mimir ruler applies too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import CASES, require_tool
from tests.targets.conftest import build, load, rule_groups, under

MINIMAL = (CASES / "valid" / "minimal" / "plan.yaml").read_text()


def promtool_passes(groups: list[dict[str, Any]], tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    (tmp_path / "groups.yml").write_text(yaml.safe_dump({"groups": groups}))
    proc = subprocess.run([promtool, "check", "rules", "--lint=all", "--lint-fatal", str(tmp_path / "groups.yml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_repository_plan_s_namespace_holds_every_rule_group(repo_build: dict[str, bytes],
                                                                repo_plan: dict[str, Any], tmp_path: Path) -> None:
    namespace = repo_plan["targets"]["mimir"]["namespace"]
    files = under(repo_build, "mimir/")
    assert list(files) == [f"mimir/rules/{namespace}.yaml"]
    [document] = files.values()
    assert list(document) == ["namespace", "groups"] and document["namespace"] == namespace
    assert sorted(document["groups"], key=lambda g: g["name"]) == sorted(rule_groups(repo_build), key=lambda g: g["name"])
    promtool_passes(document["groups"], tmp_path)


def test_per_section_gives_each_rule_file_a_namespace_of_its_own(tmp_path: Path) -> None:
    text = MINIMAL + """  - title: Latency
    metrics:
      - {metric: Checkout Latency, threshold: ">2s", priority: high, query: checkout_latency_seconds}
targets:
  mimir: {namespace: shop, namespaces: per-section}
"""
    (tmp_path / "plan.yaml").write_text(text)
    files = build(tmp_path / "plan.yaml", tmp_path / "out")
    documents = under(files, "mimir/rules/")
    assert {d["namespace"] for d in documents.values()} == {"shop-availability", "shop-latency"}
    for path, document in documents.items():
        assert path == f"mimir/rules/{document['namespace']}.yaml"
        prometheus = load(files[f"prometheus/rules/{document['namespace'].removeprefix('shop-')}.yml"])
        assert document["groups"] == prometheus["groups"]


def test_groups_follow_the_plan_s_interval_and_group_size(tmp_path: Path) -> None:
    rows = "\n".join(f"      - {{metric: Check {i}, threshold: \">{i}\", priority: high, query: queue_depth}}" for i in range(15))
    text = f"""version: 1
system: Shop
defaults: {{evaluation_interval: 30s, rules_per_group: 10, no_data: {{enabled: false}}}}
targets: {{mimir: }}
sections:
  - title: Checks
    metrics:
{rows}
"""
    (tmp_path / "plan.yaml").write_text(text)
    [document] = under(build(tmp_path / "plan.yaml", tmp_path / "out"), "mimir/").values()
    assert document["namespace"] == "shop"  # the system's name, by default
    assert len(document["groups"]) == 3  # 30 rules, 10 a group
    assert all(g["interval"] == "30s" and len(g["rules"]) <= 10 for g in document["groups"])
    promtool_passes(document["groups"], tmp_path)


def test_group_names_that_clash_across_rule_files_stay_unique_in_one_namespace(tmp_path: Path) -> None:
    # "Errors" splits into groups errors-1 and errors-2; the section "Errors 2" is the group errors-2 too.
    many = "\n".join(f"      - {{metric: Error {i}, threshold: \">{i}\", priority: high, query: queue_depth}}" for i in range(12))
    text = f"""version: 1
system: Shop
targets: {{mimir: }}
sections:
  - title: Errors
    metrics:
{many}
  - title: Errors 2
    metrics:
      - {{metric: Other Error, threshold: ">1", priority: high, query: queue_depth}}
"""
    (tmp_path / "plan.yaml").write_text(text)
    files = build(tmp_path / "plan.yaml", tmp_path / "out")
    assert sum(1 for g in rule_groups(files) if g["name"] == "errors-2") == 2, "the clash this test is about"
    [document] = under(files, "mimir/").values()
    names = [g["name"] for g in document["groups"]]
    assert len(names) == len(set(names)) == 3
    promtool_passes(document["groups"], tmp_path)
