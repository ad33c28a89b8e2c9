"""The collection side of the plan: what Prometheus scrapes and how each signal is produced.

`collection:` names the application targets, node_exporter, postgres_exporter (with the
custom SQL the database focus areas need), blackbox probes and the log files mtail reads.
Secrets never appear here: the database DSN is a file path. Checks that need only this
subtree (unique job names, probe timeouts, read-only SQL, mtail patterns) live on the
models, so errors point at the plan line; checks across the plan (do the queries' metrics
have a source?) are in monplan/checks/sources.py.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from monplan.lang import durations
from monplan.spec.collection_types import (
    METRIC_PATTERN,
    MODULE,
    PROBERS,
    HostPorts,
    JobName,
    MetricName,
    ReadOnlySQL,
    Regex,
    check_regex,
    host_ports,
    metric_name,
)
from monplan.spec.safe import MtailLabelValue, SecretFile
from monplan.spec.types import Duration, Labels, Spec, Text


class Application(Spec):
    """Targets that serve their own /metrics: the APM instrumentation, the RUM collector, business counters."""

    job: JobName = Field(description="Prometheus job name; queries select it with job=\"...\".")
    targets: HostPorts = Field(description="host:port of each instance.")
    metrics_path: str = Field("/metrics", pattern=r"^/")
    scheme: Literal["http", "https"] = "http"
    scrape_interval: Duration | None = Field(None, description="Default: collection.scrape_interval.")
    labels: Labels = Field(default_factory=dict, description="Labels added to every series of the job.")
    metrics: list[str] = Field(default_factory=list, description="Metric names the job serves (a trailing * is a "
                               "prefix); monplan warns about plan queries whose metrics no source serves.")
    description: str | None = None


    @field_validator("metrics")
    @classmethod
    def _patterns(cls, values: list[str]) -> list[str]:
        for value in values:
            if not METRIC_PATTERN.match(value):
                raise ValueError(f'"{value}" is not a metric name or prefix such as "uws_*"')
        return values


class Exporter(Spec):
    """An exporter Prometheus scrapes (node_exporter)."""

    job: JobName = "node"
    targets: HostPorts = Field(description="host:port of each exporter.")



class QueryColumn(Spec):
    usage: Literal["label", "counter", "gauge"] = Field(description="label: a label of the other columns' series.")
    description: Text


class PostgresQuery(Spec):
    """A postgres_exporter custom query: each counter/gauge column becomes <metric>_<column>."""

    metric: MetricName = Field(description="Prefix of the series, e.g. uws_key_query.")
    description: Text = Field(description="What it measures and why; becomes the HELP text.")
    sql: ReadOnlySQL = Field(description="One read-only SELECT; it runs in a read-only transaction with a timeout.")
    columns: dict[str, QueryColumn] = Field(min_length=1)
    timeout: Duration | None = Field(None, description="statement_timeout; default postgres_exporter.statement_timeout.")


    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, QueryColumn]) -> dict[str, QueryColumn]:
        for name in columns:
            metric_name(name)
        if not any(c.usage != "label" for c in columns.values()):
            raise ValueError("a query needs at least one counter or gauge column")
        return columns

    def series(self) -> list[tuple[str, QueryColumn]]:
        """(series name, column) of each value column, in plan order."""
        return [(f"{self.metric}_{name}", col) for name, col in self.columns.items() if col.usage != "label"]


class PostgresExporter(Spec):
    job: JobName = "postgres"
    targets: HostPorts = Field(description="host:port of each postgres_exporter.")
    dsn_file: SecretFile = Field(description="File on the exporter host holding DATA_SOURCE_NAME (a secret, never the DSN itself).")
    statement_timeout: Duration = Field("5s", description="Default timeout of each custom query.")
    queries: list[PostgresQuery] = Field(default_factory=list)


    @field_validator("dsn_file")
    @classmethod
    def _path(cls, value: str) -> str:
        if "://" in value or "=" in value:
            raise ValueError("dsn_file is the path of a file holding the DSN; never put the DSN itself in the plan")
        return value

    @field_validator("queries")
    @classmethod
    def _unique(cls, queries: list[PostgresQuery]) -> list[PostgresQuery]:
        seen: set[str] = set()
        for query in queries:
            if query.metric in seen:
                raise ValueError(f'query metric "{query.metric}" is used twice; each query needs its own prefix')
            seen.add(query.metric)
        return queries


class Probe(Spec):
    """A blackbox_exporter check of one or more URLs, with its own module."""

    job: JobName = Field(description='Prometheus job name, e.g. "blackbox-api"; queries select it.')
    module: Text = Field(description="Name of the generated blackbox module.")
    prober: str = Field("http", description=f"One of {', '.join(PROBERS)}.")
    urls: list[Text] = Field(min_length=1, description="What to probe: URLs for http, host:port for tcp.")
    tls: bool = Field(False, description="Require TLS with a certificate that verifies.")
    ca_file: str | None = Field(None, description="CA bundle to verify the certificate with; default the system's.")
    timeout: Duration = Field("5s", description="Probe timeout; must fit in the scrape timeout.")
    method: Literal["GET", "HEAD", "POST"] = "GET"
    valid_status_codes: list[int] = Field(default_factory=list, description="Default: any 2xx.")
    body_must_match: Regex | None = Field(None, description="Regular expression the response body must match.")
    labels: Labels = Field(default_factory=dict, description='Labels on the probe\'s series, e.g. {check: database}.')
    description: str | None = None


    @field_validator("module")
    @classmethod
    def _module(cls, value: str) -> str:
        if not MODULE.match(value):
            raise ValueError(f'"{value}" is not a valid module name; expected letters, digits and _')
        return value

    @field_validator("prober")
    @classmethod
    def _prober(cls, value: str) -> str:
        if value not in PROBERS:
            import difflib

            close = difflib.get_close_matches(value, PROBERS, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise ValueError(f'unknown prober "{value}"{hint}; blackbox_exporter has {", ".join(PROBERS)}')
        return value

    @field_validator("valid_status_codes")
    @classmethod
    def _codes(cls, codes: list[int]) -> list[int]:
        for code in codes:
            if not 100 <= code <= 599:
                raise ValueError(f"{code} is not an HTTP status code (100-599)")
        return codes

    @model_validator(mode="after")
    def _fits_prober(self) -> Probe:
        http_only = {"valid_status_codes": self.valid_status_codes, "body_must_match": self.body_must_match,
                     "method": self.method != "GET"}
        tls = {"tls": self.tls, "ca_file": self.ca_file}
        used = [name for name, value in http_only.items() if value and self.prober != "http"]
        used += [name for name, value in tls.items() if value and self.prober not in ("http", "tcp")]
        if used:
            verb = "does" if len(used) == 1 else "do"
            raise ValueError(f'{", ".join(used)} {verb} not apply to the {self.prober} prober')
        for url in self.urls:
            if self.prober == "http" and not re.match(r"^https?://[^\s/]+", url):
                raise ValueError(f'"{url}" is not an http(s) URL; the http prober needs one')
            if self.prober == "http" and self.tls and not url.startswith("https://"):
                raise ValueError(f'"{url}" is not https but the probe requires TLS (tls: true)')
        return self


class Blackbox(Spec):
    exporter: Text = Field(description="host:port of blackbox_exporter; Prometheus sends it the probes.")

    @field_validator("exporter")
    @classmethod
    def _address(cls, value: str) -> str:
        return host_ports([value])[0]
    probes: list[Probe] = Field(min_length=1)


    @field_validator("probes")
    @classmethod
    def _unique(cls, probes: list[Probe]) -> list[Probe]:
        modules: set[str] = set()
        for probe in probes:
            if probe.module in modules:
                raise ValueError(f'module "{probe.module}" is used by two probes; give each probe its own module name')
            modules.add(probe.module)
        return probes


LogFormat = Literal["auth", "http_access", "postgresql", "security_audit"]
# The named groups each format's pattern captures (monplan/generators/mtail.py uses them).
FORMAT_GROUPS: dict[str, tuple[str, ...]] = {
    "auth": ("result",), "http_access": ("class",), "postgresql": ("severity",), "security_audit": (),
}


class LogCounter(Spec):
    """A counter of the log lines that match, initialised at 0 (for "Any" rows)."""

    metric: MetricName
    match: Regex = Field(description="RE2 regular expression a line must contain.")
    description: Text



class LogSource(Spec):
    """Log files of one format; the format decides the counters (see the README)."""

    format: LogFormat
    paths: list[Text] = Field(min_length=1, description="Absolute paths; * matches within a folder.")
    component: MtailLabelValue | None = Field(None, description="component label of http_access counters.")
    pattern: str | None = Field(None, description="RE2 pattern replacing the format's default; must capture "
                                "the same named groups.")
    counters: list[LogCounter] = Field(default_factory=list, description="Extra counters of matching lines.")

    @model_validator(mode="after")
    def _pattern_groups(self) -> LogSource:
        if self.pattern is not None:
            check_regex(self.pattern, groups=FORMAT_GROUPS[self.format])
        return self

    @field_validator("paths")
    @classmethod
    def _absolute(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not path.startswith("/"):
                raise ValueError(f'"{path}" is not an absolute path; mtail matches log files by their full path')
            # mtail parses each log path as a URL: from a # on it is a fragment, and %41 is an A.
            bad = next((c for c in path if c in "#%" or not c.isprintable()), None)
            if bad is not None:
                raise ValueError(f'"{path}" contains {bad!r}; mtail reads log paths as URLs and cannot open a file '
                                 "whose path has #, % or a control character: rename or link the file")
        return paths


class Mtail(Spec):
    job: JobName = "mtail"
    targets: HostPorts = Field(description="host:port of each mtail (default port 3903).")
    logs: list[LogSource] = Field(min_length=1)



class Collection(Spec):
    """What Prometheus scrapes, and how each signal of the plan is produced."""

    scrape_interval: Duration = "15s"
    scrape_timeout: Duration = "10s"
    external_labels: Labels = Field(default_factory=dict)
    applications: list[Application] = Field(default_factory=list)
    node_exporter: Exporter | None = None
    postgres_exporter: PostgresExporter | None = None
    blackbox: Blackbox | None = None
    mtail: Mtail | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Collection:
        interval, timeout = durations.parse_ms(self.scrape_interval), durations.parse_ms(self.scrape_timeout)
        if timeout > interval:
            raise ValueError(f"scrape_timeout {self.scrape_timeout} is longer than scrape_interval {self.scrape_interval}")
        if self.blackbox:
            for probe in self.blackbox.probes:
                # blackbox_exporter stops a probe half a second before Prometheus gives up on it.
                if durations.parse_ms(probe.timeout) > timeout - 500:
                    raise ValueError(f'probe "{probe.job}" has timeout {probe.timeout}, which does not fit in '
                                     f"scrape_timeout {self.scrape_timeout} less 0.5s")
        jobs = job_names(self)
        duplicate = next((job for index, job in enumerate(jobs) if job in jobs[:index]), None)
        if duplicate:
            raise ValueError(f'job "{duplicate}" is defined twice; each scrape job needs its own name')
        return self


def job_names(collection: Collection) -> list[str]:
    """Every scrape job, in the order prometheus.yml lists them."""
    jobs = [app.job for app in collection.applications]
    for exporter in (collection.node_exporter, collection.postgres_exporter):
        if exporter:
            jobs.append(exporter.job)
    if collection.blackbox:
        jobs.extend(probe.job for probe in collection.blackbox.probes)
    if collection.mtail:
        jobs.append(collection.mtail.job)
    return jobs
