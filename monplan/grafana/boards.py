"""Which dashboards a plan has, what each shows, and where people open them.

Light on purpose (no grafanalib): the dashboards generator and the README of generated/
both read it. Every name here is derived from the plan, never random, so that the same
plan gives the same uids and links on every build.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from monplan import naming
from monplan.model import Plan
from monplan.spec.plan import Dashboard, View

UID_MAX = 40  # Grafana refuses longer uids
DASHBOARDS_DIR = "grafana/dashboards"


@dataclass(frozen=True)
class Board:
    """One dashboard: its spec fields, and the rule groups (sections, focus areas) it shows."""

    title: str
    uid: str
    link: str
    description: str | None
    groups: tuple[str, ...]  # titles of plan.groups, in plan order
    views: tuple[View, ...]
    spec: Dashboard | None  # None for a default dashboard
    service: str | None = None  # a service's own dashboard: its rows of the per-service sections

    @property
    def path(self) -> str:
        if self.service:
            return f"{DASHBOARDS_DIR}/services/{self.service}.json"
        return f"{DASHBOARDS_DIR}/{naming.slug(self.title)}.json"

    def shows(self, group: str, service: str | None) -> bool:
        """Whether a row of this section (of this service) has its panel here."""
        return group in self.groups and service == self.service


def stable_uid(*parts: str) -> str:
    """A Grafana uid from words of the plan: readable, at most 40 characters, never random.

    Too long a uid keeps its start and ends with a hash of the whole, so two long titles
    that share a beginning still get different uids.
    """
    text = "-".join(naming.slug(part) for part in parts if naming.slug(part))
    if len(text) <= UID_MAX:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{text[:UID_MAX - 9].rstrip('-')}-{digest}"


def _uid_words(title: str) -> str:
    """'Operations Dashboard' -> 'Operations': every uid here names a dashboard already."""
    words = title.split()
    if len(words) > 1 and words[-1].lower() == "dashboard":
        words = words[:-1]
    return " ".join(words)


def _groups_of(plan: Plan, sections: list[str], focus_areas: list[str]) -> tuple[str, ...]:
    """Titles of the rule groups a dashboard shows; a focus area brings its sub-areas along."""
    wanted: list[str] = []
    for _slug, title in plan.groups:
        if title in sections and any(s.title == title for s in plan.spec.sections):
            wanted.append(title)
        elif any(title == area or title.startswith(f"{area} / ") for area in focus_areas):
            wanted.append(title)
    return tuple(wanted)


def _default_specs(plan: Plan) -> list[Dashboard]:
    """The document's three dashboards, when a plan names none.

    Tables with a Tool column (the technical ones) go on Operations, tables with a Baseline
    column on Business Metrics, and the focus areas on Development; an empty one is left out.
    """
    baseline = [s.title for s in plan.spec.sections if any(row.baseline is not None for row in s.metrics)]
    technical = [s.title for s in plan.spec.sections if s.title not in baseline]
    areas = [area.title for area in plan.spec.focus_areas]
    boards = [
        Dashboard(title="Operations Dashboard", sections=technical),
        Dashboard(title="Development Dashboard", focus_areas=areas),
        Dashboard(title="Business Metrics Dashboard", sections=baseline),
    ]
    return [board for board in boards if board.sections or board.focus_areas]


def boards(plan: Plan) -> list[Board]:
    """Every dashboard of the plan, in plan order, with unique uids (computed once per plan)."""
    cached = plan.derived.get("boards")
    if cached is None:
        cached = plan.derived["boards"] = _boards(plan)
    return cached  # type: ignore[return-value]


def _boards(plan: Plan) -> list[Board]:
    spec = plan.spec
    specs = spec.dashboards or _default_specs(plan)
    base = (spec.endpoints.grafana_url or "").rstrip("/")
    out: list[Board] = []
    used: set[str] = set()
    for dashboard in specs:
        uid = dashboard.uid or stable_uid(spec.system, _uid_words(dashboard.title))
        if uid in used:  # two titles that differ only in punctuation
            uid = stable_uid(uid, str(len(out) + 1))
        used.add(uid)
        link = dashboard.link or f"{base}/d/{uid}"
        out.append(Board(
            title=dashboard.title, uid=uid, link=link, description=dashboard.description,
            groups=_groups_of(plan, dashboard.sections, dashboard.focus_areas),
            views=tuple(dashboard.views), spec=dashboard if spec.dashboards else None,
        ))
    per_service = tuple(section.title for section in spec.sections if section.per_service)
    for service in spec.services:
        uid = stable_uid(spec.system, "service", service.name)
        out.append(Board(
            title=f"{service.display} (service)", uid=uid, link=f"{base}/d/{uid}",
            description=f"{service.display}: the per-service sections of {spec.system}.",
            groups=per_service, views=(), spec=None, service=service.name,
        ))
    return out
