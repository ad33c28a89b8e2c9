"""Which dashboards a plan has, what each shows, and where people open them.

Light on purpose (no grafanalib): the dashboards generator and the README of generated/
both read it. Every name here is derived from the plan, never random, so that the same
plan gives the same uids and links on every build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

from monplan.lang import naming
from monplan.model.plan import Alert, Panel, Plan
from monplan.model.settings import Dashboard, Variable, View

UID_MAX = 40  # Grafana refuses longer uids
DASHBOARDS_DIR = "grafana/dashboards"
# The most panels of rows (alert rows, focus-area items, view panels) one dashboard holds.
# Grafana renders and queries a dashboard's panels in the browser; past about a hundred it
# slows to a crawl and a 10,000-panel dashboard (27 MB) does not open. A dashboard with more
# is split into parts of at most MAX_PANELS, linked to each other (see `_split`).
MAX_PANELS = 100

# (kind, index, first, end): on a dashboard's part, panels first..end-1 of one of its rows;
# kind "group" indexes Board.groups, kind "view" Board.views.
Slice = tuple[str, int, int, int]


@dataclass(frozen=True)
class Board:
    """One dashboard: the plan's words about it, and the rule groups (sections, focus areas) it shows."""

    title: str
    uid: str
    link: str
    description: str | None
    groups: tuple[str, ...]  # titles of plan.groups, in plan order
    views: tuple[View, ...]
    variables: tuple[Variable, ...]  # besides the data source; none on a default dashboard
    service: str | None = None  # a service's own dashboard: its rows of the per-service sections
    # A dashboard with more than MAX_PANELS panels is split: part k of `parts` (from 1) shows
    # the panels `slices` names; a dashboard that fits is one Board with part 0 and no slices.
    part: int = 0
    parts: int = 0
    slices: tuple[Slice, ...] = ()
    stem: str = ""  # a part's: the whole dashboard's path without ".json" (part 1 keeps that path)

    @property
    def path(self) -> str:
        if self.stem:
            return f"{self.stem}.json" if self.part == 1 else f"{self.stem}-{self.part}.json"
        if self.service:
            return f"{DASHBOARDS_DIR}/services/{self.service}.json"
        return f"{DASHBOARDS_DIR}/{naming.slug(self.title)}.json"


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


class _GroupIndex:
    """Where each rule group title, and each focus-area title it is under, is in plan order: a
    dashboard then finds its groups by the names it lists, never by going through every group
    of the plan (thousands of dashboards times thousands of sections)."""

    def __init__(self, plan: Plan) -> None:
        self.titles = [title for _slug, title in plan.groups]
        self.sections = {s.title for s in plan.document.sections}
        self.by_title: dict[str, list[int]] = {}
        self.by_area: dict[str, list[int]] = {}  # an area's title -> its groups and those of its sub-areas
        for position, title in enumerate(self.titles):
            self.by_title.setdefault(title, []).append(position)
            for prefix in area_prefixes(title):
                self.by_area.setdefault(prefix, []).append(position)

    def groups_of(self, sections: list[str], focus_areas: list[str]) -> tuple[str, ...]:
        """Titles of the rule groups a dashboard shows, in plan order; a focus area brings its sub-areas along."""
        found: set[int] = set()
        for title in set(sections) & self.sections:
            found.update(self.by_title.get(title, ()))
        for area in set(focus_areas):
            found.update(self.by_area.get(area, ()))
        return tuple(self.titles[position] for position in sorted(found))


def area_prefixes(title: str) -> Iterator[str]:
    """A focus area's title and those of the areas it is under: "A / B / C", "A / B", "A"."""
    yield title
    start = title.rfind(" / ")
    while start > 0:
        yield title[:start]
        start = title.rfind(" / ", 0, start + 2)  # any earlier one, also one overlapping this ("A / / B")


def _default_specs(plan: Plan) -> list[Dashboard]:
    """The document's three dashboards, when a plan names none.

    Tables with a Tool column (the technical ones) go on Operations, tables with a Baseline
    column on Business Metrics, and the focus areas on Development; an empty one is left out.
    """
    baseline = [s.title for s in plan.document.sections if any(row.baseline is not None for row in s.rows)]
    technical = [s.title for s in plan.document.sections if s.title not in baseline]
    areas = [area.title for area in plan.document.focus_areas]
    boards = [
        Dashboard(title="Operations Dashboard", sections=technical),
        Dashboard(title="Development Dashboard", focus_areas=areas),
        Dashboard(title="Business Metrics Dashboard", sections=baseline),
    ]
    return [board for board in boards if board.sections or board.focus_areas]


def boards(plan: Plan) -> list[Board]:
    """Every dashboard of the plan, in plan order, with unique uids (computed once per plan)."""
    return plan.boards


