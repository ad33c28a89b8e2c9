"""prometheus.yml: global intervals, the generated rule files, Alertmanager, and one scrape job
per source of the plan's `collection:` (applications, node_exporter, postgres_exporter,
blackbox probes, mtail).

The file sits in prometheus/ next to rules/, so rule_files are relative to it and the
folder can be deployed as it is (`prometheus --config.file=prometheus/prometheus.yml`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from monplan.formats.render import header, to_yaml
from monplan.generators.rules import rule_file_paths
from monplan.model.collection import Application, Collection, Probe
from monplan.model.plan import Plan

CONFIG_PATH = "prometheus/prometheus.yml"


def alertmanager_config(url: str) -> dict[str, Any]:
    """The `alerting:` block for one Alertmanager given by its URL."""
    parts = urlsplit(url)
    block: dict[str, Any] = {"scheme": parts.scheme or "http"}
    if parts.path not in ("", "/"):
        block["path_prefix"] = parts.path
    block["static_configs"] = [{"targets": [parts.netloc]}]
    return {"alertmanagers": [block]}


def _static(targets: Sequence[str], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    config: dict[str, Any] = {"targets": list(targets)}
    if labels:
        config["labels"] = dict(sorted(labels.items()))
    return [config]


def application_job(app: Application) -> dict[str, Any]:
    job: dict[str, Any] = {"job_name": app.job}
    if app.scrape_interval:
        job["scrape_interval"] = app.scrape_interval
    if app.metrics_path != "/metrics":
        job["metrics_path"] = app.metrics_path
    if app.scheme != "http":
        job["scheme"] = app.scheme
    job["static_configs"] = _static(app.targets, app.labels)
    return job


def probe_job(probe: Probe, exporter: str) -> dict[str, Any]:
    """The usual blackbox relabelling: each URL becomes the `target` parameter and the
    `instance` label, and the scrape itself goes to the exporter."""
    return {
        "job_name": probe.job,
        "metrics_path": "/probe",
        "params": {"module": [probe.module]},
        "static_configs": _static(probe.urls, probe.labels),
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": exporter},
        ],
    }


def scrape_configs(collection: Collection) -> list[dict[str, Any]]:
    jobs = [application_job(app) for app in collection.applications]
    if collection.node_exporter:
        jobs.append({"job_name": collection.node_exporter.job,
                     "static_configs": _static(collection.node_exporter.targets, {})})
    if collection.postgres_exporter:
        jobs.append({"job_name": collection.postgres_exporter.job,
                     "static_configs": _static(collection.postgres_exporter.targets, {})})
    if collection.blackbox:
        jobs.extend(probe_job(probe, collection.blackbox.exporter) for probe in collection.blackbox.probes)
    if collection.mtail:
        jobs.append({"job_name": collection.mtail.job, "static_configs": _static(collection.mtail.targets, {})})
    return jobs


def config(plan: Plan, rule_files: list[str]) -> dict[str, Any]:
    collection = plan.collection
    assert collection is not None
    global_: dict[str, Any] = {
        "scrape_interval": collection.scrape_interval,
        "scrape_timeout": collection.scrape_timeout,
        "evaluation_interval": plan.evaluation_interval,
    }
    if collection.external_labels:
        global_["external_labels"] = dict(sorted(collection.external_labels.items()))
    return {
        "global": global_,
        "rule_files": rule_files,
        "alerting": alertmanager_config(plan.settings.endpoints.alertmanager_url),
        "scrape_configs": scrape_configs(collection),
    }


def generate(plan: Plan) -> dict[str, bytes]:
    if plan.collection is None:
        return {}
    # The rule files exactly as the rules generator names them, relative to this file.
    rule_files = sorted(path.removeprefix("prometheus/") for path in rule_file_paths(plan))
    source = plan.source
    comment = header(source, "Prometheus server configuration; check: promtool check config prometheus/prometheus.yml")
    return {CONFIG_PATH: to_yaml(config(plan, rule_files), comment)}
