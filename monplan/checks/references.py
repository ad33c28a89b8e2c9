"""Checks across parts of the plan: names that must refer to something, schedules that must fit."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Iterable

from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.spec.loader import Located
from monplan.spec.plan import Plan as Spec
from monplan.spec.types import PLACEHOLDER

if TYPE_CHECKING:
    from monplan.model.plan import Alert


class _Collector:
    def __init__(self, located: Located):
        self.located = located
        self.items: list[Diagnostic] = []

    def __call__(self, path: Path, message: str, *, key: bool = False) -> None:
        line, column = self.located.where(path, key=key)
        self.items.append(Diagnostic(self.located.file, line, column, message, format_path(path)))

    def unknown(self, path: Path, value: str, known: Iterable[str], what: str) -> None:
        known = list(known)
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        if known:
            choices = ", ".join(f'"{k}"' for k in known)
            self(path, f'unknown {what} "{value}"{hint}; expected one of: {choices}')
        else:
            self(path, f'unknown {what} "{value}"; the plan defines no {what}s')


def _focus_titles(spec: Spec) -> list[str]:
    titles: list[str] = []

    def walk(areas, prefix: str) -> None:
        for area in areas:
            titles.append(prefix + area.title)
            walk(area.areas, f"{prefix}{area.title} / ")

    walk(spec.focus_areas, "")
    return titles


def check_references(spec: Spec, located: Located, alerts: list["Alert"]) -> list[Diagnostic]:
    problem = _Collector(located)
    _dashboards(spec, problem)
    _routing(spec, problem, alerts)
    _people(spec, problem)
    _rotation(spec, problem)
    _escalation(spec, problem)
    _report_sections(spec, problem)
    return problem.items


def _report_sections(spec: Spec, problem: _Collector) -> None:
    if spec.reporting is None:
        return
    sections = [s.title for s in spec.sections]
    for index, item in enumerate(spec.reporting.daily_report.contents):
        for i, title in enumerate(item.sections):
            if title not in sections:
                problem.unknown(("reporting", "daily_report", "contents", index, "sections", i), title, sections, "section")


def _dashboards(spec: Spec, problem: _Collector) -> None:
    sections = [s.title for s in spec.sections]
    areas = _focus_titles(spec)
    seen: dict[str, int] = {}
    for index, board in enumerate(spec.dashboards):
        path = ("dashboards", index)
        if board.title in seen:
            problem(path + ("title",), f'dashboard title "{board.title}" is used twice; titles must be unique in a folder')
        seen[board.title] = index
        for i, title in enumerate(board.sections):
            if title not in sections:
                problem.unknown(path + ("sections", i), title, sections, "section")
        for i, title in enumerate(board.focus_areas):
            if title not in areas:
                problem.unknown(path + ("focus_areas", i), title, areas, "focus area")
    from monplan.checks.dashboards import check_dashboards  # files, uids and variables Grafana can hold

    check_dashboards(spec, problem)


def _routing(spec: Spec, problem: _Collector, alerts: list["Alert"]) -> None:
    routing = spec.alert_routing
    if routing is None:
        return
    names = [r.name for r in routing.receivers]
    for index, name in enumerate(names):
        if names.index(name) != index:
            problem(("alert_routing", "receivers", index, "name"), f'receiver "{name}" is defined twice')
    for priority, route in routing.routes.items():
        for i, name in enumerate(route.receivers):
            if name not in names:
                problem.unknown(("alert_routing", "routes", priority, "receivers", i), name, names, "receiver")
    used = sorted({alert.priority for alert in alerts})
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


def _people(spec: Spec, problem: _Collector) -> None:
    for index, level in enumerate(spec.escalation_path):
        if not level.rotation and not level.people:
            problem(("escalation_path", index), f'escalation level "{level.level}" names nobody; give people or rotation: true')
    if not spec.people:
        return
    names = [p.name for p in spec.people]

    def check(path: Path, name: str) -> None:
        if name not in names and not PLACEHOLDER.fullmatch(name):
            problem.unknown(path, name, names, "person")

    if spec.oncall:
        for index, shift in enumerate(spec.oncall.rotation):
            check(("oncall", "rotation", index, "primary"), shift.primary)
            check(("oncall", "rotation", index, "secondary"), shift.secondary)
            if shift.primary == shift.secondary and not PLACEHOLDER.fullmatch(shift.primary):
                problem(("oncall", "rotation", index, "secondary"),
                        f'"{shift.secondary}" is both primary and secondary of {shift.day}; the secondary backs up the primary')
    for index, level in enumerate(spec.escalation_path):
        for i, name in enumerate(level.people):
            check(("escalation_path", index, "people", i), name)
    if spec.deployment:
        for i, name in enumerate(spec.deployment.team):
            check(("deployment", "team", i), name)


def _rotation(spec: Spec, problem: _Collector) -> None:
    """Shifts must follow one another without gaps or overlaps."""
    if spec.oncall is None:
        return
    from monplan.model.schedule import shift_windows

    windows = shift_windows(spec)
    if windows is None:
        problem(("oncall",), "the rotation needs a start date: set oncall.start or deployment.time", key=True)
        return
    from monplan.model.schedule import WEEK, plus_days, repeats

    if repeats(spec) and windows[-1].end > plus_days(windows[0].start, WEEK):
        problem(("oncall", "rotation"), f"the rotation runs from {windows[0].start:%a %Y-%m-%d %H:%M} to "
                f"{windows[-1].end:%a %Y-%m-%d %H:%M}, longer than a week, and repeat: weekly starts it again every "
                "week, so its shifts would overlap; shorten it to a week or set oncall.repeat: none", key=True)
    for index in range(1, len(windows)):
        previous, current = windows[index - 1], windows[index]
        if current.start == previous.end:
            continue
        shift = spec.oncall.rotation[index]
        path = ("oncall", "rotation", index, "start")
        if current.start > previous.end:
            problem(path, f"{shift.day} starts at {current.start:%Y-%m-%d %H:%M} but {previous.name} ends at "
                    f"{previous.end:%Y-%m-%d %H:%M}: nobody is on call in between; shifts must follow without gaps")
        else:
            problem(path, f"{shift.day} starts at {current.start:%Y-%m-%d %H:%M}, before {previous.name} ends at "
                    f"{previous.end:%Y-%m-%d %H:%M}: shifts overlap; each moment needs exactly one primary")


def _escalation(spec: Spec, problem: _Collector) -> None:
    """Levels are engaged one after another; the on-call level needs a rotation to page."""
    from monplan.lang import durations

    previous: tuple[str, int] | None = None
    for index, level in enumerate(spec.escalation_path):
        path = ("escalation_path", index)
        after = durations.parse_ms(level.after)
        if previous is not None and after <= previous[1]:
            problem(path + ("after",), f'"{level.level}" is engaged after {level.after}, not later than '
                    f'"{previous[0]}"; each level must come after the one before it')
        if level.rotation and spec.oncall is None:
            problem(path + ("rotation",), f'"{level.level}" pages whoever is on call, but the plan has no oncall rotation')
        if level.secondary_after is not None:
            second = durations.parse_ms(level.secondary_after)
            following = spec.escalation_path[index + 1] if index + 1 < len(spec.escalation_path) else None
            if not level.rotation:
                problem(path + ("secondary_after",), "secondary_after applies only to a level with rotation: true", key=True)
            elif second <= after:
                problem(path + ("secondary_after",), f"the secondary is engaged after {level.secondary_after}, not later "
                        f"than the primary ({level.after})")
            elif following is not None and second >= durations.parse_ms(following.after):
                problem(path + ("secondary_after",), f"the secondary is engaged after {level.secondary_after}, not before "
                        f'the next level "{following.level}" ({following.after})')
        previous = (level.level, after)
