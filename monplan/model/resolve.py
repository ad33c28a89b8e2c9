"""From a validated spec to the resolved model: derive names, apply defaults."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation

from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.lang import durations, naming
from monplan.lang.gotemplate import expand_value
from monplan.lang.thresholds import Kind, Threshold, float64_problem, format_decimal, parse_threshold
from monplan.model.collection import resolve_collection
from monplan.model.plan import Alert, Panel, Plan, of_service
from monplan.model.routing import resolve_routing
from monplan.model.services import Problem, rows_for
from monplan.model.settings import resolve_document, resolve_settings
from monplan.model.shared import Shared
from monplan.model.slo import SLI_KEYS, WINDOWS, Slo, burn_alerts, sli_templates
from monplan.model.watches import TARGETS_TITLE, jobs_reader, no_data_of, target_watches
from monplan.spec.loader import Located
from monplan.spec.metrics import AlertFields, FocusArea, SloFields
from monplan.spec.plan import Plan as Spec
from monplan.spec.safe import web_url
from monplan.spec.secrets import alternative, what_secret
from monplan.spec.services import Service
from monplan.spec.types import PLACEHOLDER, PriorityName

_RECORD_SUFFIX = {Kind.RATIO: "ratio", Kind.SECONDS: "seconds", Kind.ANY: "count",
                  Kind.NUMBER: "value", Kind.RELATIVE: "value"}
_HUMANIZE = {Kind.RATIO: "humanizePercentage", Kind.SECONDS: "humanizeDuration"}
# A run of braces holding a delimiter. The whole run is one Go string literal: escaping only
# the "{{" of "{{{" or the "}}" of "{}}" left a brace beside the inserted {{ ... }}, which
# then opened (or closed) an action of its own ({}} -> {{{ "}}" }}, a broken template).
_GO_TEMPLATE_DELIMS = re.compile(r"[{}]*(?:\{\{|\}\})[{}]*")


# Annotations people click: runbook_url, dashboard_url, grafana_link, playbook_href, ...
_LINK_KEY = re.compile(r"(url|uri|link|href)$", re.IGNORECASE)


def go_literal(text: str) -> str:
    """Text that Go's text/template (Prometheus, Alertmanager) prints as written: every run of
    braces with a '{{' or '}}' in it becomes an action printing it, as {{ "{{" }}."""
    if "{{" not in text and "}}" not in text:  # most texts: nothing the pattern could match
        return text
    return _GO_TEMPLATE_DELIMS.sub(lambda m: '{{ "' + m.group() + '" }}', text)


def resolve(spec: Spec, located: Located) -> tuple[Plan, list[Diagnostic]]:
    """Build the model, and the problems of rows whose fields do not fit what is derived from
    them (`rows/fields`). The model is complete even then, so that the checks (monplan/checks)
    run over it in the same pass: a plan's problems are reported in one run."""
    problems: list[Diagnostic] = []

    reported: set[Diagnostic] = set()

    def problem(path: Path, message: str, *, key: bool = False, check: str = "rows/fields") -> None:
        line, column = located.where(path, key=key)
        found = Diagnostic(located.file, line, column, message, format_path(path), check=check)
        if found not in reported:  # a per-service row's copies find its problems once per service
            reported.add(found)
            problems.append(found)

    alerts: list[Alert] = []
    panels: list[Panel] = []
    groups: list[tuple[str, str]] = []
    collection = resolve_collection(spec.collection)
    jobs_of = jobs_reader(collection)
    slugs: set[str] = set()  # of `groups`, kept beside it: a plan may have thousands of sections
    shared = Shared()  # the rows' label and annotation pairs, one object per distinct value
    for title, _path, component, rows, service in _row_groups(spec, located, problem):
        slug = f"services/{service.name}" if service else naming.slug(title)
        if service is None and slug in slugs:
            slug = f"{slug}-{len(groups) + 1}"
        if slug not in slugs:
            groups.append((slug, f"service {service.display}" if service else title))
            slugs.add(slug)
        for row_path, row, metric, tool in rows:
            if row.threshold is None:
                if row.query is not None:
                    panels.append(_panel(row, metric, title, row_path, located))
                continue
            alert = _alert(spec, located, row, row_path, metric, tool, title, slug, component, problem, service, shared)
            watch = no_data_of(spec, alert, row.no_data, jobs_of, shared)
            if watch is not None:  # the alert is new and not yet seen by anything: completed in place, not
                object.__setattr__(alert, "no_data", watch)  # copied (dataclasses.replace: 10% of resolve)
            alerts.append(alert)

    targets_slug = _free_slug("collection", {slug for slug, _ in groups})
    targets = target_watches(spec, located, targets_slug)
    settings = resolve_settings(spec)
    plan = Plan(located.file, settings, resolve_document(spec), collection, resolve_routing(spec.alert_routing, settings),
                tuple(alerts), tuple(panels), tuple(groups), target_watches=tuple(targets),
                targets_group=(targets_slug, TARGETS_TITLE) if targets else None)
    return plan, problems


