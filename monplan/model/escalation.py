"""The escalation path as ordered steps: who is engaged, how long after the alert.

A level with `rotation: true` is whoever is on call: the primary, and the secondary either
with them or `secondary_after` later. The on-call command, ONCALL.md, the runbooks and the
PagerDuty-shaped export all read these steps, so they can never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from monplan.lang import durations
from monplan.model.settings import Settings

ROLES = ("primary", "secondary")


@dataclass(frozen=True, slots=True)
class Step:
    level: str  # the plan's level, e.g. "On-Call Engineer"
    after_ms: int  # when this step is engaged, counted from the alert
    roles: tuple[str, ...] = ()  # rotation roles engaged: ("primary",), ("secondary",) or both
    people: tuple[str, ...] = ()  # people named in the plan

    @property
    def after(self) -> str:
        return durations.format_ms(self.after_ms)

    @property
    def title(self) -> str:
        if self.roles and len(self.roles) == 1:
            return f"{self.level} ({self.roles[0]})"
        return self.level

    def who(self, on_call: tuple[str, str] | None = None) -> list[str]:
        """Names engaged; rotation roles become the people on call when `on_call` (primary, secondary) is known."""
        names = [f"{role} on call" if on_call is None else on_call[ROLES.index(role)] for role in self.roles]
        return names + list(self.people)


def steps(settings: Settings) -> list[Step]:
    out: list[Step] = []
    for level in settings.escalation_path:
        after = durations.parse_ms(level.after)
        if level.rotation and level.secondary_after is not None:
            out.append(Step(level.level, after, ("primary",), tuple(level.people)))
            out.append(Step(level.level, durations.parse_ms(level.secondary_after), ("secondary",)))
        else:
            out.append(Step(level.level, after, ROLES if level.rotation else (), tuple(level.people)))
    return out


def delays_minutes(chain: list[Step], last: int = 30) -> list[int]:
    """Minutes each step waits before escalating to the next (PagerDuty's escalation_delay_in_minutes).

    The last step has nobody to escalate to; it keeps `last` minutes, PagerDuty requires a value.
    """
    out = []
    for index, step in enumerate(chain):
        following = chain[index + 1] if index + 1 < len(chain) else None
        out.append(max(1, (following.after_ms - step.after_ms) // 60_000) if following else last)
    return out


def on_call_names(settings: Settings, moment: dt.datetime) -> tuple[str, str] | None:
    from monplan.model.schedule import on_call_at

    window = on_call_at(settings, moment)
    return (window.primary, window.secondary) if window else None
