"""The metric tables and the specific monitoring focus areas."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from monplan.spec.types import (
    AlertLabels,
    AlertName,
    Duration,
    GrafanaUnit,
    Priority,
    PromQL,
    SeriesName,
    Spec,
    Text,
    ThresholdText,
    parse_promql,
)

PanelKind = Literal["timeseries", "stat", "gauge"]


class AlertFields(Spec):
    """What a row may set about the alert it becomes; shared by table rows and focus items."""

    threshold: ThresholdText | None = Field(
        None, description='The cell as written: "<99.9%", ">500ms avg", ">70% sustained", "<80% of baseline", "Any".')
    priority: Priority | None = Field(None, description="Critical, High or Medium (any case).")
    query: PromQL | None = Field(
        None, description="PromQL whose value is the measured quantity in base units: "
        "a 0-1 fraction for percentages, seconds for durations, a count for 'Any'.")
    alert: AlertName | None = Field(None, description="Alert name; default: the metric in PascalCase.")
    for_: Duration | None = Field(None, alias="for", description="How long the condition must hold before firing.")
    record: SeriesName | None = Field(None, description="Name of the recorded series; default monplan:<metric>:<unit>.")
    baseline: str | float | None = Field(
        None, description='The Baseline column: a number, "[BASELINE]" (not known yet: use the value one week '
        "earlier), or text describing the expected level.")
    baseline_query: PromQL | None = Field(None, description="PromQL for the baseline of an 'of baseline' threshold.")
    baseline_start: float | None = Field(
        None, description="For an 'of baseline' row with the default baseline ([BASELINE] or none): the baseline "
        "until there is a value one day earlier, so the row alerts from the first hour after deployment.")
    component: Text | None = Field(None, description="Component label; alerts of one component inhibit each other.")
    labels: AlertLabels = Field(default_factory=dict, description="Extra labels on the alert.")
    annotations: dict[str, str] = Field(default_factory=dict, description="Extra annotations on the alert.")
    description: str | None = Field(None, description="What the metric means, shown in runbooks and dashboards.")
    panel: PanelKind | None = Field(None, description="Dashboard panel type; default by threshold kind.")
    unit: GrafanaUnit | None = Field(None, description="Dashboard unit; default by threshold kind.")
    no_data: bool | None = Field(None, description="false: no <AlertName>NoData alert for this row; "
                                 "true: one even for an Any row; default: defaults.no_data.enabled, "
                                 "except Any rows (their series may rightly be absent until the first event).")


def _check_sli_query(value: str) -> str:
    from monplan.model.slo import WINDOW_VARIABLE

    if WINDOW_VARIABLE not in value:
        raise ValueError("the query has no ${window}; expected a range such as "
                         "sum(rate(http_requests_total{job=\"api\"}[${window}])), ${window} becoming each alert window")
    parse_promql(value.replace(WINDOW_VARIABLE, "5m"))
    return value


def _check_latency(value: str) -> str:
    from monplan.lang.thresholds import Kind, ThresholdError, parse_threshold

    try:
        parsed = parse_threshold(f"<{value}") if isinstance(value, str) else None
    except ThresholdError:
        parsed = None
    if parsed is None or parsed.kind is not Kind.SECONDS or parsed.description or parsed.value <= 0:
        raise ValueError(f'"{value}" is not a latency bound; expected a duration such as "500ms" or "1.5s"')
    return value


def _check_buckets(value: str) -> str:
    from monplan.model.slo import bucket_problem

    problem = bucket_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _check_selector(value: str) -> str:
    from monplan.model.slo import _SELECTOR

    if _SELECTOR.match(value) is None:
        raise ValueError(f'"{value}" is not a series selector; expected one such as probe_success{{job="api"}}')
    parse_promql(value)
    return value


def _check_period(value: str) -> str:
    from monplan.lang import durations

    if durations.parse_ms(value) < 86_400_000:
        raise ValueError(f'the SLO period "{value}" is shorter than a day; expected a period such as "30d" or "28d"')
    return value


SliQuery = Annotated[str, AfterValidator(_check_sli_query)]
SloPeriod = Annotated[Duration, AfterValidator(_check_period)]


class SloFields(Spec):
    """A service level objective: the row's threshold ("<99.9%") is the objective, this the SLI."""

    window: SloPeriod = Field("30d", description="The SLO period the error budget is spent over (default 30d).")
    errors: SliQuery | None = Field(None, description="PromQL rate of bad events, with ${window} as its range.")
    good: SliQuery | None = Field(None, description="PromQL rate of good events, with ${window} (instead of errors).")
    total: SliQuery | None = Field(None, description="PromQL rate of all events, with ${window} as its range.")
    bool_gauge: Annotated[str, AfterValidator(_check_selector)] | None = Field(
        None, description="A boolean gauge's selector, such as probe_success{job=\"api\"}: the SLI is the share of "
        "its samples at 0 (Pyrra's bool gauge; instead of errors/good and total).")
    ratio: SliQuery | None = Field(None, description="PromQL of the error ratio itself (bad events over all events), "
                                   "with ${window}: an SLI already written as a ratio, such as Sloth's raw SLI "
                                   "(instead of errors/good and total).")
    latency: Annotated[str, AfterValidator(_check_latency)] | None = Field(
        None, description='A latency SLI: requests slower than this bound ("500ms") are errors; needs buckets.')
    buckets: Annotated[str, AfterValidator(_check_buckets)] | None = Field(
        None, description='The histogram\'s _bucket selector of a latency SLI, e.g. '
        'http_request_duration_seconds_bucket{job="api"}.')


