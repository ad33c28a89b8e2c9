"""Checks of the target outputs: Kubernetes manifests and Mimir rule namespaces.

Neither kubectl with a cluster nor mimirtool is needed: the rules inside every
PrometheusRule (`spec.groups`) and every Mimir namespace (`groups`) are written out as
plain rule files and go through `promtool check rules --lint=all --lint-fatal`, the same
check the Prometheus files get; each manifest is checked for what the API server would
refuse (names, labels) and measured as the API server stores it; the Secret's
alertmanager.yaml goes through `amtool check-config`; and when kubectl is installed,
`kubectl kustomize` renders the kustomization offline.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from monplan.diagnostics import Diagnostic
from monplan.formats.kubernetes import kib, stored_size
from monplan.generators import kubernetes, mimir
from monplan.model.plan import Plan
from monplan.verify import CheckResult, find_tool
from monplan.verify.promtool import PACKAGE_HINT, _failures, _rule_count, _trace, write_tree

HARD_LIMIT = 1024 * 1024  # Kubernetes refuses a ConfigMap or Secret over 1 MiB; etcd's default request limit is 1.5 MiB
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_KINDS = {("monitoring.coreos.com/v1", "PrometheusRule"), ("v1", "Secret"), ("v1", "ConfigMap")}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # megabytes of rules: the C parser when there is one
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _load(data: bytes) -> Any:
    return yaml.load(data, Loader=_Loader)


def _manifests(files: dict[str, bytes]) -> dict[str, Any]:
    return {path: _load(data) for path, data in files.items()
            if path.startswith(f"{kubernetes.OUT_DIR}/") and path != kubernetes.KUSTOMIZATION}


def _promtool(plan: Plan, rule_files: dict[str, list[Any]], what: str, folder: str) -> CheckResult:
    """`promtool check rules --lint=all --lint-fatal` on each file's groups, written as a rule file."""
    promtool = find_tool("promtool")
    target = f"{len(rule_files)} {what if len(rule_files) != 1 else what.removesuffix('s')}"
    if promtool is None:
        return CheckResult("promtool check rules", target, "missing", PACKAGE_HINT)
    with tempfile.TemporaryDirectory(prefix="monplan-targets-") as tmp:
        write_tree({path: yaml.dump({"groups": groups}, Dumper=_Dumper).encode() for path, groups in rule_files.items()},
                   Path(tmp))
        proc = subprocess.run([promtool, "check", "rules", "--lint=all", "--lint-fatal", *sorted(rule_files)],
                              cwd=tmp, capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + proc.stderr
    if proc.returncode == 0:
        return CheckResult("promtool check rules", target, "passed", f"{_rule_count(output)} rules")
    return CheckResult("promtool check rules", target, "failed", "", _trace(plan, _failures(output), folder))


def _shape_problems(path: str, obj: Any) -> list[str]:
    """What the API server would refuse, or what the operator and the sidecar would not pick up."""
    if not isinstance(obj, dict):
        return ["not a Kubernetes object"]
    out = []
    if (obj.get("apiVersion"), obj.get("kind")) not in _KINDS:
        out.append(f"unexpected apiVersion/kind {obj.get('apiVersion')}/{obj.get('kind')}")
    metadata = obj.get("metadata") or {}
    name = str(metadata.get("name", ""))
    if len(name) > 253 or not _NAME.match(name):
        out.append(f'metadata.name "{name}" is not a valid object name')
    if not metadata.get("namespace"):
        out.append("metadata.namespace is missing")
    if obj.get("kind") == "PrometheusRule":
        names = [group.get("name") for group in (obj.get("spec") or {}).get("groups") or []]
        if not names:
            out.append("spec.groups is empty")
        if len(set(names)) != len(names):  # the CRD makes groups a list-map keyed by name
            out.append("two groups share a name")
    return out


def _layout_check(plan: Plan, documents: dict[str, Any]) -> CheckResult:
    """Each file is one namespace as mimirtool reads it, its groups within the plan's limits."""
    problems, groups = [], 0
    limit, interval = plan.settings.rules_per_group, plan.evaluation_interval
    for path, document in sorted(documents.items()):
        if not isinstance(document, dict) or set(document) != {"namespace", "groups"}:
            problems.append(Diagnostic(path, 0, 0, "expected exactly namespace: and groups:"))
            continue
        if mimir.path_of(str(document["namespace"])) != path:
            problems.append(Diagnostic(path, 0, 0, f'namespace "{document["namespace"]}" is not the file\'s name'))
        for group in document["groups"]:
            groups += 1
            if len(group.get("rules") or []) > limit or group.get("interval") != interval:
                problems.append(Diagnostic(path, 0, 0, f'group {group.get("name")}: {len(group.get("rules") or [])} '
                                           f"rules every {group.get('interval')}; the plan says at most {limit} every {interval}"))
    detail = f"{groups} groups of at most {limit} rules, every {interval}"
    return CheckResult("namespace layout", f"{len(documents)} Mimir namespace{'s' if len(documents) != 1 else ''}", "failed" if problems else "passed",
                       detail, problems)


def _manifest_check(plan: Plan, files: dict[str, bytes], manifests: dict[str, Any]) -> list[CheckResult]:
    settings = kubernetes.target(plan)
    if settings is None or not manifests:
        return []
    limit = min(settings.max_object_bytes, HARD_LIMIT)
    problems, sizes = [], {}
    for path, obj in sorted(manifests.items()):
        problems += [Diagnostic(path, 0, 0, message) for message in _shape_problems(path, obj)]
        sizes[path] = size = stored_size(obj) if isinstance(obj, dict) else 0
        if size > limit:
            problems.append(Diagnostic(path, 0, 0, f"{kib(size)} as the API server stores it, over the limit of "
                                       f"{kib(limit)} (targets.prometheus-operator.max_object_bytes)"))
    listed = set((_load(files.get(kubernetes.KUSTOMIZATION, b"{}")) or {}).get("resources") or [])
    unlisted = sorted(set(manifests) - {f"{kubernetes.OUT_DIR}/{r}" for r in listed})
    problems += [Diagnostic(path, 0, 0, f"not listed in {kubernetes.KUSTOMIZATION}") for path in unlisted]
    largest = max(sizes, key=lambda p: sizes[p])
    detail = f"largest {kib(sizes[largest])} of {kib(limit)} ({largest.rsplit('/', 1)[-1]})"
    return [CheckResult("object size and shape", f"{len(manifests)} manifests", "failed" if problems else "passed",
                        detail, problems)]


def _secret_check(files: dict[str, bytes], manifests: dict[str, Any]) -> list[CheckResult]:
    """amtool check-config on the alertmanager.yaml inside the Secret."""
    if kubernetes.SECRET_PATH not in files:
        return []
    amtool = find_tool("amtool")
    if amtool is None:
        return [CheckResult("amtool check-config", kubernetes.SECRET_PATH, "missing",
                            "amtool is not installed; install Debian's prometheus-alertmanager package")]
    secret = manifests[kubernetes.SECRET_PATH]
    with tempfile.TemporaryDirectory(prefix="monplan-secret-") as tmp:
        config = Path(tmp) / kubernetes.SECRET_KEY
        config.write_text(secret["stringData"][kubernetes.SECRET_KEY], encoding="utf-8")
        proc = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True, timeout=60,
                              check=False)
    if proc.returncode == 0:
        return [CheckResult("amtool check-config", kubernetes.SECRET_PATH, "passed", "the Secret's alertmanager.yaml")]
    lines = [line.strip() for line in (proc.stdout + proc.stderr).splitlines()
             if line.strip() and not line.strip().startswith(("Checking", "Found:", "- "))]
    return [CheckResult("amtool check-config", kubernetes.SECRET_PATH, "failed", "",
                        [Diagnostic(kubernetes.SECRET_PATH, 0, 0, f"amtool check-config: {line}") for line in lines])]


