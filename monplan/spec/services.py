"""Plan reuse: sections written once and applied to many services.

    services:
      - name: checkout
        vars: {job: checkout-api}
        overrides:
          API Response Time: {threshold: ">300ms avg"}
    sections:
      - title: Service Health
        per_service: true
        metrics:
          - metric: API Response Time
            query: avg(rate(http_duration_seconds_sum{job="${job}"}[5m]))
                 / avg(rate(http_duration_seconds_count{job="${job}"}[5m]))
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from monplan.spec.types import Duration, Priority, ServiceLabels, Spec, Text, ThresholdText

if TYPE_CHECKING:
    from monplan.spec.metrics import MetricRow

SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_service_name(value: str) -> str:
    if not SERVICE_NAME.match(value):
        raise ValueError(f'"{value}" is not a service name; expected lower-case letters, digits, ".", "_" '
                         "and \"-\" (it becomes the service label and part of file names)")
    return value


# Values are words put into queries (job names, namespaces, durations, regex alternatives),
# never query fragments: quotes, brackets and operators could change what a query means.
VALUE = re.compile(r"^[A-Za-z0-9_.:/@+|*^$ -]*$")


def _check_variables(value: dict[str, str]) -> dict[str, str]:
    problems = []
    for key, text in value.items():
        if key == "service":
            problems.append('"service" is set from the service name; remove it from vars')
        elif not VARIABLE.match(key):
            problems.append(f'"{key}" is not a variable name; expected letters, digits and _ (used as ${{name}})')
        if not isinstance(text, str) or not VALUE.match(text):
            problems.append(f'the value of "{key}" may hold letters, digits, spaces and . _ : / @ + | * ^ $ - only '
                            "(a word put into the queries, not a piece of PromQL)")
    if problems:
        raise ValueError("; ".join(problems))
    return value


ServiceName = Annotated[str, AfterValidator(_check_service_name)]


class Override(Spec):
    """What one service changes in one row of a per-service section."""

    threshold: ThresholdText | None = None
    priority: Priority | None = None
    for_: Duration | None = Field(None, alias="for")
    query: str | None = Field(None, description="A different query for this service (variables allowed).")
    skip: bool = Field(False, description="This service does not have this row.")


class Service(Spec):
    name: ServiceName = Field(description="The service label value and the name of its files.")
    title: Text | None = Field(None, description="How dashboards and runbooks name it; default: name.")
    labels: ServiceLabels = Field(default_factory=dict, description="Extra labels on this service's alerts.")
    vars: Annotated[dict[str, str], AfterValidator(_check_variables)] = Field(
        default_factory=dict, description="Values for ${name} in the queries of per-service sections.")
    overrides: dict[str, Override] = Field(
        default_factory=dict, description="Per row (by metric or alert name): threshold, priority, for, query or skip.")

    @property
    def display(self) -> str:
        return self.title or self.name


# ${name} in a per-service row's texts (monplan/model/services.py puts the values in).
VARIABLE_REFERENCE = re.compile(r"\$\{([^}]*)\}")


def variables(service: Service) -> dict[str, str]:
    """What ${name} stands for in the service's copy of a row."""
    return {"service": service.name, **service.vars}


def override_for(service: Service, row: MetricRow) -> Override | None:
    """The service's override of a per-service row, keyed by the row's metric or alert name."""
    return service.overrides.get(row.metric) or (service.overrides.get(row.alert) if row.alert else None)


def override_key(service: Service, row: MetricRow) -> str:
    """The key of `service.overrides` that override_for finds the row's override under."""
    return row.metric if row.metric in service.overrides else row.alert or row.metric