# Stands in for the query of an SLO row, which has none of its own: resolve derives it.
SLO_QUERY_STAND_IN = "vector(1)"


def _query_or_slo(schema: dict[str, Any]) -> None:
    """In the JSON Schema, a row needs a query unless it has slo: (whose SLI is its query)."""
    schema["required"] = [name for name in schema.get("required", []) if name != "query"]
    schema["anyOf"] = [{"required": ["query"]}, {"required": ["slo"]}]


class MetricRow(AlertFields):
    """One row of a metric table: Metric | Tool (or Baseline) | Threshold | Alert Priority."""

    model_config = ConfigDict(**Spec.model_config, json_schema_extra=_query_or_slo)

    metric: Text = Field(description="The Metric cell, verbatim.")
    tool: Text | None = Field(None, description="The Tool cell.")
    threshold: ThresholdText = Field(description=AlertFields.model_fields["threshold"].description)
    priority: Priority = Field(description="Critical, High or Medium (any case).")
    query: PromQL = Field(description=AlertFields.model_fields["query"].description)
    slo: SloFields | None = Field(None, description="A service level objective: the threshold is the objective "
                                  "and this the SLI; compiled into error budgets and burn-rate alerts.")

    @model_validator(mode="before")
    @classmethod
    def _slo_rows_have_no_query(cls, data: Any) -> Any:
        """An SLO row's queries are in slo:; its query is derived when the plan is resolved."""
        if isinstance(data, dict) and data.get("slo") is not None and "query" not in data:
            return {**data, "query": SLO_QUERY_STAND_IN}
        return data


class Section(Spec):
    """A numbered table under Key Metrics to Monitor."""

    title: Text
    description: str | None = None
    component: Text | None = Field(None, description="Default component of the section's rows.")
    per_service: bool = Field(False, description="Apply this section to every service of `services:`; "
                              "queries may use ${service} and the services' vars.")
    metrics: list[MetricRow] = Field(min_length=1)


class FocusItem(AlertFields):
    """A bullet of a focus area: a panel when it has a query, an alert when it also has a threshold."""

    item: Text = Field(description="The bullet, verbatim.")

    @model_validator(mode="after")
    def _alert_needs_all_parts(self) -> FocusItem:
        given = {"threshold": self.threshold, "priority": self.priority}
        if any(value is not None for value in given.values()):
            missing = [name for name, value in given.items() if value is None]
            if self.query is None:
                missing.append("query")
            if missing:
                raise ValueError(f"an item with a threshold or priority is an alert and also needs: {', '.join(missing)}")
        return self


class FocusArea(Spec):
    """A specific monitoring focus area, possibly with sub-areas (New Features has three)."""

    title: Text
    description: str | None = None
    component: Text | None = None
    items_heading: str | None = Field(None, description='The heading of the bullets, e.g. "Key Queries" or "Metrics".')
    items: list[FocusItem] = Field(default_factory=list)
    methods: list[Text] = Field(default_factory=list, description="The Monitoring Method bullets.")
    areas: list[FocusArea] = Field(default_factory=list, description="Sub-areas, such as the features under New Features.")
