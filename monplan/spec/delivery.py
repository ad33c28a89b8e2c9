"""Who is told and how: receivers, routes per priority, on-call rotation, escalation, procedures."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from monplan.spec.safe import EmailAddress, GroupLabel, HostPort, Mailbox, ReceiverName, SecretFile, Url
from monplan.spec.types import (
    Duration,
    LabelName,
    PlanDate,
    PlanDateTime,
    Priority,
    Spec,
    Text,
    TimeOfDay,
    TimeZone,
    Weekday,
)

SecretPath = SecretFile  # an absolute path, never a placeholder (monplan/spec/safe.py)

# The Alertmanager monplan's output is checked against (Debian's prometheus-alertmanager).
# Fields that came later are refused at their line rather than failing at load time.
ALERTMANAGER_VERSION = "0.25"
# A credential in a URL's query string (…?token=…) is a secret in the plan all the same.
_QUERY_SECRET = re.compile(r"[?&](?:access_token|api_?key|auth|key|password|passwd|secret|sig|signature|token)=[^&#\s]",
                           re.IGNORECASE)


_HH_MM = re.compile(r"\d\d:\d\d")


def _no_query_secret(url: str | None) -> str | None:
    if url is not None and _QUERY_SECRET.search(url):
        raise ValueError("this URL carries a credential in its query string; secrets never go in the plan: "
                         "give the URL without it and put the token in credentials_file")
    return url


class SlackReceiver(Spec):
    channel: Text
    api_url_file: SecretPath = Field(description="File holding the Slack webhook URL (a secret).")
    title: str | None = None


class PagerDutyReceiver(Spec):
    routing_key_file: SecretPath = Field(description="File holding the Events API v2 routing key (a secret).")
    url: Url | None = Field(None, description="Events API URL; default Alertmanager's.")

    _url = field_validator("url")(_no_query_secret)


class WebhookReceiver(Spec):
    url: Url | None = Field(None, description="Endpoint without credentials (e.g. a ticket bridge).")
    url_file: SecretPath | None = Field(None, description="File holding the endpoint URL when it carries a secret.")
    credentials_file: SecretPath | None = Field(None, description="File holding a bearer token.")
    max_alerts: int = Field(0, ge=0)

    _url = field_validator("url")(_no_query_secret)

    @field_validator("url_file")
    @classmethod
    def _url_file_supported(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(f"url_file needs Alertmanager 0.26 or newer; Alertmanager {ALERTMANAGER_VERSION} "
                             "(the version monplan checks against) refuses to load it: give url without "
                             "credentials and put the token in credentials_file")
        return value

    @model_validator(mode="after")
    def _one_url(self) -> WebhookReceiver:
        if (self.url is None) == (self.url_file is None):
            raise ValueError("give exactly one of url or url_file")
        return self


class EmailReceiver(Spec):
    to: list[Mailbox] = Field(min_length=1)
    sender: Mailbox = Field(alias="from")
    smarthost: HostPort = Field(description="host:port of the SMTP relay.")
    auth_username: str | None = None
    auth_password_file: SecretPath | None = None
    require_tls: bool = True


class Receiver(Spec):
    """A place alerts go; exactly one of slack, pagerduty, webhook or email (several for a fan-out)."""

    name: ReceiverName
    description: str | None = None
    slack: SlackReceiver | None = None
    pagerduty: PagerDutyReceiver | None = None
    webhook: WebhookReceiver | None = None
    email: EmailReceiver | None = None

    @model_validator(mode="after")
    def _has_integration(self) -> Receiver:
        if not any((self.slack, self.pagerduty, self.webhook, self.email)):
            raise ValueError("a receiver needs at least one of slack, pagerduty, webhook or email")
        return self


class Route(Spec):
    """How alerts of one priority are delivered."""

    receivers: list[Text] = Field(min_length=1)
    business_hours_only: bool = Field(False, description="Deliver only inside business hours (tickets).")
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None


def _workdays() -> list[Weekday]:
    return ["monday", "tuesday", "wednesday", "thursday", "friday"]


def _urgent() -> list[Priority]:
    return ["critical", "high"]


class BusinessHours(Spec):
    timezone: TimeZone | None = Field(None, description="Default: the plan's timezone.")
    weekdays: list[Weekday] = Field(default_factory=_workdays)
    start: TimeOfDay = "09:00"
    end: TimeOfDay = "17:00"

    @model_validator(mode="after")
    def _ordered(self) -> BusinessHours:
        if not (_HH_MM.fullmatch(self.start) and _HH_MM.fullmatch(self.end)):
            raise ValueError("business hours need real times of day, not placeholders; Alertmanager holds tickets by them")
        if self.end <= self.start:  # both are zero-padded HH:MM, so text order is time order
            raise ValueError(f"business hours end at {self.end}, not after they start at {self.start}; "
                             "give start and end of one day, e.g. 09:00 and 17:00")
        if not self.weekdays:
            raise ValueError("business hours need at least one weekday")
        return self


class CriticalPeriodRoute(Spec):
    """During the critical period after deployment, these priorities also reach these receivers."""

    receivers: list[Text] = Field(min_length=1)
    priorities: list[Priority] = Field(default_factory=_urgent)
    period: Text = Field("Critical Period", description="A period of monitoring_duration.")


class AlertRouting(Spec):
    group_by: list[GroupLabel] = Field(default_factory=lambda: ["alertname", "service", "component"])
    inhibit_equal: list[LabelName] = Field(
        default_factory=lambda: ["service", "component"],
        description="Labels a firing critical alert shares with the high and medium alerts it silences.")
    default_receiver: Text | None = Field(
        None, description="Receives alerts of no known priority; default: the first receiver of high (the on-call).")
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    receivers: list[Receiver] = Field(min_length=1)
    routes: dict[Priority, Route]
    critical_period: CriticalPeriodRoute | None = None


class DecisionPoint(Spec):
    when: Text = Field(description='The condition, e.g. "User-facing".')
    then: Text = Field(description="What to do.")


class ResponseProcedure(Spec):
    """The Alert Response Procedures of one priority."""

    immediate_actions: list[Text] = Field(default_factory=list)
    decision_points: list[DecisionPoint] = Field(default_factory=list)
    resolution_path: list[Text] = Field(default_factory=list)
    steps: list[Text] = Field(default_factory=list, description="Numbered steps, for priorities without phases.")


class Person(Spec):
    name: Text
    role: str | None = None
    email: EmailAddress | None = None
    pagerduty_user: str | None = Field(None, description="PagerDuty user id, for the escalation export.")
    oncall_user: str | None = Field(None, description="Grafana OnCall/IRM username or email; default: email, else name.")


class Shift(Spec):
    """A row of the On-Call Rotation table."""

    day: Text = Field(description='The Day cell: "Day 1", "Weekend", ...')
    primary: Text
    secondary: Text
    days: int = Field(1, ge=1, le=31, description="Length of the shift in calendar days.")
    start: PlanDateTime | None = Field(None, description="Local start; default: when the previous shift ends.")


class OnCall(Spec):
    timezone: TimeZone | None = Field(None, description="Default: the plan's timezone.")
    handoff: TimeOfDay = Field("09:00", description="Local time at which shifts change.")
    start: PlanDate | None = Field(None, description="Date of the first shift; default: the deployment date.")
    rotation: list[Shift] = Field(min_length=1)
    repeat: Literal["weekly", "none"] = Field(
        "weekly", description="weekly: the rotation starts again every week at the same local times (it must fit "
        "in a week); none: the list is all there is, and nobody is on call after its last shift.")


class EscalationLevel(Spec):
    level: Text = Field(description='The role, e.g. "Team Lead".')
    rotation: bool = Field(False, description="This level is whoever is on call (primary, then secondary).")
    people: list[Text] = Field(default_factory=list)
    after: Duration = Field("0m", description="Delay after the alert before this level is engaged.")
    secondary_after: Duration | None = Field(
        None, description="With rotation: true, when the secondary is engaged if the primary has not acknowledged; "
        "default: together with the primary.")


class Deployment(Spec):
    time: PlanDateTime = Field(description="When the release went to production, with its UTC offset.")
    timezone: TimeZone | None = None
    team: list[Text] = Field(default_factory=list, description="The deployment team (critical-period watch).")

    @model_validator(mode="after")
    def _aware(self) -> Deployment:
        if self.time.tzinfo is None:
            raise ValueError('deployment time needs a UTC offset, e.g. "2026-11-25T09:00:00+01:00"')
        return self


ReportKind = Literal["uptime", "errors_by_severity", "performance_vs_baseline", "user_activity", "incidents"]
