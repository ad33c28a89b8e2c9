"""--target prometheus-operator: what a cluster with the Prometheus Operator and Grafana's sidecar picks up.

Without a cluster (kubectl here has none, and cannot get one), the tests check what the
API server, the operator and the sidecar read: the objects' shape, the labels their
selectors match, the rules (through promtool), the Alertmanager configuration (through
amtool), and sizes measured as the API server stores them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import require_tool
from tests.targets.conftest import api_server_bytes, big_plan, build, load, rule_groups, under

RULES = "kubernetes/prometheus-rules/"
DASHBOARDS = "kubernetes/grafana-dashboards/"
SECRET = "kubernetes/alertmanager/config-secret.yaml"
DURATION = r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"
# What the PrometheusRule CRD (monitoring.coreos.com/v1) requires, written out for these tests.
PROMETHEUS_RULE = {
    "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"}, "kind": {"const": "PrometheusRule"},
        "metadata": {"type": "object", "required": ["name", "namespace"]},
        "spec": {"type": "object", "required": ["groups"], "additionalProperties": False, "properties": {"groups": {
            "type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["name", "rules"], "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1}, "interval": {"type": "string", "pattern": DURATION},
                    "rules": {"type": "array", "items": {
                        "type": "object", "required": ["expr"], "additionalProperties": False,
                        "properties": {"record": {"type": "string"}, "alert": {"type": "string"},
                                       "expr": {"type": "string"}, "for": {"type": "string", "pattern": DURATION},
                                       "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                                       "annotations": {"type": "object", "additionalProperties": {"type": "string"}}},
                        "oneOf": [{"required": ["record"]}, {"required": ["alert"]}]}}}}}}},
    },
}


def test_prometheus_rules_carry_the_plan_s_rules_namespace_and_rule_selector_labels(
        repo_build: dict[str, bytes], repo_plan: dict[str, Any]) -> None:
    settings = repo_plan["targets"]["prometheus-operator"]
    objects = under(repo_build, RULES)
    assert objects
    for path, obj in objects.items():
        jsonschema.validate(obj, PROMETHEUS_RULE)
        assert obj["metadata"]["namespace"] == settings["namespace"], path
        assert settings["rule_labels"].items() <= obj["metadata"]["labels"].items(), path
        names = [group["name"] for group in obj["spec"]["groups"]]
        assert len(names) == len(set(names)), f"{path}: the CRD keys groups by name"
    # Exactly the Prometheus target's groups: the same rules, nothing re-derived differently.
    from_objects = [group for _, obj in sorted(objects.items()) for group in obj["spec"]["groups"]]
    assert sorted(from_objects, key=lambda g: g["name"]) == sorted(rule_groups(repo_build), key=lambda g: g["name"])
    interval = repo_plan.get("defaults", {}).get("evaluation_interval", "1m")
    limit = repo_plan.get("defaults", {}).get("rules_per_group", 20)
    assert all(g["interval"] == interval and len(g["rules"]) <= limit for g in from_objects)


def test_the_rules_inside_the_prometheus_rules_pass_promtool_lint(repo_build: dict[str, bytes], tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    import yaml

    paths = []
    for index, (_path, obj) in enumerate(sorted(under(repo_build, RULES).items())):
        paths.append(tmp_path / f"{index}.yml")
        paths[-1].write_text(yaml.safe_dump({"groups": obj["spec"]["groups"]}))
    proc = subprocess.run([promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, paths)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_alertmanager_secret_is_the_plan_s_routing_with_secret_files_from_the_mounted_secret(
        repo_build: dict[str, bytes], repo_plan: dict[str, Any], tmp_path: Path) -> None:
    settings = repo_plan["targets"]["prometheus-operator"]
    secret = load(repo_build[SECRET])
    assert (secret["apiVersion"], secret["kind"], secret["metadata"]["name"]) == ("v1", "Secret", settings["alertmanager_secret"])
    config = load(secret["stringData"]["alertmanager.yaml"].encode())
    original = load(repo_build["alertmanager/alertmanager.yml"])
    mount = f"/etc/alertmanager/secrets/{settings['receiver_secret']}/"
    plan_files = [value for receiver in repo_plan["alert_routing"]["receivers"] for kind in receiver.values()
                  if isinstance(kind, dict) for key, value in kind.items() if key.endswith("_file")]
    assert plan_files

    def swap(node: Any) -> Any:  # what the Secret must say: the same, each secret file under the mount
        if isinstance(node, dict):
            return {k: (mount + v.rsplit("/", 1)[1] if k.endswith("_file") else swap(v)) for k, v in node.items()}
        return [swap(item) for item in node] if isinstance(node, list) else node

    assert config == swap(original)
    comment = repo_build[SECRET].decode().split("apiVersion:")[0]
    for path in plan_files:  # the manifest tells the team which key holds which file
        assert f"{path.rsplit('/', 1)[1]}: what the plan reads from {path}" in comment
    amtool = require_tool("amtool")
    (tmp_path / "alertmanager.yaml").write_text(secret["stringData"]["alertmanager.yaml"])
    proc = subprocess.run([amtool, "check-config", str(tmp_path / "alertmanager.yaml")], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_two_secret_files_with_one_name_get_two_keys(tmp_path: Path) -> None:
    from tests.delivery.conftest import PLAN

    text = PLAN.replace("/etc/am/team.key", "/etc/am/team/key").replace("/etc/am/oncall.key", "/etc/am/oncall/key")
    (tmp_path / "plan.yaml").write_text(text + "targets:\n  prometheus-operator:\n")
    files = build(tmp_path / "plan.yaml", tmp_path / "out")
    config = load(load(files[SECRET])["stringData"]["alertmanager.yaml"].encode())
    keys = [r["pagerduty_configs"][0]["routing_key_file"] for r in config["receivers"] if "pagerduty_configs" in r]
    assert len(keys) == 2 and len(set(keys)) == 2


def test_each_dashboard_is_a_configmap_for_the_grafana_sidecar(repo_build: dict[str, bytes], repo_plan: dict[str, Any]) -> None:
    dashboards = {p: d for p, d in repo_build.items() if p.startswith("grafana/dashboards/")}
    config_maps = under(repo_build, DASHBOARDS)
    assert len(config_maps) == len(dashboards) > 0
    carried = {}
    for path, config_map in config_maps.items():
        assert config_map["kind"] == "ConfigMap"
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1", path  # the sidecar's default label
        assert config_map["metadata"]["annotations"] == {"grafana_folder": repo_plan["endpoints"]["grafana_folder"]}
        [(key, text)] = config_map["data"].items()
        carried[key] = text.encode()
    assert sorted(carried.values()) == sorted(dashboards.values()), "the dashboards, byte for byte"
    assert len(carried) == len(dashboards), "one file name per dashboard in the sidecar's folder"


def test_sidecar_labels_and_folder_annotation_come_from_the_plan(tmp_path: Path) -> None:
    plan = (tmp_path / "plan.yaml")
    plan.write_text((Path(__file__).parents[1] / "cases/valid/minimal/plan.yaml").read_text() + (
        "targets:\n  prometheus-operator:\n    dashboard_labels: {grafana_dashboard: 2, team: shop}\n"
        "    folder_annotation: k8s-sidecar-target-directory\n"))
    files = build(plan, tmp_path / "out")
    [config_map] = under(files, DASHBOARDS).values()
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "2"
    assert config_map["metadata"]["labels"]["team"] == "shop"
    assert list(config_map["metadata"]["annotations"]) == ["k8s-sidecar-target-directory"]


def test_the_kustomization_lists_every_manifest_and_kubectl_renders_them(repo_build: dict[str, bytes], tmp_path: Path) -> None:
    manifests = sorted(p.removeprefix("kubernetes/") for p in repo_build
                       if p.startswith("kubernetes/") and p != "kubernetes/kustomization.yaml")
    assert sorted(load(repo_build["kubernetes/kustomization.yaml"])["resources"]) == manifests
    kubectl = require_tool("kubectl")
    for path, data in repo_build.items():
        if path.startswith("kubernetes/"):
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(data)
    proc = subprocess.run([kubectl, "kustomize", str(tmp_path / "kubernetes")], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    import yaml

    rendered = [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
    assert len(rendered) == len(manifests)


@pytest.fixture(scope="module")
def split_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A section of 450 rows with long annotations: about 2 MiB of rules as the API server stores them."""
    root = tmp_path_factory.mktemp("big")
    (root / "plan.yaml").write_text(big_plan(450))
    return root / "plan.yaml", build(root / "plan.yaml", root / "out")