def _kustomize_check(files: dict[str, bytes]) -> list[CheckResult]:
    """`kubectl kustomize` renders the folder offline: YAML that loads, every resource found, no duplicate ids."""
    if kubernetes.KUSTOMIZATION not in files:
        return []
    kubectl = find_tool("kubectl")
    if kubectl is None:
        return [CheckResult("kubectl kustomize", kubernetes.KUSTOMIZATION, "skipped", "kubectl is not installed")]
    with tempfile.TemporaryDirectory(prefix="monplan-kustomize-") as tmp:
        write_tree({p: d for p, d in files.items() if p.startswith(f"{kubernetes.OUT_DIR}/")}, Path(tmp))
        proc = subprocess.run([kubectl, "kustomize", str(Path(tmp) / kubernetes.OUT_DIR)], capture_output=True,
                              text=True, timeout=120, check=False)
    if proc.returncode == 0:
        objects = sum(1 for doc in yaml.load_all(proc.stdout, Loader=_Loader) if doc)
        return [CheckResult("kubectl kustomize", kubernetes.KUSTOMIZATION, "passed", f"{objects} objects")]
    message = proc.stderr.strip().replace(tmp, "generated") or f"exit status {proc.returncode}"
    return [CheckResult("kubectl kustomize", kubernetes.KUSTOMIZATION, "failed", "",
                        [Diagnostic(kubernetes.KUSTOMIZATION, 0, 0, f"kubectl kustomize: {message}")])]


def check(plan: Plan, files: dict[str, bytes]) -> list[CheckResult]:
    results: list[CheckResult] = []
    manifests = _manifests(files)
    rules = {path: obj["spec"]["groups"] for path, obj in manifests.items()
             if isinstance(obj, dict) and obj.get("kind") == "PrometheusRule"}
    if rules:
        results.append(_promtool(plan, rules, "PrometheusRule objects", kubernetes.RULES_DIR))
    results += _manifest_check(plan, files, manifests) + _secret_check(files, manifests) + _kustomize_check(files)
    documents = {path: _load(data) for path, data in files.items() if path.startswith(f"{mimir.RULES_DIR}/")}
    if documents:
        results.append(_promtool(plan, {p: (d or {}).get("groups") or [] for p, d in documents.items()},
                                 "Mimir namespaces", mimir.RULES_DIR))
        results.append(_layout_check(plan, documents))
    return results
