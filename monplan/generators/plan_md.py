"""PLAN.md: the written plan, rendered from plan.yaml in the seed document's structure.

    PLAN.md

Every table (each row linking to its runbook and its dashboard panel, each threshold as the
plan writes it) and every part of the document the plan holds: duration, schedule,
procedures, focus areas, tools and dashboards, on-call rotation, escalation path, reports,
refinement. Plan text is escaped Markdown (monplan/formats/markdown.py). Values the importer would
not find in the words (a cadence, an owner, a period's bounds, a shift's length) are stated,
so `monplan import PLAN.md` gives back the plan's tables, schedule, rotation and escalation.

It runs as an index after the dashboards, whose panel ids the links need.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from monplan.docimport import words
from monplan.formats import markdown as md
from monplan.generators.runbooks import runbook_path
from monplan.lang import durations
from monplan.model.boards import Board, boards, boards_showing
from monplan.model.plan import Alert, Plan
from monplan.model.settings import SectionText

PATH = "PLAN.md"
TITLE = "Post-Deployment Monitoring Plan"
_PRIORITY_HEADINGS = {"critical": "Critical Alerts", "high": "High Priority Alerts", "medium": "Medium Priority Alerts"}
_PHASES = (("immediate_actions", "Immediate Actions"), ("decision_points", "Decision Points"),
           ("resolution_path", "Resolution Path"))


def _panel_ids(plan: Plan, board: Board, files: dict[str, bytes]) -> dict[tuple[str, str], int]:
    """(row title, panel title) -> panel id, from the dashboard JSON the build produced (or,
    for a dashboard kept from the last build, as the last build read them)."""
    from monplan.output import unitcache
    from monplan.output.spill import Files

    reuse = unitcache.of(plan)
    if reuse is None or not isinstance(files, Files) or board.path not in files:
        return _read_panel_ids(board, files)
    found = reuse.derived("panel_ids", board.path, files.kept(board.path), None,
                          lambda: [[*key, number] for key, number in _read_panel_ids(board, files).items()])
    return {(row, title): number for row, title, number in found}


def _read_panel_ids(board: Board, files: dict[str, bytes]) -> dict[tuple[str, str], int]:
    data = files.get(board.path)
    if data is None:
        return {}
    ids: dict[tuple[str, str], int] = {}
    row = ""
    for panel in json.loads(data).get("panels", []):
        if panel.get("type") == "row":
            row = panel.get("title", "")
        else:
            ids.setdefault((row, panel.get("title", "")), panel.get("id"))
    return ids


def _panel_links(plan: Plan, files: dict[str, bytes]) -> dict[tuple[str, str], tuple[str, str]]:
    """(section, metric) -> (dashboard title, link to the panel) of the first dashboard showing the row."""
    every = boards(plan)
    order = {id(board): number for number, board in enumerate(every)}
    showing = boards_showing(plan)
    candidates: dict[tuple[str, str], set[int]] = {}  # the dashboards showing a row's panel (any of its services)
    for alert in plan.alerts:
        candidates.setdefault((alert.group, alert.metric), set()).update(order[id(b)] for b in showing.get(id(alert), []))
    ids: dict[int, dict[tuple[str, str], int]] = {}  # per dashboard, read once
    found: dict[tuple[str, str], tuple[int, tuple[str, str]]] = {}
    for key, numbers in candidates.items():
        for number in sorted(numbers):  # the first dashboard, in plan order, with the panel
            board = every[number]
            if number not in ids:
                ids[number] = _panel_ids(plan, board, files)
            panel = ids[number].get(key)
            if panel is not None:
                found[key] = (number, (board.title, f"{board.link}?viewPanel={panel}"))
                break
    return {key: link for key, (_, link) in sorted(found.items(), key=lambda item: item[1][0])}


def _cell(value: Any) -> str:
    return md.text(value) if value not in (None, "") else ""


# A row's slo: as columns "SLO window", "SLO errors"...: monplan import reads them back.
SLO_COLUMNS = ("window", "errors", "good", "total", "ratio", "latency", "buckets", "bool_gauge")


def _slo_cell(slo: Any, key: str) -> str:
    value = None if slo is None else getattr(slo, key)
    if value is None:
        return ""
    return md.code(value, cell=True) if key in ("errors", "good", "total", "ratio", "buckets", "bool_gauge") else _cell(value)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _lowered(text: str) -> str:
    """"User-facing" -> "user-facing" for "If user-facing:"; "API down" stays."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1:2].islower() else text


