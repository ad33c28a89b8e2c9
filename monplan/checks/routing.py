"""routing/receivers: routes and the critical period name defined receivers, every priority in use has a route."""

from __future__ import annotations

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id)
    spec = ctx.spec
    routing = spec.alert_routing
    if routing is None:
        return []
    names = [r.name for r in routing.receivers]
    for index, name in enumerate(names):
        if names.index(name) != index:
            problem(("alert_routing", "receivers", index, "name"), f'receiver "{name}" is defined twice')
    for priority, route in routing.routes.items():
        for i, name in enumerate(route.receivers):
            if name not in names:
                problem.unknown(("alert_routing", "routes", priority, "receivers", i), name, names, "receiver")
    used = sorted({alert.priority for alert in ctx.plan.alerts})
    for priority in used:
        if priority not in routing.routes:
            problem(("alert_routing", "routes"), f'no route for priority "{priority}", which alerts in the plan use; '
                    f"add routes.{priority} with its receivers", key=True)
    if routing.critical_period:
        path = ("alert_routing", "critical_period")
        for i, name in enumerate(routing.critical_period.receivers):
            if name not in names:
                problem.unknown(path + ("receivers", i), name, names, "receiver")
        periods = [p.period for p in spec.monitoring_duration]
        if routing.critical_period.period not in periods:
            problem.unknown(path + ("period",), routing.critical_period.period, periods, "monitoring period")
        if spec.deployment is None:
            problem(path, "critical_period routing needs deployment.time to know when the period starts", key=True)
        period = next((p for p in spec.monitoring_duration if p.period == routing.critical_period.period), None)
        if period is not None and period.until is None:
            problem(path + ("period",), f'monitoring period "{period.period}" never ends (no until); critical-period '
                    "routing needs a period with an end")
        for i, priority in enumerate(routing.critical_period.priorities):
            if priority not in routing.routes:
                problem(path + ("priorities", i), f'no route for priority "{priority}"; add routes.{priority} first')
    if routing.default_receiver is not None and routing.default_receiver not in names:
        problem.unknown(("alert_routing", "default_receiver"), routing.default_receiver, names, "receiver")
    return problem.items


CHECK = Check("routing/receivers", "routes name defined receivers once each; every priority in use has a route",
              "error", run)
