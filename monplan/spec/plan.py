"""The whole plan document: version 1 of the plan.yaml format."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from monplan.spec.collection import Collection
from monplan.spec.delivery import (
    AlertRouting,
    Deployment,
    EscalationLevel,
    OnCall,
    Person,
    ReportKind,
    ResponseProcedure,
)
from monplan.spec.metrics import FocusArea, Section
from monplan.spec.safe import Link, Url
from monplan.spec.services import Service
from monplan.spec.targets import Targets
from monplan.spec.types import (
    AlertLabels,
    Duration,
    GrafanaUnit,
    PositiveDuration,
    Priority,
    PromQL,
    Spec,
    Text,
    TimeOfDay,
    TimeZone,
    Weekday,
)

_DURING = re.compile(r"^(?P<unit>hours?|days?)\s+(?P<first>\d+)\s*(?:-\s*(?P<last>\d+)?)?$", re.IGNORECASE)
# How far monitoring_schedule reaches: its first year. A bounded range becomes an event per
# check in schedule.ics ("days 2-300000" was 300,000 events, 2 GB and a minute to build; a
# range past year 9999 a traceback), and an open one ("days 8-") a single recurring event.
DURING_MAX_DAYS = 366
DURING_MAX_HOURS = 24 * DURING_MAX_DAYS


class NoDataDefaults(Spec):
    """The companion alerts that say a row has no data (a renamed job or metric would otherwise
    silence its alert) and that a scrape job is down."""

    enabled: bool = Field(True, description="Give every alerting row a <AlertName>NoData alert; "
                          "a row's `no_data: false` (or `true`) overrides this.")
    for_: PositiveDuration = Field("15m", alias="for", description="How long a row's recorded series must be "
                                   "absent before its NoData alert fires.")
    priority: Priority = Field("high", description="Severity of the NoData and target-down alerts.")
    target_down_for: PositiveDuration = Field("5m", description="How long a scrape job's target must be down "
                                              "(up == 0), or the job missing, before its alert fires.")


class Defaults(Spec):
    for_: Duration = Field("5m", alias="for", description="How long rows wait before firing.")
    sustained_for: Duration = Field("15m", description='The wait of a "sustained" threshold.')
    evaluation_interval: PositiveDuration = Field("1m", description="Rule evaluation interval.")
    record_prefix: str = Field("monplan", pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$",
                               description="Level part of recorded series names (level:metric:operations).")
    labels: AlertLabels = Field(default_factory=dict, description="Labels on every alert, e.g. service and team.")
    rules_per_group: int = Field(20, ge=2, le=200, description="Most rules in one rule group.")
    no_data: NoDataDefaults = Field(default_factory=NoDataDefaults, description=(
        "Alerts for missing data: a NoData alert per row, a target-down alert per collection job."))
    disable_checks: list[str] = Field(default_factory=list, description=(
        "Check ids whose warnings this plan silences (`monplan checks` lists them; a family such as units "
        "silences units/*). One place: a `# monplan: disable=<id>` comment on its line or the line above."))

    @field_validator("disable_checks")
    @classmethod
    def _known_checks(cls, value: list[str]) -> list[str]:
        import difflib

        from monplan.checks import known_ids

        known = known_ids()
        families = {id_.split("/")[0] for id_ in known}
        problems = []
        for id_ in value:
            if id_ not in known and id_ not in families:
                close = difflib.get_close_matches(id_, list(known), n=1, cutoff=0.6)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                problems.append(f'unknown check "{id_}"{hint}; `monplan checks` lists the ids')
            elif id_ in known and known[id_][1] == "error":
                problems.append(f'"{id_}" reports errors, which cannot be silenced: the output would be wrong')
        if problems:
            raise ValueError("; ".join(problems))
        return value


class Period(Spec):
    """A line of Monitoring Duration, measured from the deployment time."""

    period: Text
    description: str | None = None
    from_: Duration = Field(alias="from")
    until: Duration | None = Field(None, description="End of the period; none for ongoing.")


class Activity(Spec):
    during: Text = Field(description='"hours 1-4", "days 2-7" or "days 8-" (open-ended), counted from deployment.')
    activity: Text
    cadence: Literal["continuous", "hourly", "daily", "weekly", "once"] | None = None
    at: list[TimeOfDay] = Field(default_factory=list, description="Local times of day for scheduled checks.")
    owner: str | None = None

    @field_validator("during")
    @classmethod
    def _during(cls, value: str) -> str:
        problem = during_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def during_problem(value: str) -> str | None:
    """What is wrong with an activity's `during`, or None: the one rule, shared by the plan's
    validation and `monplan import` (which reports it at the document's line)."""
    match = _DURING.match(value.strip())
    if not match:
        return f'cannot read "{value}"; expected "hours 1-4", "days 2-7", "day 1" or "days 8-"'
    unit, most = ("hour", DURING_MAX_HOURS) if match["unit"].lower().startswith("hour") else ("day", DURING_MAX_DAYS)
    # Digits beyond the limit are not read as a number at all (Python refuses 4,300 of them).
    first, last = (int(text) if len(text) <= 9 else most + 1 for text in (match["first"], match["last"] or "0"))
    if first < 1 or (match["last"] is not None and last < first):
        return f'"{value}" is an empty range; hours and days count from 1'
    if max(first, last) > most:
        return (f'"{value}" goes past {unit} {most}; the schedule plans the first year after the deployment '
                f'(hours 1 to {DURING_MAX_HOURS}, days 1 to {DURING_MAX_DAYS}), each of its checks a calendar '
                'event: an activity that goes on is an open range such as "days 8-", which repeats for ever')
    return None


class SchedulePeriod(Spec):
    period: Text
    activities: list[Activity] = Field(min_length=1)


class Tool(Spec):
    category: Text = Field(description='e.g. "APM Solution"')
    name: Text = Field(description="The product used; [TOOL_NAME] while undecided.")
    covers: list[Text] = Field(default_factory=list)


def _check_dashboard_query(value: str) -> str:
    from monplan.lang.promql import check

    return check(value)


# A dashboard query: PromQL that may use Grafana's macros ($__rate_interval) and variables.
DashboardQuery = Annotated[str, AfterValidator(_check_dashboard_query)]


class ViewPanel(Spec):
    title: Text
    query: DashboardQuery
    unit: GrafanaUnit = "short"
    legend: str | None = Field(None, description="Legend format, e.g. {{component}}.")
    panel: Literal["timeseries", "stat", "gauge", "bargauge", "table"] = "timeseries"


class View(Spec):
    """A custom view (a row of panels that are not alerts), e.g. Error rates by component."""

    title: Text
    panels: list[ViewPanel] = Field(min_length=1)


class Variable(Spec):
    """A dashboard variable over a label, e.g. instance; it filters the panels whose query groups by it."""

    name: Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")] = Field(description="The label, e.g. instance or environment.")
    label: Text | None = Field(None, description="Shown next to the drop-down; default: the name, capitalised.")
    values: PromQL | None = Field(None, description="Series whose label values are offered, e.g. node_uname_info{job=\"node\"}.")


class Dashboard(Spec):
    title: Text
    uid: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")] | None = Field(
        None, description="Grafana uid; default: derived from the system and the title.")
    link: Link | None = Field(None, description="Where people open it: an http(s) URL or a path on Grafana's server; "
                              "default: grafana.url + the generated uid.")
    description: str | None = None
    sections: list[Text] = Field(default_factory=list, description="Titles of sections shown on this dashboard.")
    focus_areas: list[Text] = Field(default_factory=list, description="Titles of focus areas shown on this dashboard.")
    views: list[View] = Field(default_factory=list)
    variables: list[Variable] = Field(default_factory=list, description="Variables besides the data source.")