def _free_slug(wanted: str, taken: set[str]) -> str:
    """`wanted`, or wanted-2, -3... when a section or focus area already has that file name."""
    slug, number = wanted, 1
    while slug in taken:
        number += 1
        slug = f"{wanted}-{number}"
    return slug


_Row = tuple[Path, AlertFields, str, str | None]  # the row, its metric (or item) and tool
_Group = tuple[str, Path, str | None, Sequence[_Row], Service | None]  # title, path, component, rows, service


def _row_groups(spec: Spec, located: Located, problem: Problem) -> Iterator[_Group]:
    """Every group of rows, in plan order: the sections (per-service ones once per service,
    service by service), then the focus areas (depth first)."""
    for index, section in enumerate(spec.sections):
        path: Path = ("sections", index)
        if not section.per_service:
            rows = [(path + ("metrics", i), row, row.metric, row.tool) for i, row in enumerate(section.metrics)]
            yield section.title, path, section.component, rows, None

    def line(path: Path) -> int:
        return located.where(path)[0]

    for number, service in enumerate(spec.services):
        for index, section in enumerate(spec.sections):
            if section.per_service:
                path = ("sections", index)
                rows = [(r.path, r.row, r.row.metric, r.row.tool)
                        for r in rows_for(section, path, service, problem, ("services", number), line)]
                yield section.title, path, section.component, rows, service
    yield from _area_groups(spec.focus_areas, ("focus_areas",), "", None)


def _area_groups(areas: list[FocusArea], path: Path, prefix: str, component: str | None) -> Iterator[_Group]:
    for index, area in enumerate(areas):
        here = path + (index,)
        title = f"{prefix}{area.title}"
        comp = area.component or component
        rows = [(here + ("items", i), item, item.item, None) for i, item in enumerate(area.items)]
        if rows:
            yield title, here, comp, rows, None
        yield from _area_groups(area.areas, here + ("areas",), f"{title} / ", comp)


def _panel(row: AlertFields, metric: str, group: str, path: Path, located: Located) -> Panel:
    return Panel(metric, row.query or "", group, row.unit or "short", path, located.where(path)[0],
                 row.panel or "timeseries", row.description)


