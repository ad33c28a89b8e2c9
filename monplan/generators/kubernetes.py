"""Kubernetes manifests for the Prometheus Operator and the Grafana sidecar (target prometheus-operator).

    kubernetes/kustomization.yaml                    every manifest below, for kubectl apply -k, Argo CD, Flux
    kubernetes/prometheus-rules/<file>.yaml          a PrometheusRule per rule file of prometheus/rules/
                                                     (<file>-2.yaml, ... when one object would be too big)
    kubernetes/alertmanager/config-secret.yaml       a Secret with alertmanager.yaml, for Alertmanager.spec.configSecret
    kubernetes/grafana-dashboards/<dashboard>.yaml   a ConfigMap per dashboard, labelled for the Grafana sidecar

Nothing is derived twice: the rule groups are rules.rule_groups, the Alertmanager
configuration is alertmanager.config and the dashboards are the dashboards generator's
JSON, byte for byte (this generator runs after it, with its files).

The Alertmanager configuration goes in a Secret rather than an AlertmanagerConfig: by default
the operator adds a namespace matcher to an AlertmanagerConfig's routes and inhibit rules and
nests its route under a top-level route it does not set, so the plan's routing tree would
not be the one Alertmanager runs; and its receivers take credentials as Secret key
references that the operator copies into the configuration, where the plan keeps every
credential in a file. The Secret carries the configuration the Prometheus target writes,
each `*_file` read from the receivers' Secret the team creates (monplan.formats.kubernetes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from monplan.formats.kubernetes import (
    NAME_LIMIT,
    SECRETS_DIR,
    data_key,
    kib,
    mount_secret_files,
    object_name,
    stored_size,
)
from monplan.formats.render import header, one_line, to_yaml
from monplan.lang import naming
from monplan.model.plan import Plan
from monplan.model.settings import NAME_MAX, PrometheusOperator

OUT_DIR = "kubernetes"
RULES_DIR = f"{OUT_DIR}/prometheus-rules"
DASHBOARDS_DIR = f"{OUT_DIR}/grafana-dashboards"
SECRET_PATH = f"{OUT_DIR}/alertmanager/config-secret.yaml"
KUSTOMIZATION = f"{OUT_DIR}/kustomization.yaml"
SECRET_KEY = "alertmanager.yaml"  # the key the operator reads from configSecret
TAG_ROOM = 7  # what distinct() may add to a name


def target(plan: Plan) -> PrometheusOperator | None:
    return plan.settings.prometheus_operator


def prefix(plan: Plan, settings: PrometheusOperator) -> str:
    return settings.name or naming.slug(plan.settings.system)[:NAME_MAX].rstrip("-")


def receiver_secret(plan: Plan, settings: PrometheusOperator) -> str:
    return settings.receiver_secret or f"{prefix(plan, settings)}-alertmanager-receivers"


def _labels(plan: Plan, settings: PrometheusOperator, extra: dict[str, str]) -> dict[str, str]:
    part_of = prefix(plan, settings)[:63].rstrip("-.")  # a label value has at most 63 characters
    return {"app.kubernetes.io/managed-by": "monplan", "app.kubernetes.io/part-of": part_of, **extra}


def _metadata(plan: Plan, settings: PrometheusOperator, name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "namespace": settings.namespace, "labels": _labels(plan, settings, labels)}


def pack(make: Callable[[int], dict[str, Any]], groups: list[dict[str, Any]], limit: int) -> list[list[dict[str, Any]]]:
    """Consecutive rule groups in as few objects as fit under `limit` bytes each; a group is never cut.

    Sizes add up exactly in compact JSON: an object with groups g1..gk is the empty object
    (`"groups":[]`) plus each group plus k-1 commas. The empty object is measured with the
    longest name a part can get, so no part is bigger than measured. A single group over the
    limit still gets an object of its own; `monplan validate` reports it.
    """
    empty = stored_size(make(len(groups))) + TAG_ROOM
    parts: list[list[dict[str, Any]]] = [[]]
    size = empty
    for group in groups:
        extra = stored_size(group) + (1 if parts[-1] else 0)
        if parts[-1] and size + extra > limit:
            parts.append([])
            size, extra = empty, extra - 1
        parts[-1].append(group)
        size += extra
    return parts


def _rule_object(plan: Plan, settings: PrometheusOperator, name: str, groups: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": _metadata(plan, settings, name, settings.rule_labels), "spec": {"groups": groups}}


def rule_objects(plan: Plan, settings: PrometheusOperator) -> list[tuple[str, str, dict[str, Any]]]:
    """(file, title, PrometheusRule) per rule file of the plan, split where one object would be too big."""
    from monplan.generators.rules import rule_groups

    out = []
    for slug, title in plan.rule_files():
        base = object_name(prefix(plan, settings), slug)

        def named(index: int, base: str = base) -> str:
            return base if index <= 1 else f"{base}-{index}"  # the first part keeps its name as a file grows

        groups = rule_groups(plan, slug, title)
        parts = pack(lambda n: _rule_object(plan, settings, named(n), []), groups, settings.max_object_bytes)
        for index, part in enumerate(parts, start=1):
            what = title if len(parts) == 1 else f"{title} (part {index} of {len(parts)})"
            out.append((f"{RULES_DIR}/{data_key(slug)}{'' if index == 1 else f'-{index}'}.yaml", what,
                        _rule_object(plan, settings, named(index), part)))
    return out


def _secret(plan: Plan, settings: PrometheusOperator) -> tuple[dict[str, Any], dict[str, str]]:
    from monplan.generators.alertmanager import config

    name, receivers = prefix(plan, settings), receiver_secret(plan, settings)
    mounted, keys = mount_secret_files(config(plan), receivers)
    source = plan.source
    payload = to_yaml(mounted, header(source, f"Alertmanager routing of {plan.settings.system}, secrets read from "
                                              f"the Secret {receivers} (mounted by the Prometheus Operator)"))
    secret = {"apiVersion": "v1", "kind": "Secret",
              "metadata": _metadata(plan, settings, settings.alertmanager_secret or f"{name}-alertmanager", {}),
              "type": "Opaque", "stringData": {SECRET_KEY: payload.decode("utf-8")}}
    return secret, keys


def _secret_comment(plan: Plan, settings: PrometheusOperator, secret: dict[str, Any], keys: dict[str, str]) -> str:
    receivers = receiver_secret(plan, settings)
    lines = [f"# Alertmanager.spec.configSecret: {secret['metadata']['name']} (holds no secret: every credential is a file).",
             f"# Create the Secret {receivers} in namespace {settings.namespace} yourself (sealed-secrets, external-secrets, ...)",
             f"# and list it in Alertmanager.spec.secrets; the operator mounts it at {SECRETS_DIR}/{receivers}/."]
    if keys:
        lines.append("# Its keys, one per secret file of the plan:")
        lines += [f"#   {key}: what the plan reads from {one_line(path)}" for path, key in sorted(keys.items(), key=lambda kv: kv[1])]
    return "\n".join(lines) + "\n"


def _dashboards(plan: Plan, settings: PrometheusOperator, files: dict[str, bytes]) -> list[tuple[str, str, dict[str, Any]]]:
    from monplan.model.boards import DASHBOARDS_DIR as GRAFANA_DIR, boards

    titles = {board.path: board.title for board in boards(plan)}
    out = []
    for path in sorted(p for p in files if p.startswith(f"{GRAFANA_DIR}/") and p.endswith(".json")):
        rel = path.removeprefix(f"{GRAFANA_DIR}/").removesuffix(".json")
        metadata = _metadata(plan, settings, object_name(prefix(plan, settings), "dashboard", rel),
                             settings.dashboard_labels)
        if settings.folder_annotation:
            metadata["annotations"] = {settings.folder_annotation: plan.settings.endpoints.grafana_folder}
        config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
                      "data": {data_key(f"{rel}.json"): files[path].decode("utf-8")}}
        out.append((f"{DASHBOARDS_DIR}/{data_key(rel)}.yaml", titles.get(path, rel), config_map))
    return out


def distinct(entries: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str, dict[str, Any]]]:
    """Entries whose file or object name another entry also got (a section "Errors 2" beside the second
    part of "Errors", services api_v2 and api-v2) get a hash of their title: none overwrites another."""
    paths = [path for path, _, _ in entries]
    names = [obj["metadata"]["name"] for _, _, obj in entries]
    out = []
    for path, title, obj in entries:
        name = obj["metadata"]["name"]
        if paths.count(path) > 1 or names.count(name) > 1:
            tag = hashlib.sha256(f"{path}\0{title}".encode()).hexdigest()[:6]
            obj = {**obj, "metadata": {**obj["metadata"], "name": f"{name[:NAME_LIMIT - 7]}-{tag}"}}
            if obj["kind"] == "ConfigMap":  # the sidecar writes every key into one folder
                obj["data"] = {f"{key.removesuffix('.json')}-{tag}.json": value for key, value in obj["data"].items()}
            path = f"{path.removesuffix('.yaml')}-{tag}.yaml"
        out.append((path, title, obj))
    return out


def generate(plan: Plan, built: dict[str, bytes]) -> dict[str, bytes]:
    """The manifests; `built` is the other generators' output, whose dashboards go in ConfigMaps."""
    settings = target(plan)
    if settings is None:
        return {}
    source = plan.source
    limit = kib(settings.max_object_bytes)
    files: dict[str, bytes] = {}
    for path, title, obj in distinct(rule_objects(plan, settings)):
        what = f"PrometheusRule {obj['metadata']['name']}: rules for {title} ({kib(stored_size(obj))} of {limit})"
        files[path] = to_yaml(obj, header(source, what))
    if plan.routing is not None:
        secret, keys = _secret(plan, settings)
        what = f"Secret {secret['metadata']['name']}: the Alertmanager configuration of {plan.settings.system}"
        files[SECRET_PATH] = to_yaml(secret, header(source, what) + _secret_comment(plan, settings, secret, keys))
    for path, title, config_map in distinct(_dashboards(plan, settings, built)):
        what = f'ConfigMap {config_map["metadata"]["name"]}: Grafana dashboard "{title}" for the sidecar'
        files[path] = to_yaml(config_map, header(source, what))
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                     "resources": [path.removeprefix(f"{OUT_DIR}/") for path in sorted(files)]}
    files[KUSTOMIZATION] = to_yaml(kustomization, header(source, f"Kustomization of the Kubernetes manifests of "
                                                                 f"{plan.settings.system} (kubectl apply -k)"))
    return files