def test_a_section_too_big_for_one_object_is_split_and_no_object_passes_the_limit(
        split_build: tuple[Path, dict[str, bytes]]) -> None:
    _, files = split_build
    objects = under(files, RULES)
    sizes = {path: api_server_bytes(obj) for path, obj in objects.items()}
    limit = 900 * 1024  # the default max_object_bytes
    assert sum(sizes.values()) > 1024 * 1024, "the plan must be too big for one object, or nothing is tested"
    assert len(objects) >= 2
    assert max(sizes.values()) <= limit, sizes
    # Every group is in exactly one object, whole, in order; the first part keeps the unsplit name.
    groups = [g for path in sorted(objects, key=lambda p: (len(p), p)) for g in objects[path]["spec"]["groups"]]
    assert groups == rule_groups(files)
    names = sorted(obj["metadata"]["name"] for obj in objects.values())
    assert names[0] == "big-shop-latency" and len(set(names)) == len(names)


def test_validate_passes_the_split_rules_and_the_dashboard_split_into_parts(
        split_build: tuple[Path, dict[str, bytes]]) -> None:
    require_tool("promtool")
    from monplan.app.pipeline import load_plan, render
    from monplan.verify.targets import check

    plan = load_plan(split_build[0])
    results = {(c.tool, c.target): c for c in check(plan, render(plan))}
    promtool = results["promtool check rules", f"{len(under(split_build[1], RULES))} PrometheusRule objects"]
    assert promtool.status == "passed", promtool.diagnostics
    size = next(c for (tool, _), c in results.items() if tool == "object size and shape")
    # 450 panels no longer make one dashboard over the object limit: the dashboard is split into
    # linked parts of at most 100 panels, each its own ConfigMap under the limit.
    assert size.status == "passed", size.diagnostics
    boards = [p for p in split_build[1] if p.startswith("kubernetes/grafana-dashboards/operations-dashboard")]
    assert len(boards) >= 5, boards


def test_a_lower_max_object_bytes_splits_into_more_objects_under_it(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(big_plan(60, targets="prometheus-operator: {max_object_bytes: 65536}\n",
                                                 tool=False))
    files = build(tmp_path / "plan.yaml", tmp_path / "out")
    sizes = [api_server_bytes(obj) for obj in under(files, RULES).values()]
    assert len(sizes) >= 3 and max(sizes) <= 65536
