"""Outputs for bigger setups, besides the Prometheus files every build writes.

    targets:
      prometheus-operator:          # Kubernetes manifests in generated/kubernetes/
        namespace: monitoring
        rule_labels: {release: kube-prometheus-stack}   # what the Prometheus ruleSelector matches
      mimir:                        # rule namespaces in generated/mimir/
        namespace: uws

A target is on when its key is present (`mimir:` alone takes every default). The keys are
the names `monplan build --target` takes, so the plan and the command line say the same.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from monplan.spec.types import Spec

# Kubernetes' own rules (apimachinery validation): DNS-1123 labels and subdomains, label keys
# and values. A name that breaks them is refused by the API server at apply time, far from the plan.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_MIMIR_NAMESPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# Object names get suffixes (-dashboard-<title>, -2, ...): keep room for them under 253.
NAME_MAX = 100
DEFAULT_MAX_OBJECT_BYTES = 900 * 1024  # under the 1 MiB etcd/ConfigMap limit, with room for metadata


def _dns_label(value: str) -> str:
    if len(value) > 63 or not _DNS_LABEL.match(value):
        raise ValueError(f'"{value}" is not a Kubernetes namespace name; expected at most 63 lower-case letters, '
                         "digits and -, starting and ending with a letter or digit")
    return value


def _object_name(value: str) -> str:
    if len(value) > NAME_MAX or not _DNS_SUBDOMAIN.match(value):
        raise ValueError(f'"{value}" is not a Kubernetes object name; expected at most {NAME_MAX} lower-case '
                         "letters, digits, - and ., starting and ending with a letter or digit")
    return value


def _label_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if (prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix))) or len(name) > 63 \
            or not _QUALIFIED_NAME.match(name):
        raise ValueError(f'"{value}" is not a Kubernetes label or annotation key; expected an optional DNS prefix '
                         "and /, then at most 63 letters, digits, -, _ and ., e.g. app.kubernetes.io/part-of")
    return value


def _label_value(value: str) -> str:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise ValueError(f'"{value}" is not a Kubernetes label value; expected at most 63 letters, digits, -, _ '
                         "and ., starting and ending with a letter or digit")
    return value


def _as_text(value: Any) -> Any:
    """`grafana_dashboard: 1` means the label value "1": Kubernetes label values are strings."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int) else value


def _mimir_namespace(value: str) -> str:
    if not _MIMIR_NAMESPACE.match(value):
        raise ValueError(f'"{value}" is not a usable Mimir namespace; expected at most 100 letters, digits, _, - '
                         "and ., starting with a letter or digit")
    return value


Namespace = Annotated[str, AfterValidator(_dns_label)]
ObjectName = Annotated[str, AfterValidator(_object_name)]
LabelKey = Annotated[str, AfterValidator(_label_key)]
LabelValue = Annotated[str, BeforeValidator(_as_text), AfterValidator(_label_value)]
K8sLabels = dict[LabelKey, LabelValue]


class PrometheusOperator(Spec):
    """PrometheusRule objects, the Alertmanager configuration as a Secret, dashboards as ConfigMaps."""

    namespace: Namespace = Field("monitoring", description="Kubernetes namespace of every object.")
    name: ObjectName | None = Field(None, description="Start of every object name; default: the system's name as a slug.")
    rule_labels: K8sLabels = Field(default_factory=dict, description=(
        "Labels on each PrometheusRule: what the Prometheus resource's ruleSelector matches, "
        "e.g. release: kube-prometheus-stack."))
    alertmanager_secret: ObjectName | None = Field(None, description=(
        "Name of the Secret holding alertmanager.yaml, for the Alertmanager resource's configSecret; "
        "default: <name>-alertmanager."))
    receiver_secret: ObjectName | None = Field(None, description=(
        "The Secret you create with the receivers' secret files (not generated), listed in the Alertmanager "
        "resource's secrets; the configuration reads them under /etc/alertmanager/secrets/<it>/. "
        "Default: <name>-alertmanager-receivers."))
    dashboard_labels: K8sLabels = Field(default_factory=lambda: {"grafana_dashboard": "1"}, description=(
        "Labels on each dashboard ConfigMap: what the Grafana sidecar watches (its label and labelValue)."))
    folder_annotation: LabelKey | None = Field("grafana_folder", description=(
        "Annotation naming the Grafana folder (endpoints.grafana_folder), as the sidecar's folderAnnotation "
        "setting; null for none."))
    max_object_bytes: int = Field(DEFAULT_MAX_OBJECT_BYTES, ge=16 * 1024, le=1024 * 1024, description=(
        "Most bytes in one object as the API server stores it (JSON); PrometheusRules are split to stay "
        "under it. Default 900 KiB: Kubernetes' limit is 1 MiB, less room for metadata the cluster adds."))


class Mimir(Spec):
    """Rule namespaces for the Grafana Mimir (or Cortex) ruler, as mimirtool rules load/sync read them."""

    namespace: Annotated[str, AfterValidator(_mimir_namespace)] | None = Field(
        None, description="Ruler namespace; default: the system's name as a slug.")
    namespaces: Literal["one", "per-section"] = Field("one", description=(
        "one: every rule group in `namespace`; per-section: a namespace per rule file (section, focus area "
        "or service), named <namespace>-<file>."))


def _enabled(value: Any) -> Any:
    """`mimir:` with nothing after it turns the target on with its defaults."""
    return {} if value is None else value


class Targets(Spec):
    """Which extra outputs a build writes; `monplan build --target NAME` adds one for a run."""

    prometheus_operator: PrometheusOperator | None = Field(None, alias="prometheus-operator", description=(
        "Kubernetes manifests for the Prometheus Operator and the Grafana sidecar in generated/kubernetes/."))
    mimir: Mimir | None = Field(None, description="Grafana Mimir / Cortex ruler namespaces in generated/mimir/.")

    @field_validator("prometheus_operator", "mimir", mode="before")
    @classmethod
    def _on(cls, value: Any) -> Any:
        return _enabled(value)
