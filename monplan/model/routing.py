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
from monplan.spec.delivery import AlertRouting, Receiver, Route

if TYPE_CHECKING:
    from monplan.spec.plan import Plan as Spec




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

    spec: AlertRouting  # grouping, inhibition, business hours and the receivers' delivery settings
    routes: dict[str, Route]
    default_receiver: str  # the root route's: alerts of no known priority
    critical_period: CriticalPeriod | None  # None without one, or when its window is unknown

    def receiver(self, name: str) -> Receiver | None:
        return next((r for r in self.spec.receivers if r.name == name), None)

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


def resolve_routing(spec: Spec) -> Routing | None:
    routing = spec.alert_routing
    if routing is None:
        return None
    routes: dict[str, Route] = {priority: route for priority, route in routing.routes.items()}
    return Routing(routing, routes, _default_receiver(routing), _critical_period(spec, routing))


def _default_receiver(routing: AlertRouting) -> str:
    """Alerts of no known priority go to the on-call (the first receiver of high) unless the plan says."""
    if routing.default_receiver:
        return routing.default_receiver
    for priority in ("high", *SEVERITIES):
        if priority in routing.routes:
            return routing.routes[priority].receivers[0]
    return routing.receivers[0].name


def _critical_period(spec: Spec, routing: AlertRouting) -> CriticalPeriod | None:
    from monplan.model.schedule import period_window

    chosen = routing.critical_period
    if chosen is None:
        return None
    window = period_window(spec, chosen.period)
    if window is None or window[1] is None:
        return None
    return CriticalPeriod(chosen.period, window[0], window[1], tuple(chosen.priorities), tuple(chosen.receivers))