class Endpoints(Spec):
    grafana_url: Url | None = None
    grafana_folder: Text = "Monitoring"
    grafana_dashboards_path: str = Field("/var/lib/grafana/dashboards", description="Where Grafana reads generated/grafana/dashboards.")
    prometheus_url: Url = "http://127.0.0.1:9090"
    alertmanager_url: Url = "http://127.0.0.1:9093"


class ReportItem(Spec):
    item: Text
    kind: ReportKind
    sections: list[Text] = Field(default_factory=list, description="Sections whose rows feed this item.")


class DailyReport(Spec):
    time: TimeOfDay = "08:00"
    contents: list[ReportItem] = Field(min_length=1)


class WeeklyReview(Spec):
    day: Weekday | Literal["[DAY]"]
    time: TimeOfDay
    duration: Duration = "1h"
    participants: list[Text] = Field(default_factory=list)
    agenda: list[Text] = Field(default_factory=list)


class Reporting(Spec):
    daily_report: DailyReport
    weekly_review: WeeklyReview


class Refinement(Spec):
    review_after: list[Duration] = Field(default_factory=lambda: ["24h"])
    actions: list[Text] = Field(default_factory=list)
    full_review_after: Duration | None = None
    statement: str | None = None


class Runbooks(Spec):
    base_url: Url = Field(description="URL the generated runbooks are published under; runbook_url = base_url + AlertName.md")


class Plan(Spec):
    """A post-deployment monitoring plan."""

    version: Literal[1]
    system: Text
    overview: str | None = None
    timezone: TimeZone = Field("UTC", description="Default time zone of schedules, rotation and business hours.")
    deployment: Deployment | None = None
    defaults: Defaults = Field(default_factory=Defaults)
    monitoring_duration: list[Period] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list, description="Services the per_service sections apply to.")
    sections: list[Section] = Field(min_length=1, description="Key Metrics to Monitor: one entry per table.")
    monitoring_schedule: list[SchedulePeriod] = Field(default_factory=list)
    response_procedures: dict[Priority, ResponseProcedure] = Field(default_factory=dict)
    alert_routing: AlertRouting | None = None
    focus_areas: list[FocusArea] = Field(default_factory=list)
    tools: list[Tool] = Field(default_factory=list)
    dashboards: list[Dashboard] = Field(default_factory=list)
    endpoints: Endpoints = Field(default_factory=Endpoints)
    people: list[Person] = Field(default_factory=list)
    oncall: OnCall | None = None
    escalation_path: list[EscalationLevel] = Field(default_factory=list)
    reporting: Reporting | None = None
    refinement: Refinement | None = None
    runbooks: Runbooks | None = None
    collection: Collection | None = Field(None, description="What Prometheus scrapes: targets, exporters, probes, logs.")
    targets: Targets = Field(default_factory=Targets, description=(
        "Outputs besides the Prometheus files: Prometheus Operator manifests, Mimir rule namespaces."))