def _alert(spec: Spec, located: Located, row: AlertFields, path: Path, metric: str, tool: str | None,
           group: str, slug: str, section_component: str | None, problem: Problem, service: Service | None = None,
           shared: Shared | None = None) -> Alert:
    threshold = parse_threshold(row.threshold or "")
    priority = row.priority or "medium"
    name = row.alert or naming.alert_name(metric)
    prefix = spec.defaults.record_prefix
    stem = naming.snake(row.alert or metric)
    record = row.record or f"{prefix}:{stem}:{_RECORD_SUFFIX[threshold.kind]}"
    slo_fields: SloFields | None = getattr(row, "slo", None)
    slo = None if slo_fields is None else slo_of(slo_fields, name, priority, f"{prefix}:{stem}", threshold.value,
                                                 service.name if service else None)
    query = row.query or ""
    if slo is not None:  # the row's value: the share of good events over the shortest window
        query = f"1 - {slo.read(slo.ratio_series(WINDOWS[0]))}"

    if row.for_ is not None:
        for_ = durations.canonical(row.for_)
    elif threshold.kind is Kind.ANY:
        for_ = "0s"
    elif threshold.sustained:
        for_ = durations.canonical(spec.defaults.sustained_for)
    else:
        for_ = durations.canonical(spec.defaults.for_)

    baseline_record = baseline_expr = None
    baseline_value: Decimal | None = None
    selected = of_service(record, service.name if service else None)
    baseline_start = None if row.baseline_start is None else Decimal(str(row.baseline_start))
    if threshold.kind is Kind.RELATIVE:
        baseline_value, baseline_expr = _baseline(row, threshold, path, selected, problem)
        if baseline_value is None:
            baseline_record = f"{prefix}:{stem}:baseline"
        if baseline_start is not None and (baseline_value is not None or row.baseline_query is not None):
            given = "baseline_query" if row.baseline_query is not None else "a numeric baseline"
            problem(path + ("baseline_start",), f"baseline_start applies only to the default baseline; this row has "
                    f"{given}, which decides its baseline from the first hour: remove baseline_start", key=True)
    else:
        if row.baseline_query is not None:
            problem(path + ("baseline_query",), 'baseline_query applies only to "of baseline" thresholds such as "<80% of baseline"', key=True)
        if baseline_start is not None:
            problem(path + ("baseline_start",), 'baseline_start applies only to "of baseline" thresholds such as "<80% of baseline"', key=True)
    baseline_default = threshold.kind is Kind.RELATIVE and baseline_value is None and row.baseline_query is None

    component = row.component or section_component or naming.snake(group)
    labels = {key: go_literal(value) for key, value in spec.defaults.labels.items()}
    labels.setdefault("service", naming.snake(spec.system))
    labels["component"] = go_literal(component)
    for key, value in row.labels.items():  # severity, alertname, ...: refused with the field (spec/types.py)
        if key == "service" and service is not None:
            problem(path + ("labels", key), '"service" is set by monplan to each service\'s name on the rows of a '
                    "per_service section (the rules read it); remove it", key=True)
        labels[key] = go_literal(value)
    if service is not None:
        labels["service"] = service.name
        labels.update({key: go_literal(value) for key, value in service.labels.items()})
    labels["severity"] = priority

    runbook_url = f"{spec.runbooks.base_url.rstrip('/')}/{name}.md" if spec.runbooks else None
    who = f"{service.display}: " if service else ""
    annotations = _annotations(who + metric, tool, group, priority, threshold, runbook_url)
    for key, text in row.annotations.items():
        if _LINK_KEY.search(key):  # Alertmanager's notifications and Grafana show it as a link
            try:
                web_url(text)
            except ValueError as err:
                problem(path + ("annotations", key), str(err))
        try:  # the user's own Go templates pass through, if the generated tests can predict them
            expanded = expand_value(text, 0.0, {})
        except ValueError as err:
            problem(path + ("annotations", key), f"{err}; generated tests compare annotations exactly, so plan "
                    "annotations may use {{ $value | humanize }}, humanizePercentage, humanizeDuration and {{ $labels.NAME }}")
        else:
            _expanded_secret(text, expanded, path + ("annotations", key), service, problem)
        annotations[key] = text
    line = located.where(path)[0]
    shared = Shared() if shared is None else shared
    return Alert(
        name=name, metric=metric, group=group, group_slug=slug, priority=priority, threshold=threshold,
        query=query, record=record, for_=for_, labels=shared.labels(labels),
        annotations=shared.annotations(annotations), path=path, line=line, tool=tool, component=component,
        description=row.description, baseline_record=baseline_record, baseline_expr=baseline_expr,
        baseline_value=baseline_value, baseline_default=baseline_default,
        baseline_start=baseline_start if baseline_default else None, panel=row.panel, unit=row.unit, runbook_url=runbook_url,
        origin="section" if path[0] == "sections" else "focus", service=service.name if service else None,
        slo=slo,
    )


def _expanded_secret(text: str, expanded: str, path: Path, service: Service | None, problem: Problem) -> None:
    """A secret that an annotation's template puts together, as the generated tests and
    runbooks hold it: `ghp_0123{{ "4567..." }}`, or `...{{ $labels.service }}` with the
    name of the service whose series the tests give (only a text the expansion changed)."""
    if expanded == text:
        return
    secret, whose = what_secret(expanded), ""
    if secret is None and service is not None and "$labels" in text:
        secret, whose = what_secret(expand_value(text, 0.0, {"service": service.name})), f' for service "{service.name}"'
    if secret:
        problem(path, f"once its template is expanded{whose}, this annotation looks like {secret}; secrets never go "
                f"in the plan: store it in a file and give the file's path in {alternative(path)}", check="spec/secrets")


