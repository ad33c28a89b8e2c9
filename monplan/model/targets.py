"""Which extra targets a build writes: the plan's `targets:`, plus any `--target` of one run.

The plan is the primary switch: `monplan build --check` in CI builds what the plan says, so
a target the team relies on belongs in the plan. `--target` only adds to it (never drops a
target the plan lists: a build removes the files of targets it no longer builds, and a
flag should not delete a team's committed manifests).

Light on purpose: the command line imports TARGETS for its help.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monplan.model.plan import Plan

# The names `--target` takes, which are also the keys of `targets:` in the plan.
TARGETS: tuple[str, ...] = ("prometheus-operator", "mimir")
_FIELDS = {"prometheus-operator": "prometheus_operator", "mimir": "mimir"}


def planned(plan: Plan) -> list[str]:
    """The targets the plan itself turns on."""
    return [name for name in TARGETS if getattr(plan.settings, _FIELDS[name]) is not None]


def not_in_plan(plan: Plan, names: Iterable[str]) -> list[str]:
    """Of `names`, those the plan does not list (their files would look stale to `build --check`)."""
    have = set(planned(plan))
    return [name for name in dict.fromkeys(names) if name not in have]


def with_targets(plan: Plan, names: Iterable[str]) -> Plan:
    """The plan with `names` turned on too, each with its defaults where the plan says nothing."""
    from monplan.model.settings import Mimir, PrometheusOperator

    defaults = {"prometheus-operator": PrometheusOperator, "mimir": Mimir}
    extra = {}
    for name in not_in_plan(plan, names):
        if name not in defaults:
            raise ValueError(f"unknown target {name!r}; expected one of {', '.join(TARGETS)}")
        extra[_FIELDS[name]] = defaults[name]()
    if not extra:
        return plan
    # New settings are a new plan: nothing derived from the old one may be reused.
    return replace(plan, settings=replace(plan.settings, **extra))
