"""sources/unserved: does every metric the plan's queries read have a source in `collection:`?

A query that reads a series nobody produces never alerts: it is simply empty. When the
plan has a `collection:` part, monplan compares the metric names and `job="..."`
selectors of every query (rows, baselines, focus items, dashboard views) with what the
collection serves, and warns at the query's line about each one without a source.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from monplan.checks import Check, Context
from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.model.collection import Collection
from monplan.spec.loader import Located
from monplan.spec.metrics import FocusArea
from monplan.spec.plan import Plan as Spec

# Series Prometheus itself writes for every target and alert.
_BUILTIN = ("up", "scrape_*", "ALERTS", "ALERTS_FOR_STATE")


@dataclass(frozen=True)
class Source:
    pattern: str  # metric name, or prefix ending in *
    jobs: tuple[str, ...]  # jobs serving it; empty for Prometheus' own series
    what: str

    def serves(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.pattern)


def sources(collection: Collection) -> list[Source]:
    """Every metric name (or prefix) the collection produces, with the jobs that serve it."""
    from monplan.generators.mtail import counters

    out = [Source(name, (), "Prometheus") for name in _BUILTIN]
    for app in collection.applications:
        out.extend(Source(pattern, (app.job,), f"application {app.job}") for pattern in app.metrics)
    if collection.node_exporter:
        out.append(Source("node_*", (collection.node_exporter.job,), "node_exporter"))
    if collection.postgres_exporter:
        pg = collection.postgres_exporter
        out.append(Source("pg_*", (pg.job,), "postgres_exporter"))
        for query in pg.queries:
            out.extend(Source(name, (pg.job,), f"postgres_exporter query {query.metric}") for name, _ in query.series())
    if collection.blackbox:
        jobs = tuple(probe.job for probe in collection.blackbox.probes)
        out.append(Source("probe_*", jobs, "blackbox_exporter"))
    if collection.mtail:
        out.extend(Source(name, (collection.mtail.job,), "mtail") for name in counters(collection.mtail.logs))
    return out


def selectors(query: str) -> list[tuple[str, str | None]]:
    """(metric name, job="..." value or None) of every selector of a PromQL query."""
    import promql_parser

    found: list[tuple[str, str | None]] = []
    try:
        _selectors_into(found, promql_parser.parse(query))
    except (ValueError, TypeError):
        return []  # the plan checks report unparsable queries
    return found


def _selectors_into(found: list[tuple[str, str | None]], node: Any) -> None:
    if node is None:
        return
    if type(node).__name__ == "VectorSelector":
        matchers = node.matchers.matchers if node.matchers is not None else []
        name = node.name or next((m.value for m in matchers if m.name == "__name__"), None)
        job = next((m.value for m in matchers if m.name == "job" and str(m.op) == "MatchOp.Equal"), None)
        if name:
            found.append((name, job))
        return
    for attr in ("expr", "lhs", "rhs", "param", "vector_selector"):
        _selectors_into(found, getattr(node, attr, None))
    for arg in getattr(node, "args", None) or []:
        _selectors_into(found, arg)


def _queries(spec: Spec) -> Iterator[tuple[Path, str, str | None]]:
    """Every PromQL query of the plan with its path, and the service it is for (per-service rows)."""
    from monplan.model.services import substitute
    from monplan.spec.services import override_for, variables

    for i, section in enumerate(spec.sections):
        path = ("sections", i, "metrics")
        if not section.per_service:
            for j, row in enumerate(section.metrics):
                yield path + (j, "query"), row.query, None
                if row.baseline_query:
                    yield path + (j, "baseline_query"), row.baseline_query, None
            continue
        # A per-service row's query is a template: check what each service makes of it.
        for j, row in enumerate(section.metrics):
            for service in spec.services:
                override, values = override_for(service, row), variables(service)
                query = override.query if override is not None and override.query else row.query
                yield path + (j, "query"), substitute(query, values)[0], service.name
                if row.baseline_query:
                    yield path + (j, "baseline_query"), substitute(row.baseline_query, values)[0], service.name
    yield from _area_queries(spec.focus_areas, ("focus_areas",))
    for i, board in enumerate(spec.dashboards):
        for j, view in enumerate(board.views):
            for k, panel in enumerate(view.panels):
                yield ("dashboards", i, "views", j, "panels", k, "query"), panel.query, None



def _area_queries(items: list[FocusArea], path: Path) -> Iterator[tuple[Path, str, str | None]]:
    for i, area in enumerate(items):
        for j, item in enumerate(area.items):
            for key in ("query", "baseline_query"):
                if getattr(item, key):
                    yield path + (i, "items", j, key), getattr(item, key), None
        yield from _area_queries(area.areas, path + (i, "areas"))

def _problem(name: str, job: str | None, known: list[Source], jobs: set[str]) -> str | None:
    if ":" in name:
        return None  # a recorded series, produced by rules
    serving = [s for s in known if s.serves(name)]
    if not serving:
        return (f'"{name}" has no source in collection: add it to the metrics of the application that serves it, '
                "or collect it with an exporter, probe or log")
    if job is not None and job not in jobs:
        return f'job="{job}" is not a job of collection; the jobs are: {", ".join(sorted(jobs))}'
    if job is not None and not any(not s.jobs or job in s.jobs for s in serving):
        served_by = sorted({j for s in serving for j in s.jobs})
        return f'"{name}" is served by job {", ".join(served_by)}, not by job="{job}"'
    return None


def source_warnings(spec: Spec, collection: Collection | None, located: Located) -> list[Diagnostic]:
    """Warnings for query selectors no collection source serves (none without `collection:`)."""
    if collection is None:
        return []
    known = sources(collection)
    jobs = set(collection.job_names())
    out = []
    for path, query, service in _queries(spec):
        for name, job in dict.fromkeys(selectors(query)):
            message = _problem(name, job, known, jobs)
            if message:
                if service is not None:
                    message = f"for service {service}: {message}"
                line, column = located.where(path)
                out.append(Diagnostic(located.file, line, column, message, format_path(path), "warning",
                                      check=CHECK.id))
    return list(dict.fromkeys(out))


def run(ctx: Context) -> list[Diagnostic]:
    return source_warnings(ctx.spec, ctx.plan.collection, ctx.located)


CHECK = Check("sources/unserved", "every metric a query reads has a source in collection: (with collection:)",
              "warning", run, needs_valid_plan=True)