def row_items(plan: Plan, board: Board, group: str) -> list[Alert | Panel]:
    """What a row of `board` shows, in order: the alerts of the group (for the board's service),
    then the group's focus-area panels."""
    return [*plan.alerts_by_row.get((group, board.service), ()), *plan.panels_by_group.get(group, ())]


def boards_showing(plan: Plan) -> dict[int, list[Board]]:
    """id(alert) -> the dashboards (or parts) showing its panel, in plan order (computed once)."""
    return plan.boards_showing


def index_boards_showing(plan: Plan) -> dict[int, list[Board]]:
    """One pass over the dashboards' rows, so that it stays linear however many there are."""
    found: dict[int, list[Board]] = {}
    by_row = plan.alerts_by_row
    for board in plan.boards:
        if board.slices:
            shown = [alert for kind, number, first, end in board.slices if kind == "group"
                     for alert in by_row.get((board.groups[number], board.service), [])[first:end]]
        else:
            shown = [alert for group in board.groups for alert in by_row.get((group, board.service), [])]
        for alert in shown:
            found.setdefault(id(alert), []).append(board)
    return found


def drawn(item: Alert | Panel) -> int:
    """The panels a row item draws on a dashboard: an SLO row's value, budget and burn rates."""
    return 3 if getattr(item, "slo", None) is not None else 1


def _split(plan: Plan, board: Board, base: str, used: set[str]) -> list[Board]:
    """The board, or its parts when it has more than MAX_PANELS panels.

    Rows are taken in order, counted in the panels they draw (an SLO row three); a row that
    does not fit in what is left of a part starts the next one, and a row of more than
    MAX_PANELS panels continues over as many parts as it
    needs (its header repeated on each). Part 1 keeps the dashboard's uid (links to it keep working), the others
    add their number to it and to the file name; all carry a tag that lists them together.
    """
    # What each item draws: an SLO row three panels (its value, budget remaining, burn rates).
    sizes: list[tuple[str, int, list[int]]] = [("group", number, [drawn(item) for item in row_items(plan, board, group)])
                                               for number, group in enumerate(board.groups)]
    sizes += [("view", number, [1] * len(view.panels)) for number, view in enumerate(board.views)]
    if sum(sum(weights) for _, _, weights in sizes) <= MAX_PANELS:
        return [board]
    parts: list[list[Slice]] = [[]]
    room = MAX_PANELS
    for kind, number, weights in sizes:
        if not weights:
            continue
        if sum(weights) > room and parts[-1]:
            parts.append([])
            room = MAX_PANELS
        start = 0
        while start < len(weights):
            if weights[start] > room:  # an item's panels stay together
                parts.append([])
                room = MAX_PANELS
            end, taken = start, 0
            while end < len(weights) and taken + weights[end] <= room:
                taken += weights[end]
                end += 1
            parts[-1].append((kind, number, start, end))
            room -= taken
            start = end
    count, stem = len(parts), board.path.removesuffix(".json")
    out = []
    for number, slices in enumerate(parts, start=1):
        uid = board.uid if number == 1 else stable_uid(board.uid, str(number))
        while number > 1 and uid in used:  # another dashboard's uid already
            uid = stable_uid(uid, "part")
        used.add(uid)
        out.append(replace(board, title=f"{board.title} ({number} of {count})", uid=uid,
                           link=board.link if number == 1 else f"{base}/d/{uid}", part=number, parts=count,
                           slices=tuple(slices), stem=stem))
    return out


def resolve_boards(plan: Plan) -> list[Board]:
    settings, document = plan.settings, plan.document
    specs = list(document.dashboards) or _default_specs(plan)
    base = (settings.endpoints.grafana_url or "").rstrip("/")
    out: list[Board] = []
    used: set[str] = set()
    index = _GroupIndex(plan)
    for dashboard in specs:
        uid = dashboard.uid or stable_uid(settings.system, _uid_words(dashboard.title))
        if uid in used:  # two titles that differ only in punctuation
            uid = stable_uid(uid, str(len(out) + 1))
        used.add(uid)
        link = dashboard.link or f"{base}/d/{uid}"
        out.append(Board(
            title=dashboard.title, uid=uid, link=link, description=dashboard.description,
            groups=index.groups_of(dashboard.sections, dashboard.focus_areas),
            views=tuple(dashboard.views), variables=tuple(dashboard.variables),
        ))
    per_service = tuple(section.title for section in document.sections if section.per_service)
    for service in document.services:
        uid = stable_uid(settings.system, "service", service.name)
        out.append(Board(
            title=f"{service.display} (service)", uid=uid, link=f"{base}/d/{uid}",
            description=f"{service.display}: the per-service sections of {settings.system}.",
            groups=per_service, views=(), variables=(), service=service.name,
        ))
    used |= {board.uid for board in out}
    return [part for board in out for part in _split(plan, board, base, used)]
