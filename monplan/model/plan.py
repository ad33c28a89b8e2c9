"""The resolved plan: defaults applied, names derived, everything generators need, frozen.

Generators read only the model: this module's types and those it holds (the settings and
the document's words in monplan/model/settings.py, the collection in collection.py, the
routing in routing.py, the dashboards in boards.py). The model carries no spec: resolve
(monplan/model/resolve.py) is the one place that reads the checked spec, and
tests/unit/test_architecture.py keeps generators from reading `spec` or importing monplan.spec.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from monplan.diagnostics import Diagnostic, Path
from monplan.lang.thresholds import Kind, Threshold, format_decimal
from monplan.model.slo import Slo
from monplan.spec.types import PriorityName

if TYPE_CHECKING:
    from monplan.model.boards import Board
    from monplan.model.collection import Collection
    from monplan.model.routing import Routing
    from monplan.model.settings import Document, Settings
    from monplan.output.unitcache import UnitCache

SEVERITIES: tuple[PriorityName, ...] = ("critical", "high", "medium")


def of_service(series: str, service: str | None) -> str:
    """A recorded series narrowed to one service's copy: per-service rows share their series names."""
    return f'{series}{{service="{service}"}}' if service else series


@dataclass(frozen=True, slots=True)
class Watch:
    """An alert about the data itself rather than its value: a row's recorded series absent
    (`<AlertName>NoData`), or a collection job's targets down or missing (`<Job>TargetDown`,
    `<Job>TargetMissing`). It has no threshold and no recorded series of its own."""

    name: str
    kind: str  # "no_data" | "target_down" | "target_missing"
    expr: str
    for_: str
    priority: PriorityName
    labels: tuple[tuple[str, str], ...]  # sorted, includes severity and alert_kind
    annotations: tuple[tuple[str, str], ...]  # sorted
    group: str  # the row's section or focus area; "Collection" for a job's alerts
    group_slug: str  # the rule and test file it lands in
    subject: str  # the row's metric, or the job
    path: Path  # the row, or the job, in the plan
    line: int
    runbook_url: str | None = None
    series: str | None = None  # the row's recorded series (NoData)
    row: str | None = None  # the row's alert name (NoData)
    job: str | None = None  # the scrape job (target alerts)
    jobs: tuple[str, ...] = ()  # the scrape jobs a NoData alert's row reads, when known
    service: str | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """One alerting row of the plan (a table row, or a focus-area item with a threshold)."""

    name: str
    metric: str  # the plan's words, verbatim
    group: str  # the section or focus-area title the row belongs to
    group_slug: str  # file name of the rule and test files it lands in
    priority: PriorityName
    threshold: Threshold
    query: str  # PromQL of the measured value, as written in the plan
    record: str  # series the query is recorded as
    for_: str  # canonical duration, "0s" for Any
    labels: tuple[tuple[str, str], ...]  # sorted, includes severity
    annotations: tuple[tuple[str, str], ...]  # sorted, static text plus Go templates
    path: Path  # where the row is in the plan
    line: int
    tool: str | None = None
    component: str | None = None
    description: str | None = None
    baseline_record: str | None = None  # series holding the baseline, for 'of baseline' rows
    baseline_expr: str | None = None  # PromQL recorded as the baseline
    baseline_value: Decimal | None = None  # a numeric baseline from the plan
    # The default baseline (a week earlier, else a day earlier, else baseline_start): set for
    # rows whose baseline monplan chooses, None for a numeric baseline or a baseline_query.
    baseline_default: bool = False
    baseline_start: Decimal | None = None  # the default baseline's value before a day of history
    panel: str | None = None
    unit: str | None = None
    runbook_url: str | None = None
    origin: str = "section"  # "section" or "focus"
    service: str | None = None  # set for rows of per_service sections
    no_data: Watch | None = None  # the row's NoData alert, unless the plan turns it off
    slo: Slo | None = None  # an SLO row: burn-rate alerts replace the threshold alert (monplan/model/slo.py)

    @property
    def series(self) -> str:
        """The recorded series of this row, narrowed to its service when it has one."""
        return of_service(self.record, self.service)

    @property
    def baseline_series(self) -> str | None:
        return None if self.baseline_record is None else of_service(self.baseline_record, self.service)

    @property
    def record_labels(self) -> dict[str, str]:
        """Labels the recording rules stamp on their output (the service of a per-service row)."""
        return {"service": self.service} if self.service else {}

    @property
    def kind(self) -> Kind:
        return self.threshold.kind

    @property
    def expr(self) -> str:
        """The alert condition over the recorded series."""
        op = self.threshold.op
        if self.kind is Kind.RELATIVE and self.baseline_record:
            return f"{self.series} {op} {self.threshold.promql_value} * {self.baseline_series}"
        limit = self.fixed_limit
        assert limit is not None
        return f"{self.series} {op} {format_decimal(limit)}"

    @property
    def fixed_limit(self) -> Decimal | None:
        """The number the alert compares with, or None when it compares with a baseline series."""
        if self.kind is Kind.RELATIVE:
            return None if self.baseline_value is None else self.threshold.limit(self.baseline_value)
        return self.threshold.limit()

    @property
    def alert_names(self) -> tuple[str, ...]:
        """The names of the alerting rules of this row: its own, or an SLO row's burn alerts."""
        if self.slo is not None:
            return tuple(burn.name for burn in self.slo.alerts)
        return (self.name,)


