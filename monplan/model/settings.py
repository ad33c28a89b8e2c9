"""The plan's settings and the parts of its document, as resolve hands them to the generators.

`Settings` is what shapes the outputs besides the rows: the system's name, its time zone,
the deployment and monitoring periods, the rule defaults, the endpoints, the extra targets,
the people, rotation and escalation path, the reports and the refinement reviews.
`Document` is the prose PLAN.md and the runbooks render: the overview, each section's table
as written, the focus areas, the response procedures, the tools, the dashboards asked for.

Parts of the spec that are immutable values and need no resolving (a Deployment, the
Endpoints, a Person, a ResponseProcedure, ...: frozen pydantic models) are carried as they
are, and named here so that generators import them from the model, never from monplan.spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monplan.spec.delivery import Deployment, EscalationLevel, OnCall, Person, ResponseProcedure
from monplan.spec.metrics import SloFields
from monplan.spec.plan import (
    Activity,
    Dashboard,
    Endpoints,
    Period,
    Refinement,
    Reporting,
    ReportItem,
    SchedulePeriod,
    Tool,
    Variable,
    View,
    ViewPanel,
)
from monplan.spec.targets import NAME_MAX, Mimir, PrometheusOperator
from monplan.spec.types import PLACEHOLDER  # a value the plan has not decided yet: [DAY], [TIME]

if TYPE_CHECKING:
    from monplan.spec.metrics import FocusArea
    from monplan.spec.plan import Plan as Spec

__all__ = [
    "NAME_MAX", "PLACEHOLDER", "Activity", "AreaText", "Dashboard", "Deployment", "Document", "Endpoints", "EscalationLevel", "Mimir", "OnCall",
    "Period", "Person", "PrometheusOperator", "Refinement", "ReportItem", "Reporting", "ResponseProcedure", "RowText",
    "SchedulePeriod", "SectionText", "ServiceText", "Settings", "SloFields", "Tool", "Variable", "View", "ViewPanel",
    "resolve_document", "resolve_settings",
]


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything but the rows that decides what is generated."""

    system: str
    timezone: str  # the plan's zone: schedules, dashboards, business hours by default
    deployment: Deployment | None
    monitoring_duration: tuple[Period, ...]
    monitoring_schedule: tuple[SchedulePeriod, ...]
    evaluation_interval: str
    rules_per_group: int
    labels: Mapping[str, str]  # defaults.labels: on every alert
    endpoints: Endpoints
    prometheus_operator: PrometheusOperator | None  # targets: on when set
    mimir: Mimir | None
    runbooks_url: str | None  # runbooks.base_url
    people: tuple[Person, ...]
    oncall: OnCall | None
    escalation_path: tuple[EscalationLevel, ...]
    reporting: Reporting | None
    refinement: Refinement | None

    def person(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name), None)


@dataclass(frozen=True, slots=True)
class RowText:
    """A row of a section's table as the plan writes it (PLAN.md's cells)."""

    metric: str
    tool: str | None
    baseline: str | float | None
    threshold: str
    priority: str
    for_: str | None
    description: str | None
    annotations: Mapping[str, str]
    slo: SloFields | None


@dataclass(frozen=True, slots=True)
class SectionText:
    title: str
    description: str | None
    per_service: bool
    rows: tuple[RowText, ...]


@dataclass(frozen=True, slots=True)
class AreaText:
    """A focus area's words: its bullets, sub-areas and monitoring methods."""

    title: str
    description: str | None
    items_heading: str | None
    items: tuple[str, ...]
    areas: tuple[AreaText, ...]
    methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ServiceText:
    name: str
    display: str  # its title, else its name


@dataclass(frozen=True, slots=True)
class Document:
    """The parts of the plan that are read as written."""

    overview: str | None
    sections: tuple[SectionText, ...]
    focus_areas: tuple[AreaText, ...]
    services: tuple[ServiceText, ...]  # in plan order
    response_procedures: Mapping[str, ResponseProcedure]  # by priority
    tools: tuple[Tool, ...]
    dashboards: tuple[Dashboard, ...]  # as the plan lists them; none: the default ones (monplan/model/boards.py)


def resolve_settings(spec: Spec) -> Settings:
    defaults = spec.defaults
    return Settings(
        system=spec.system, timezone=spec.timezone, deployment=spec.deployment,
        monitoring_duration=tuple(spec.monitoring_duration), monitoring_schedule=tuple(spec.monitoring_schedule),
        evaluation_interval=defaults.evaluation_interval, rules_per_group=defaults.rules_per_group,
        labels=dict(defaults.labels), endpoints=spec.endpoints,
        prometheus_operator=spec.targets.prometheus_operator, mimir=spec.targets.mimir,
        runbooks_url=spec.runbooks.base_url if spec.runbooks else None,
        people=tuple(spec.people), oncall=spec.oncall, escalation_path=tuple(spec.escalation_path),
        reporting=spec.reporting, refinement=spec.refinement,
    )


def _area(area: FocusArea) -> AreaText:
    return AreaText(area.title, area.description, area.items_heading, tuple(item.item for item in area.items),
                    tuple(_area(sub) for sub in area.areas), tuple(area.methods))


def resolve_document(spec: Spec) -> Document:
    sections = tuple(
        SectionText(section.title, section.description, section.per_service, tuple(
            RowText(row.metric, row.tool, row.baseline, row.threshold, row.priority, row.for_, row.description,
                    row.annotations, row.slo) for row in section.metrics))
        for section in spec.sections)
    return Document(
        overview=spec.overview, sections=sections, focus_areas=tuple(_area(area) for area in spec.focus_areas),
        services=tuple(ServiceText(service.name, service.display) for service in spec.services),
        response_procedures={str(key): value for key, value in spec.response_procedures.items()}, tools=tuple(spec.tools),
        dashboards=tuple(spec.dashboards),
    )