def _duration(plan: Plan) -> list[str]:
    settings = plan.settings
    facts = []
    if settings.deployment is not None:
        team = f" by {', '.join(settings.deployment.team)}" if settings.deployment.team else ""
        facts.append(f"Deployed at {settings.deployment.time.isoformat()}{team}.")
    if settings.deployment is not None or settings.monitoring_duration or settings.timezone != "UTC":
        facts.append(f"Time zone: {settings.timezone}.")
    if not facts:
        return []
    lines = ["## Monitoring Duration", "", md.text(" ".join(facts)), ""]
    previous: str | None = None
    for period in settings.monitoring_duration:
        description = period.description or ""
        start, until, _ = words.period_bounds(description, previous)
        same = start is not None and durations.parse_ms(start) == durations.parse_ms(period.from_) and (
            (until is None and period.until is None)
            or (until is not None and period.until is not None
                and durations.parse_ms(until) == durations.parse_ms(period.until)))
        if not same:
            bounds = f"from {period.from_}" + (f" until {period.until}" if period.until else "")
            description = f"{description} ({bounds})".strip()
        lines.append(f"- **{md.text(period.period)}**: {md.text(description)}")
        previous = period.until or previous
    return lines + ([""] if settings.monitoring_duration else []) + ["---", ""]


def _sections(plan: Plan, files: dict[str, bytes]) -> list[str]:
    from monplan.output import unitcache

    panels = _panel_links(plan, files)
    names: dict[tuple[str, str], Alert] = {}
    for alert in plan.alerts:
        names.setdefault((alert.group, alert.metric), alert)
    services = ", ".join(s.name for s in plan.document.services)
    reuse = unitcache.of(plan)
    lines = ["## Key Metrics to Monitor", ""]
    for number, section in enumerate(plan.document.sections, start=1):
        if reuse is None:
            lines += _section(number, section, names, panels, services)
            continue
        # A rebuild renders again only the sections whose words, alert names or panel links changed.
        keys = [(section.title, row.metric) for row in section.rows]
        parts = (number, section, [row_alert.name if (row_alert := names.get(key)) else None for key in keys],
                 [panels.get(key) for key in keys], services if section.per_service else None)
        render = functools.partial(_section_text, number, section, names, panels, services)
        lines += reuse.fragment("plan_md_section", parts, render).split("\n")
    return lines


def _section_text(number: int, section: SectionText, names: dict[tuple[str, str], Alert],
                  panels: dict[tuple[str, str], tuple[str, str]], services: str) -> str:
    """A section's lines as one text (each line is Markdown on one line: split back exactly)."""
    return "\n".join(_section(number, section, names, panels, services))


def _section(number: int, section: SectionText, names: dict[tuple[str, str], Alert],
             panels: dict[tuple[str, str], tuple[str, str]], services: str) -> list[str]:
    """One section's heading, words and table of rows."""
    lines: list[str] = []
    rows = section.rows
    tool = any(row.tool for row in rows)
    baseline = any(row.baseline is not None for row in rows)
    wait = any(row.for_ for row in rows)
    described = any(row.description for row in rows)
    extra = list(dict.fromkeys(key for row in rows for key in row.annotations))
    head = ["Metric"] + (["Tool"] if tool else []) + (["Baseline"] if baseline else []) + ["Threshold", "Alert Priority"]
    head += (["For"] if wait else []) + (["Description"] if described else []) + [md.text(k) for k in extra]
    slo_keys = [key for key in SLO_COLUMNS if any(row.slo is not None and getattr(row.slo, key) is not None
                                                  for row in rows)]
    head += [f"SLO {key}" for key in slo_keys] + ["Runbook", "Dashboard"]
    body = []
    for row in rows:
        cells = [_cell(row.metric)] + ([_cell(row.tool)] if tool else []) + ([_cell(row.baseline)] if baseline else [])
        cells += [_cell(row.threshold), _cell(row.priority.capitalize())]
        cells += ([_cell(row.for_)] if wait else []) + ([_cell(row.description)] if described else [])
        cells += [_cell(row.annotations.get(key)) for key in extra]
        cells += [_slo_cell(row.slo, key) for key in slo_keys]
        row_alert = names.get((section.title, row.metric))
        cells.append(md.link(row_alert.name, runbook_path(row_alert)) if row_alert else "")
        panel = panels.get((section.title, row.metric))
        cells.append(md.link(panel[0], panel[1]) if panel else "")
        body.append(cells)
    lines += [f"### {number}. {md.text(section.title)}", ""]
    if section.description:
        lines += [md.text(section.description), ""]
    if section.per_service:
        lines += [md.text(f"For every service: {services}."), ""]
    lines += _table(head, body) + [""]
    return lines


