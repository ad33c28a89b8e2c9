"""The metric tables and the specific monitoring focus areas."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from monplan.spec.types import (
    AlertName, Duration, GrafanaUnit, Labels, Priority, PromQL, SeriesName, Spec, Text, ThresholdText,
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
    labels: Labels = Field(default_factory=dict, description="Extra labels on the alert.")
    annotations: dict[str, str] = Field(default_factory=dict, description="Extra annotations on the alert.")
    description: str | None = Field(None, description="What the metric means, shown in runbooks and dashboards.")
    panel: PanelKind | None = Field(None, description="Dashboard panel type; default by threshold kind.")
    unit: GrafanaUnit | None = Field(None, description="Dashboard unit; default by threshold kind.")
    no_data: bool | None = Field(None, description="false: no <AlertName>NoData alert for this row; "
                                 "true: one even for an Any row; default: defaults.no_data.enabled, "
                                 "except Any rows (their series may rightly be absent until the first event).")


class MetricRow(AlertFields):
    """One row of a metric table: Metric | Tool (or Baseline) | Threshold | Alert Priority."""

    metric: Text = Field(description="The Metric cell, verbatim.")
    tool: Text | None = Field(None, description="The Tool cell.")
    threshold: ThresholdText = Field(description=AlertFields.model_fields["threshold"].description)  # type: ignore[assignment]
    priority: Priority = Field(description="Critical, High or Medium (any case).")  # type: ignore[assignment]
    query: PromQL = Field(description=AlertFields.model_fields["query"].description)  # type: ignore[assignment]


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
    def _alert_needs_all_parts(self) -> "FocusItem":
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
    areas: list["FocusArea"] = Field(default_factory=list, description="Sub-areas, such as the features under New Features.")
