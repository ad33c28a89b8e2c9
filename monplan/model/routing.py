"""Who an alert reaches: the plan's alert_routing resolved once, for every output that says it.

alertmanager.yml routes alerts; list, explain, diff, the runbooks and ONCALL.md say in words
whom they reach. All of them read this one object, so that they cannot disagree (they did:
list and explain once left out the critical period's receivers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monplan.model.plan import SEVERITIES
from monplan.spec.delivery import AlertRouting, BusinessHours, CriticalPeriodRoute, Receiver, Route

if TYPE_CHECKING:
    from monplan.model.settings import Settings

# Receivers, routes and business hours are immutable values of the spec that need no
# resolving: the model carries them as they are (generators import them from here).
__all__ = ["BusinessHours", "CriticalPeriod", "CriticalPeriodRoute", "Receiver", "Route", "Routing", "resolve_routing"]


@dataclass(frozen=True, slots=True)
class CriticalPeriod:
    """The monitoring period after deployment during which some priorities reach more people."""

    period: str  # its name in monitoring_duration
    start: dt.datetime
    end: dt.datetime
    priorities: tuple[str, ...]
    receivers: tuple[str, ...]


@dataclass(frozen=True)
class Routing:
    """The resolved alert_routing: routes by priority, the root route's receiver, the critical period."""

    routes: dict[str, Route]
    default_receiver: str  # the root route's: alerts of no known priority
    default_receiver_named: bool  # the plan chose it (alert_routing.default_receiver)
    critical_period: CriticalPeriod | None  # None without one, or when its window is unknown
    receivers: tuple[Receiver, ...]  # with their delivery settings, in plan order
    group_by: tuple[str, ...]
    inhibit_equal: tuple[str, ...]  # labels a critical alert shares with those it silences
    business_hours: BusinessHours
    business_hours_zone: str  # business_hours.timezone, else the plan's
    critical_period_route: CriticalPeriodRoute | None  # as the plan writes it, also when its window is unknown

    def receiver(self, name: str) -> Receiver | None:
        return next((r for r in self.receivers if r.name == name), None)

    @property
    def business_hours_used(self) -> bool:
        """Whether a route delivers only inside business hours."""
        return any(route.business_hours_only for route in self.routes.values())

    def during_critical_period(self, priority: str) -> tuple[str, ...]:
        """Receivers the critical period adds for `priority`, besides those it has anyway."""
        period = self.critical_period
        route = self.routes.get(priority)
        if period is None or route is None or priority not in period.priorities:
            return ()
        return tuple(name for name in dict.fromkeys(period.receivers) if name not in route.receivers)

    def receivers_for(self, priority: str) -> tuple[str, ...]:
        """Everyone an alert of `priority` may reach (any time of day, the critical period included):
        its route's receivers, else the root route's."""
        route = self.routes.get(priority)
        if route is None:
            return (self.default_receiver,)
        return tuple(dict.fromkeys(route.receivers)) + self.during_critical_period(priority)


def resolve_routing(routing: AlertRouting | None, settings: Settings) -> Routing | None:
    if routing is None:
        return None
    routes: dict[str, Route] = {priority: route for priority, route in routing.routes.items()}
    return Routing(routes, _default_receiver(routing), bool(routing.default_receiver),
                   _critical_period(settings, routing), tuple(routing.receivers), tuple(routing.group_by),
                   tuple(routing.inhibit_equal), routing.business_hours,
                   routing.business_hours.timezone or settings.timezone, routing.critical_period)


def _default_receiver(routing: AlertRouting) -> str:
    """Alerts of no known priority go to the on-call (the first receiver of high) unless the plan says."""
    if routing.default_receiver:
        return routing.default_receiver
    for priority in ("high", *SEVERITIES):
        if priority in routing.routes:
            return routing.routes[priority].receivers[0]
    return routing.receivers[0].name


def _critical_period(settings: Settings, routing: AlertRouting) -> CriticalPeriod | None:
    from monplan.model.schedule import period_window

    chosen = routing.critical_period
    if chosen is None:
        return None
    window = period_window(settings, chosen.period)
    if window is None or window[1] is None:
        return None
    return CriticalPeriod(chosen.period, window[0], window[1], tuple(chosen.priorities), tuple(chosen.receivers))