def _activity(activity: Any, base: str | None) -> str:
    label = "" if words.same_during(activity.during, base) else f"**{md.text(activity.during.capitalize())}**: "
    text = md.text(activity.activity)
    if activity.at:
        text += f" ({', '.join(activity.at)})"
    if activity.cadence != (None if activity.at else words.cadence_of(activity.activity)) and activity.cadence:
        text += f" ({activity.cadence})"
    if activity.owner and activity.owner != words.owner_of(activity.activity):
        text += f" (owner: {md.text(activity.owner)})"
    return f"- {label}{text}"


def _schedule(plan: Plan) -> list[str]:
    if not plan.settings.monitoring_schedule:
        return []
    lines = ["## Monitoring Schedule", ""]
    for period in plan.settings.monitoring_schedule:
        base = words.during_of(period.period)
        lines += [f"### {md.text(period.period)}", ""]
        lines += [_activity(activity, base) for activity in period.activities] + [""]
    return lines


def _procedures(plan: Plan) -> list[str]:
    if not plan.document.response_procedures:
        return []
    lines = ["## Alert Response Procedures", ""]
    for priority in ("critical", "high", "medium"):
        procedure = plan.document.response_procedures.get(priority)
        if procedure is None:
            continue
        lines += [f"### {_PRIORITY_HEADINGS[priority]}", ""]
        phases = [(title, getattr(procedure, key)) for key, title in _PHASES if getattr(procedure, key)]
        if not phases:
            lines += [f"{n}. {md.text(step)}" for n, step in enumerate(procedure.steps, start=1)] + [""]
            continue
        if procedure.steps:
            phases.append(("Steps", procedure.steps))
        for number, (title, items) in enumerate(phases, start=1):
            lines.append(f"{number}. **{title}**:")
            for item in items:
                text = f"If {_lowered(item.when)}: {item.then}" if hasattr(item, "when") else item
                lines.append(f"   - {md.text(text)}")
            lines.append("")
    return lines


def _area(area: Any) -> list[str]:
    """The area's lists as the seed writes them: each headed list (items, sub-areas, Monitoring
    Method) a block of its own, blocks apart by a blank line."""
    blocks: list[list[str]] = []
    if area.items_heading and area.items:
        blocks.append([f"- **{md.text(area.items_heading)}**:", *(f"  - {md.text(item)}" for item in area.items)])
    elif area.items:
        blocks.append([f"- {md.text(item)}" for item in area.items])
    for sub in area.areas:
        blocks.append([f"- **{md.text(sub.title)}**:", *(f"  - {md.text(item)}" for item in sub.items)])
    if area.methods:
        blocks.append(["- **Monitoring Method**:", *(f"  - {md.text(method)}" for method in area.methods)])
    return [line for number, block in enumerate(blocks) for line in ([""] if number else []) + block]


def _focus(plan: Plan) -> list[str]:
    if not plan.document.focus_areas:
        return []
    lines = ["## Specific Monitoring Focus Areas", ""]
    for number, area in enumerate(plan.document.focus_areas, start=1):
        lines += [f"### {number}. {md.text(area.title)}", ""]
        if area.description:
            lines += [md.text(area.description), ""]
        lines += _area(area) + [""]
    return lines


def _tools(plan: Plan) -> list[str]:
    every = [board for board in boards(plan) if board.service is None and board.part <= 1]
    if not plan.document.tools and not every:
        return []
    lines = ["## Tools & Dashboards", ""]
    if plan.document.tools:
        lines += ["### Primary Monitoring Tools", ""]
        for number, tool in enumerate(plan.document.tools, start=1):  # a blank line apart, as in the seed
            lines.append(f"{number}. **{md.text(tool.category)}**: {md.text(tool.name)}")
            lines += [f"   - {md.text(item)}" for item in tool.covers] + [""]
    if every:
        lines += ["### Dashboard Access", ""]
        for board in every:
            link = md.autolink(board.link)  # http(s) or a path on Grafana's server; never another scheme
            lines.append(f"- **{md.text(board.title)}**: {link}")
        lines.append("")
    return lines


