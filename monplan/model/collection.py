"""What Prometheus scrapes, resolved: the plan's `collection:` with its defaults applied.

Built once by resolve (monplan/model/resolve.py) from the checked spec; prometheus.yml, the
blackbox modules, the postgres_exporter queries, the mtail programs, the data sources of
Grafana, the target alerts and the source checks all read these objects, never the spec.
A value the plan leaves out is filled in here (a query's timeout is the exporter's
statement_timeout); a value whose absence the output shows (an application's own
scrape_interval) stays None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monplan.spec import collection as spec


@dataclass(frozen=True, slots=True)
class Application:
    """Targets serving their own /metrics."""

    job: str
    targets: tuple[str, ...]
    metrics_path: str
    scheme: str
    scrape_interval: str | None  # None: the global one (prometheus.yml says nothing)
    labels: Mapping[str, str]
    metrics: tuple[str, ...]  # names or prefixes ending in *
    description: str | None


@dataclass(frozen=True, slots=True)
class Exporter:
    """A scrape job of exporters (node_exporter)."""

    job: str
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueryColumn:
    usage: str  # "label" | "counter" | "gauge"
    description: str


@dataclass(frozen=True, slots=True)
class PostgresQuery:
    metric: str
    description: str
    sql: str
    columns: tuple[tuple[str, QueryColumn], ...]  # in plan order
    timeout: str  # its own, else the exporter's statement_timeout

    def series(self) -> list[tuple[str, QueryColumn]]:
        """(series name, column) of each value column, in plan order."""
        return [(f"{self.metric}_{name}", col) for name, col in self.columns if col.usage != "label"]


@dataclass(frozen=True, slots=True)
class PostgresExporter:
    job: str
    targets: tuple[str, ...]
    dsn_file: str
    statement_timeout: str
    queries: tuple[PostgresQuery, ...]


@dataclass(frozen=True, slots=True)
class Probe:
    """A blackbox_exporter check of URLs (or host:port), with its own module."""

    job: str
    module: str
    prober: str
    urls: tuple[str, ...]
    tls: bool
    ca_file: str | None
    timeout: str
    method: str
    valid_status_codes: tuple[int, ...]  # empty: any 2xx
    body_must_match: str | None
    labels: Mapping[str, str]
    description: str | None


@dataclass(frozen=True, slots=True)
class Blackbox:
    exporter: str  # host:port of blackbox_exporter
    probes: tuple[Probe, ...]


@dataclass(frozen=True, slots=True)
class LogCounter:
    metric: str
    match: str
    description: str


@dataclass(frozen=True, slots=True)
class LogSource:
    format: str  # "auth" | "http_access" | "postgresql" | "security_audit"
    paths: tuple[str, ...]
    component: str | None
    pattern: str | None  # None: the format's own
    counters: tuple[LogCounter, ...]


@dataclass(frozen=True, slots=True)
class Mtail:
    job: str
    targets: tuple[str, ...]
    logs: tuple[LogSource, ...]


@dataclass(frozen=True, slots=True)
class Collection:
    """What Prometheus scrapes, and how each signal of the plan is produced."""

    scrape_interval: str
    scrape_timeout: str
    external_labels: Mapping[str, str]
    applications: tuple[Application, ...]
    node_exporter: Exporter | None
    postgres_exporter: PostgresExporter | None
    blackbox: Blackbox | None
    mtail: Mtail | None

    def job_names(self) -> list[str]:
        """Every scrape job, in the order prometheus.yml lists them."""
        jobs = [app.job for app in self.applications]
        for exporter in (self.node_exporter, self.postgres_exporter):
            if exporter:
                jobs.append(exporter.job)
        if self.blackbox:
            jobs.extend(probe.job for probe in self.blackbox.probes)
        if self.mtail:
            jobs.append(self.mtail.job)
        return jobs


def resolve_collection(given: spec.Collection | None) -> Collection | None:
    """The model of the plan's `collection:`; None without one."""
    if given is None:
        return None
    pg = given.postgres_exporter
    return Collection(
        scrape_interval=given.scrape_interval, scrape_timeout=given.scrape_timeout,
        external_labels=dict(given.external_labels),
        applications=tuple(Application(app.job, tuple(app.targets), app.metrics_path, app.scheme, app.scrape_interval,
                                       dict(app.labels), tuple(app.metrics), app.description)
                           for app in given.applications),
        node_exporter=None if given.node_exporter is None else Exporter(given.node_exporter.job,
                                                                        tuple(given.node_exporter.targets)),
        postgres_exporter=None if pg is None else PostgresExporter(
            pg.job, tuple(pg.targets), pg.dsn_file, pg.statement_timeout,
            tuple(PostgresQuery(q.metric, q.description, q.sql,
                                tuple((name, QueryColumn(c.usage, c.description)) for name, c in q.columns.items()),
                                q.timeout or pg.statement_timeout) for q in pg.queries)),
        blackbox=None if given.blackbox is None else Blackbox(given.blackbox.exporter, tuple(
            Probe(p.job, p.module, p.prober, tuple(p.urls), p.tls, p.ca_file, p.timeout, p.method,
                  tuple(p.valid_status_codes), p.body_must_match, dict(p.labels), p.description)
            for p in given.blackbox.probes)),
        mtail=None if given.mtail is None else Mtail(given.mtail.job, tuple(given.mtail.targets), tuple(
            LogSource(log.format, tuple(log.paths), log.component, log.pattern,
                      tuple(LogCounter(c.metric, c.match, c.description) for c in log.counters))
            for log in given.mtail.logs)),
    )
