"""Alerts for missing data: a row whose series vanished, a scrape job that is down.

An alert that sees no data stays silent, so a renamed job or metric silences the plan. Every
alerting row therefore gets a companion `<AlertName>NoData` alert on its recorded series:

    absent(monplan:x:ratio)                       # a plain row
    absent(monplan:x:ratio{service="checkout"})   # one service's copy of a per-service row

`absent()` of the series narrowed to the row's service fires when that service's copy is
gone even while other services still report; its equality matchers become the alert's
labels, so the service routes as the row does. The rule's `for` (defaults.no_data.for) is
the time the series has been absent: a recording rule whose query returns nothing writes a
stale marker at once, so absent() turns true at the next evaluation. (`absent_over_time`
would fire at the first evaluation of a fresh Prometheus, before any series had a chance to
exist; Prometheus restores the `for` state of pending alerts across restarts.)

Each job of `collection:` gets `<Job>TargetDown` (`up{job="..."} == 0`: a target answers no
scrape) and `<Job>TargetMissing` (`absent(up{job="..."})`: Prometheus has no target of the
job at all, e.g. the job was renamed in prometheus.yml or its discovery finds nothing). The
NoData alert of a row carries `scrape_jobs`, the jobs its query reads, so Alertmanager can
inhibit it while one of those jobs is down (the target alert says why the data is missing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from monplan.diagnostics import Path
from monplan.lang import durations, naming
from monplan.lang.first_event import counts_failures_of_a_gauge, without_offsets
from monplan.lang.thresholds import Kind
from monplan.model.plan import Alert, Watch
from monplan.model.shared import Shared
from monplan.spec.loader import Located
from monplan.spec.plan import Plan as Spec

if TYPE_CHECKING:
    from monplan.model.collection import Collection

NO_DATA = "no_data"
TARGET_DOWN = "target_down"
TARGET_MISSING = "target_missing"
KIND_LABEL = "alert_kind"  # on every watch: what kind of missing data it reports
JOBS_LABEL = "scrape_jobs"  # on NoData alerts: the jobs the row's query reads, comma-separated
TARGETS_TITLE = "Collection: scrape targets"

Problem = Callable[..., None]


def no_data_name(alert_name: str) -> str:
    return f"{alert_name}NoData"


def _go_literal(text: str) -> str:
    if "{{" not in text and "}}" not in text:  # most texts, spared the import below (four a row)
        return text
    from monplan.model.resolve import go_literal

    return go_literal(text)


def jobs_reader(collection: Collection | None) -> Callable[[str], tuple[str, ...]]:
    """A function giving the collection jobs whose series a query reads: those its selectors
    name with job="...", else those serving its metric names. Empty without `collection:`."""
    if collection is None:
        return lambda query: ()
    from monplan.checks.sources import selectors, sources

    known, jobs = sources(collection), set(collection.job_names())

    def read(query: str) -> tuple[str, ...]:
        found: set[str] = set()
        for name, job in selectors(query):
            if job is not None:
                found.update({job} & jobs)
            elif ":" not in name:  # a recorded series has no job of its own
                found.update(j for source in known if source.serves(name) for j in source.jobs)
        return tuple(sorted(found))

    return read


def no_data_of(spec: Spec, alert: Alert, enabled: bool | None, jobs_of: Callable[[str], tuple[str, ...]],
               shared: Shared | None = None) -> Watch | None:
    """The NoData companion of an alert, or None when the row or the defaults turn it off."""
    settings = spec.defaults.no_data
    # An "Any" row counts occurrences (errors, restarts): its series may rightly be absent until
    # the first one, so it gets a NoData alert only when the row asks for one; unless it counts
    # the failures of a health gauge (`sum(1 - probe_success{...})`), which has a value, 0,
    # while all is well: there an absent series is the check itself gone, and silence.
    default = settings.enabled and (alert.threshold.kind is not Kind.ANY
                                    or counts_failures_of_a_gauge(alert.query))
    if not (default if enabled is None else enabled):
        return None
    slo = alert.slo
    jobs = jobs_of(alert.query if slo is None else slo.ratio_expr("5m"))
    series = alert.series if slo is None else slo.read(slo.watched_series)
    wait = durations.canonical(settings.for_)
    labels = {key: value for key, value in alert.labels}
    labels["severity"] = settings.priority
    labels[KIND_LABEL] = NO_DATA
    if jobs:
        labels[JOBS_LABEL] = ",".join(jobs)
    name = no_data_name(alert.name)
    who = f"{alert.service}: " if alert.service else ""
    words = _go_literal(who + alert.metric)
    reads = f" Its query reads the scrape job{'s' if len(jobs) > 1 else ''} {', '.join(jobs)}." if jobs else ""
    fired = " and ".join(alert.alert_names)
    cannot = f"the alert{'s' if len(alert.alert_names) > 1 else ''} {fired} ({_go_literal(alert.threshold.text)})"
    annotations = {
        "summary": f"No data for {words}: {fired} cannot fire",
        "description": (f"The recorded series {_go_literal(series)} of {words} has been absent for {wait}, "
                        f"so {cannot} cannot fire.{reads} "
                        "Check that its targets are up and that the metric and label names in the query still "
                        f"exist. Section: {_go_literal(alert.group)}."),
        "section": _go_literal(alert.group),
    }
    expr = f"absent({series})"
    # A query reading the past (`offset 1w`) has no value until Prometheus holds that much
    # history: in the first week that is no missing data, so the NoData alert waits while the
    # same query read in the present has a value (it fires when that is gone too).
    present = without_offsets(alert.query) if slo is None else None
    if present is not None:
        expr = f"{expr} unless on () ({present})"
        annotations["description"] += (" Its query also reads past data (offset): while only that is missing "
                                        "(Prometheus does not hold it yet), this alert stays quiet.")
    runbook_url = f"{spec.runbooks.base_url.rstrip('/')}/{name}.md" if spec.runbooks else None
    if runbook_url:
        annotations["runbook_url"] = _go_literal(runbook_url)
    shared = Shared() if shared is None else shared
    return Watch(
        name=name, kind=NO_DATA, expr=expr, for_=wait, priority=settings.priority,
        labels=shared.labels(labels), annotations=shared.annotations(annotations), group=alert.group,
        group_slug=alert.group_slug, subject=alert.metric, path=alert.path, line=alert.line, runbook_url=runbook_url,
        series=series, row=alert.name, jobs=jobs, service=alert.service,
    )


def _jobs_with_paths(spec: Spec) -> Iterator[tuple[str, Path, str]]:
    """(job, where it is in the plan, what it collects) of every collection job, in prometheus.yml order."""
    collection = spec.collection
    if collection is None:
        return
    for index, app in enumerate(collection.applications):
        yield app.job, ("collection", "applications", index, "job"), f"application {app.job}"
    if collection.node_exporter:
        yield collection.node_exporter.job, ("collection", "node_exporter", "job"), "node_exporter"
    if collection.postgres_exporter:
        yield collection.postgres_exporter.job, ("collection", "postgres_exporter", "job"), "postgres_exporter"
    if collection.blackbox:
        for index, probe in enumerate(collection.blackbox.probes):
            yield probe.job, ("collection", "blackbox", "probes", index, "job"), f"blackbox probe {probe.job}"
    if collection.mtail:
        yield collection.mtail.job, ("collection", "mtail", "job"), "mtail"


def target_watches(spec: Spec, located: Located, slug: str) -> list[Watch]:
    """TargetDown and TargetMissing of every collection job."""
    settings = spec.defaults.no_data
    wait = durations.canonical(settings.target_down_for)
    base = {key: _go_literal(value) for key, value in spec.defaults.labels.items()}
    base.setdefault("service", naming.snake(spec.system))
    base["severity"] = settings.priority
    out = []
    for job, path, what in _jobs_with_paths(spec):
        stem = naming.alert_name(job)
        selector = f'up{{job="{job}"}}'
        cases = (
            (TARGET_DOWN, f"{stem}TargetDown", f"{selector} == 0",
             f"Prometheus cannot scrape {{{{ $labels.instance }}}} (job {job})",
             f"The target {{{{ $labels.instance }}}} of the scrape job {job} ({what}) has been down (up == 0) "
             f"for {wait}: the rows reading this job get no data from it."),
            (TARGET_MISSING, f"{stem}TargetMissing", f"absent({selector})",
             f"Prometheus has no target of the scrape job {job}",
             f"Prometheus has had no target of the scrape job {job} ({what}) for {wait}: the job is missing "
             "from its configuration (prometheus.yml) or its service discovery finds nothing, so every row "
             "reading this job has no data."),
        )
        for kind, name, expr, summary, description in cases:
            runbook_url = f"{spec.runbooks.base_url.rstrip('/')}/{name}.md" if spec.runbooks else None
            annotations = {"summary": summary, "description": description, "section": TARGETS_TITLE}
            if runbook_url:
                annotations["runbook_url"] = _go_literal(runbook_url)
            labels = {**base, KIND_LABEL: kind}
            out.append(Watch(
                name=name, kind=kind, expr=expr, for_=wait, priority=settings.priority,
                labels=tuple(sorted(labels.items())), annotations=tuple(sorted(annotations.items())),
                group=TARGETS_TITLE, group_slug=slug, subject=job, path=path, line=located.where(path)[0],
                runbook_url=runbook_url, job=job,
            ))
    return out


def condition(watch: Watch) -> str:
    """What a watch fires on, in words (monplan list's threshold column, explain)."""
    if watch.kind == NO_DATA:
        return f"no data for {watch.for_}"
    if watch.kind == TARGET_DOWN:
        return f"a target down (up == 0) for {watch.for_}"
    return f"no target at all for {watch.for_}"