def _level(level: Any, first: bool) -> str:
    parts = ["on-call rotation"] if level.rotation else []
    parts += list(level.people)
    if durations.parse_ms(level.after) or not first:
        parts.append(f"after {level.after}" if durations.parse_ms(level.after) else "at once")
    if level.secondary_after:
        parts.append(f"secondary after {level.secondary_after}")
    return md.text(level.level) + (f" ({md.text(', '.join(parts))})" if parts else "")


def _team(plan: Plan) -> list[str]:
    settings = plan.settings
    if settings.oncall is None and not settings.escalation_path:
        return []
    lines = ["## Team Responsibilities", ""]
    if settings.oncall is not None:
        zone = settings.oncall.timezone or settings.timezone
        lines += ["### On-Call Rotation", "", f"Shifts hand over at {settings.oncall.handoff} ({md.text(zone)}).", ""]
        lengths = any(shift.days != words.shift_days(shift.day) for shift in settings.oncall.rotation)
        head = ["Day", "Primary", "Secondary"] + (["Days"] if lengths else [])
        rows = [[_cell(s.day), _cell(s.primary), _cell(s.secondary)] + ([str(s.days)] if lengths else [])
                for s in settings.oncall.rotation]
        lines += _table(head, rows) + [""]
    if settings.escalation_path:
        lines += ["### Escalation Path", ""]
        lines += [f"{n}. {_level(level, n == 1)}" for n, level in enumerate(settings.escalation_path, start=1)] + [""]
    return lines


def _reporting(plan: Plan) -> list[str]:
    reporting = plan.settings.reporting
    if reporting is None:
        return []
    daily, weekly = reporting.daily_report, reporting.weekly_review
    lines = ["## Reporting", "", "### Daily Report Format", "", f"Sent daily at {daily.time}.", ""]
    lines += [f"- {md.text(item.item)}" for item in daily.contents] + [""]
    lines += ["### Weekly Review Meeting", ""]
    day = weekly.day if weekly.day.startswith("[") else weekly.day.capitalize()
    lines.append(f"- **Day/Time**: {md.text(f'{day} at {weekly.time} ({weekly.duration})')}")
    if weekly.participants:
        lines.append(f"- **Participants**: {md.text(', '.join(weekly.participants))}")
    if weekly.agenda:
        lines.append("- **Agenda**:")
        lines += [f"  - {md.text(item)}" for item in weekly.agenda]
    return lines + [""]


def _refinement(plan: Plan) -> list[str]:
    refinement = plan.settings.refinement
    if refinement is None:
        return []
    lines = ["## Monitoring Refinement", ""]
    opening = [refinement.statement] if refinement.statement else []
    if refinement.review_after:
        opening.append(f"After the first {' and '.join(refinement.review_after)}, the team should:")
    if opening:
        lines += [md.text(" ".join(opening)), ""]
    lines += [f"{n}. {md.text(action)}" for n, action in enumerate(refinement.actions, start=1)]
    if refinement.actions:
        lines.append("")
    if refinement.full_review_after:
        lines += [f"The plan should be fully reviewed after {refinement.full_review_after} and updated for "
                  "long-term monitoring.", ""]
    return lines


def generate(plan: Plan, files: dict[str, bytes]) -> dict[str, bytes]:
    lines = [f"# {TITLE} - {md.text(plan.settings.system)}", "",
             f"Generated by monplan from {md.text(plan.source)}. Do not edit: change the plan and run `monplan build`.", ""]
    if plan.document.overview:
        lines += ["## Overview", "", md.text(plan.document.overview), ""]
    lines += _duration(plan)
    lines += _sections(plan, files) + ["---", ""]
    for part in (_schedule, _procedures, _focus, _tools, _team, _reporting, _refinement):
        block = part(plan)
        if block:
            lines += block + ["---", ""]
    while lines and lines[-1] in ("", "---"):
        lines.pop()
    return {PATH: ("\n".join(lines) + "\n").encode("utf-8")}