@dataclass(frozen=True, slots=True)
class Panel:
    """A focus-area item with a query and no threshold: shown on dashboards, not alerted on."""

    title: str
    query: str
    group: str
    unit: str
    path: Path
    line: int
    panel: str = "timeseries"
    description: str | None = None


T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def grouped(items: Iterable[T], key: Callable[[T], K]) -> dict[K, list[T]]:
    """The items of each key, in their order."""
    out: dict[K, list[T]] = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


def first_by(items: Iterable[T], key: Callable[[T], K]) -> dict[K, T]:
    """The first item of each key."""
    out: dict[K, T] = {}
    for item in items:
        out.setdefault(key(item), item)
    return out


@dataclass(frozen=True)
class Plan:
    """The compiled plan."""

    file: str
    settings: Settings
    document: Document
    collection: Collection | None  # None: the plan has no `collection:`
    routing: Routing | None  # who each priority reaches, when; None without alert_routing
    alerts: tuple[Alert, ...]
    panels: tuple[Panel, ...]
    groups: tuple[tuple[str, str], ...]  # (slug, title) of rule groups in plan order
    warnings: tuple[Diagnostic, ...] = field(default=())
    target_watches: tuple[Watch, ...] = field(default=())  # TargetDown/TargetMissing per collection job
    targets_group: tuple[str, str] | None = None  # (slug, title) of the rule file holding target_watches
    validate_only: tuple[Diagnostic, ...] = field(default=())  # findings `monplan validate` reports (rotation/coverage)
    # What the last build wrote, for a build that keeps the files whose inputs did not change
    # (monplan/output/unitcache.py); set by the pipeline for one build, not part of the plan.
    unit_cache: UnitCache | None = field(default=None, compare=False, repr=False)
    @property
    def source(self) -> str:
        """The plan's file name, as the header of every generated file cites it."""
        return self.file.rsplit("/", 1)[-1]

    @property
    def evaluation_interval(self) -> str:
        return self.settings.evaluation_interval

    # Facts derived from the frozen plan, computed on first use (generators ask per alert) and
    # typed; a copy made with dataclasses.replace starts without them.
    @cached_property
    def _alerts_by_slug(self) -> dict[str, list[Alert]]:
        return grouped(self.alerts, lambda a: a.group_slug)

    @cached_property
    def _alert_by_name(self) -> dict[str, Alert]:
        return first_by(self.alerts, lambda a: a.name)

    @cached_property
    def _watch_by_name(self) -> dict[str, Watch]:
        return first_by(self.watches, lambda w: w.name)

    @cached_property
    def boards(self) -> list[Board]:
        """Every dashboard of the plan, in plan order, with unique uids (monplan/model/boards.py)."""
        from monplan.model.boards import resolve_boards

        return resolve_boards(self)

    @cached_property
    def alerts_by_row(self) -> dict[tuple[str, str | None], list[Alert]]:
        """The alerts of each (section or focus area, service), in plan order: indexed once for
        all dashboards, as a plan with services has a dashboard per service."""
        return grouped(self.alerts, lambda a: (a.group, a.service))

    @cached_property
    def panels_by_group(self) -> dict[str, list[Panel]]:
        """The focus-area panels of each group, in plan order."""
        return grouped(self.panels, lambda p: p.group)

    @cached_property
    def boards_showing(self) -> dict[int, list[Board]]:
        """id(alert) -> the dashboards (or parts) showing its panel, in plan order."""
        from monplan.model.boards import index_boards_showing

        return index_boards_showing(self)

    def alerts_in(self, slug: str) -> list[Alert]:
        return list(self._alerts_by_slug.get(slug, ()))

    def alert(self, name: str) -> Alert | None:
        """The first alert of this name."""
        return self._alert_by_name.get(name)

    @cached_property
    def watches(self) -> tuple[Watch, ...]:
        """Every NoData alert (rows in plan order), then the target alerts of the collection jobs."""
        return tuple(a.no_data for a in self.alerts if a.no_data is not None) + self.target_watches

    @cached_property
    def target_watches_by_job(self) -> dict[str | None, list[Watch]]:
        """The target alerts (TargetDown, TargetMissing) of each collection job."""
        return grouped(self.target_watches, lambda w: w.job)

    def watch(self, name: str) -> Watch | None:
        return self._watch_by_name.get(name)

    def watches_in(self, slug: str) -> list[Watch]:
        """The watches whose rules live in the rule file `slug`."""
        if self.targets_group is not None and slug == self.targets_group[0]:
            return list(self.target_watches)
        return [a.no_data for a in self.alerts_in(slug) if a.no_data is not None]

    def rule_files(self) -> list[tuple[str, str]]:
        """(slug, title) of every rule file, in plan order: the row groups with alerts, then the
        collection jobs' target alerts."""
        out = [(slug, title) for slug, title in self.groups if self.alerts_in(slug)]
        if self.targets_group is not None and self.target_watches:
            out.append(self.targets_group)
        return out
