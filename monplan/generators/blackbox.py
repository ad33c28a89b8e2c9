"""blackbox_exporter modules: one per probe of `collection.blackbox`, with its prober,
timeout, TLS requirement and expected status codes from the plan.

Check: `prometheus-blackbox-exporter --config.check --config.file exporters/blackbox/blackbox.yml`.
That check accepts any prober name, so the plan format limits `prober` to the real ones.
"""

from __future__ import annotations

from typing import Any

from monplan.formats.render import header, one_line, to_yaml
from monplan.model.collection import Probe
from monplan.model.plan import Plan

CONFIG_PATH = "exporters/blackbox/blackbox.yml"


def _tls_config(probe: Probe) -> dict[str, Any]:
    # Certificates are always verified; a CA file narrows whom we trust.
    config: dict[str, Any] = {"insecure_skip_verify": False}
    if probe.ca_file:
        config["ca_file"] = probe.ca_file
    return config


def _http(probe: Probe) -> dict[str, Any]:
    http: dict[str, Any] = {"method": probe.method}
    if probe.valid_status_codes:  # blackbox_exporter's default is any 2xx
        http["valid_status_codes"] = list(probe.valid_status_codes)
    http["preferred_ip_protocol"] = "ip4"
    http["follow_redirects"] = True
    if probe.tls:
        http["fail_if_not_ssl"] = True
        http["tls_config"] = _tls_config(probe)
    if probe.body_must_match:
        http["fail_if_body_not_matches_regexp"] = [probe.body_must_match]
    return http


def module(probe: Probe) -> dict[str, Any]:
    body: dict[str, Any] = {"prober": probe.prober, "timeout": probe.timeout}
    if probe.prober == "http":
        body["http"] = _http(probe)
    elif probe.prober == "tcp":
        tcp: dict[str, Any] = {"preferred_ip_protocol": "ip4"}
        if probe.tls:
            tcp["tls"] = True
            tcp["tls_config"] = _tls_config(probe)
        body["tcp"] = tcp
    elif probe.prober in ("icmp", "grpc"):
        body[probe.prober] = {"preferred_ip_protocol": "ip4"}
    return body


def generate(plan: Plan) -> dict[str, bytes]:
    collection = plan.collection
    if collection is None or collection.blackbox is None:
        return {}
    modules = {probe.module: module(probe) for probe in collection.blackbox.probes}
    source = plan.source
    lines = [f"{p.module}: {p.description or p.job} (job {p.job})" for p in collection.blackbox.probes]
    comment = header(source, "blackbox_exporter modules; run: prometheus-blackbox-exporter --config.file blackbox.yml")
    comment += "".join(f"# {one_line(line)}\n" for line in lines)
    return {CONFIG_PATH: to_yaml({"modules": modules}, comment)}