def slo_of(fields: SloFields, name: str, priority: PriorityName, base: str, objective: Decimal,
           service: str | None = None) -> Slo | None:
    """The resolved SLO of a row whose threshold (checked already) is the objective; None for
    fields that make no SLI (reported by monplan/spec/slo_check.py)."""
    period = durations.canonical(fields.window)
    latency = None if fields.latency is None else parse_threshold(f"<{fields.latency}").value
    templates = sli_templates(fields.errors, fields.good, fields.total, latency, fields.buckets, fields.ratio,
                              fields.bool_gauge)
    if templates is None:
        return None
    fast, slow = burn_alerts(name, priority, period)
    kind = ("ratio" if fields.ratio is not None else "bool_gauge" if fields.bool_gauge is not None
            else "latency" if latency is not None
            else "errors" if fields.errors is not None else "good")
    return Slo(period=period, objective=objective, kind=kind, ratio_template=templates[0],
               total_template=templates[1], base=base,
               fast=fast, slow=slow, latency=latency,
               sli=tuple((key, value) for key in SLI_KEYS if (value := getattr(fields, key)) is not None),
               service=service)


def _baseline(row: AlertFields, threshold: Threshold, path: Path, record: str, problem: Problem) -> tuple[Decimal | None, str | None]:
    """A numeric baseline, or the PromQL recorded as the baseline (default: `default_baseline`)."""
    if row.baseline_query is not None:
        return None, row.baseline_query
    baseline = row.baseline
    number: Decimal | None = None
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        number = Decimal(str(baseline))
    elif isinstance(baseline, str) and not PLACEHOLDER.fullmatch(baseline.strip()):
        try:
            number = Decimal(baseline.strip()) if len(baseline) <= 400 else None
        except InvalidOperation:
            pass
        if number is None:
            problem(path + ("baseline",), f'"{clipped(baseline)}" cannot be compared with; an "of baseline" threshold '
                    "needs a number, [BASELINE] (the value one week earlier, else one day earlier), or a baseline_query")
    if number is None:
        return None, default_baseline(record, row.baseline_start)
    # The alert compares with factor * baseline; both, and the product, must be numbers Prometheus holds.
    trouble = float64_problem(number)
    if trouble is None:  # within 1e300, so the product cannot overflow Decimal
        limit = threshold.limit(number)
        trouble = float64_problem(limit) and f"times the threshold's factor ({clipped(str(limit))}) {float64_problem(limit)}"
    if trouble:
        problem(path + ("baseline",), f"the baseline {trouble}")
        return None, default_baseline(record, row.baseline_start)
    return number, None


def clipped(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def default_baseline(series: str, start: float | None) -> str:
    """The value one week earlier, else one day earlier, else `start`: the rules alert from their
    second day (from the first hour with a start), not only from their eighth.

    `or` keeps each series of its left side and adds those of its right side whose labels
    (the name aside) match none, so each series of the row falls back on its own. The start
    is given to every series the row has now: `(x == bool x)` is 1 or 0 for any value, NaN
    and infinities included, where `0 * x` would be NaN."""
    chain = f"{series} offset 1w or {series} offset 1d"
    if start is None:
        return chain
    number = format_decimal(Decimal(str(start)))
    return f"{chain} or 0 * ({series} == bool {series}) + {number}"


def _annotations(metric: str, tool: str | None, group: str, priority: str, threshold: Threshold,
                 runbook_url: str | None) -> dict[str, str]:
    value = f"{{{{ $value | {_HUMANIZE.get(threshold.kind, 'humanize')} }}}}"
    words = go_literal(metric)
    if threshold.kind is Kind.ANY:
        summary = f"{words}: {go_literal(threshold.text)}"
    else:
        detail = f" ({go_literal(threshold.description)})" if threshold.description else ""
        summary = f"{words} is {threshold.human()}{detail}"
    context = f"Section: {go_literal(group)}." + (f" Tool: {go_literal(tool)}." if tool else "")
    description = (f"{words} is {value}; the plan's threshold is {go_literal(threshold.text)} "
                   f"({priority.capitalize()} priority). {context}")
    out = {"summary": summary, "description": description, "threshold": go_literal(threshold.text),
           "section": go_literal(group)}
    if tool:
        out["tool"] = go_literal(tool)
    if runbook_url:
        out["runbook_url"] = go_literal(runbook_url)
    return out
