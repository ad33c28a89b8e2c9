"""Documents people read (Markdown runbooks, ONCALL.md, README.md, calendars, dashboards)
show the hostile plan's text exactly as written: nothing is lost, nothing becomes markup."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from tests.hardening.conftest import Built, one_line, strings


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(markdown: str) -> str:
    """What a reader sees: the Markdown rendered (CommonMark with GitHub's tables), as text;
    without the invisible word joiners (U+2060) that keep GitHub from linking and mentioning."""
    from markdown_it import MarkdownIt

    parser = _Text()
    parser.feed(MarkdownIt("commonmark").enable("table").render(markdown))
    return one_line(" ".join(parser.parts)).replace("\u2060", "")


def missing(texts: list[str], page: str) -> list[str]:
    assert texts, "the plan has none of these texts"
    return [text for text in texts if one_line(text) not in page]


def test_runbooks_show_the_plans_text_as_written(hostile: Built) -> None:
    plan = hostile.plan
    pages = {path: shown(hostile.text(path)) for path in hostile.paths("runbooks/")}
    page = pages["runbooks/LatencyValueOfCheckoutP99BrXYZS.md"]
    row = plan["sections"][0]["metrics"][0]
    expected = [row["metric"], row["tool"], row["description"], plan["sections"][0]["title"], row["threshold"],
                row["query"], plan["system"], *strings(plan, "response_procedures", "high", "steps"),
                *strings(plan, "escalation_path", "*", "level"), *strings(plan, "escalation_path", "*", "people"),
                *(f"{k}={v}" for k, v in row["labels"].items()), plan["dashboards"][0]["title"]]
    # Receivers of a high alert, with their descriptions.
    receivers = {r["name"]: r.get("description", "") for r in plan["alert_routing"]["receivers"]}
    expected += [name for name in plan["alert_routing"]["routes"]["high"]["receivers"]]
    assert not missing(expected, page)
    critical = pages["runbooks/ZahlungsfehlerUberweisung.md"]
    procedure = plan["response_procedures"]["critical"]
    expected = [*procedure["immediate_actions"], *procedure["resolution_path"], procedure["decision_points"][0]["then"],
                procedure["decision_points"][0]["when"][1:], *plan["alert_routing"]["routes"]["critical"]["receivers"],
                *(receivers[name] for name in plan["alert_routing"]["routes"]["critical"]["receivers"] if receivers[name])]
    assert not missing(expected, critical)


def test_oncall_page_shows_shifts_people_routing_and_schedule_as_written(hostile: Built) -> None:
    plan = hostile.plan
    page = shown(hostile.text("oncall/ONCALL.md"))
    expected = [plan["system"], *strings(plan, "oncall", "rotation", "*", "day"), *strings(plan, "people", "*", "name"),
                *strings(plan, "people", "*", "role"), *strings(plan, "people", "*", "email"),
                *strings(plan, "alert_routing", "receivers", "*", "name"),
                *strings(plan, "monitoring_schedule", "*", "activities", "*", "activity"),
                *strings(plan, "escalation_path", "*", "level")]
    assert not missing(expected, page)


def test_the_generated_readme_shows_system_dashboards_and_folder_as_written(hostile: Built) -> None:
    plan = hostile.plan
    heading, rest = hostile.text("README.md").split("\n", 1)
    assert shown(heading) == one_line(f"Monitoring of {plan['system']}")
    access = shown(rest.split("## Dashboard access", 1)[1].split("## What is here", 1)[0])
    expected = [plan["endpoints"]["grafana_folder"], *strings(plan, "dashboards", "*", "title"),
                *strings(plan, "dashboards", "*", "description")]
    assert not missing(expected, access)
    assert not missing([plan["sections"][0]["title"]], shown(rest.split("## What is here", 1)[1]))


def _unescape_text(value: str) -> str:
    """RFC 5545 TEXT: \\n, \\, \\; and \\\\ back to what they stand for."""
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def test_calendars_carry_names_as_written(hostile: Built) -> None:
    from icalendar import Calendar

    plan = hostile.plan
    people = {p["name"]: p for p in plan["people"]}
    rotation = Calendar.from_ical(hostile.files["oncall/rotation.ics"])
    assert plan["system"] in _unescape_text(str(rotation["X-WR-CALNAME"]))
    events = rotation.walk("VEVENT")
    for shift in plan["oncall"]["rotation"]:
        for role in ("primary", "secondary"):
            summary = f"On call, {role}: {shift[role]} ({shift['day']})"
            event = next((e for e in events if str(e["SUMMARY"]) == summary), None)
            assert event is not None, summary
            assert plan["system"] in str(event["DESCRIPTION"])
            attendee = event["ATTENDEE"]
            assert attendee.params["CN"] == shift[role]
            assert str(attendee) == f"mailto:{people[shift[role]]['email']}"
    # Grafana OnCall reads the title as the user: oncall_user, else the e-mail.
    primary = Calendar.from_ical(hostile.files["oncall/grafana-oncall/primary.ics"]).walk("VEVENT")
    wanted = [people[s["primary"]].get("oncall_user") or people[s["primary"]]["email"] for s in plan["oncall"]["rotation"]]
    assert [str(e["SUMMARY"]) for e in primary] == wanted
    schedule = Calendar.from_ical(hostile.files["oncall/schedule.ics"])
    summaries = " ".join(str(e["SUMMARY"]) for e in schedule.walk("VEVENT"))
    assert not [a for a in strings(plan, "monitoring_schedule", "*", "activities", "*", "activity") if a not in summaries]


def test_dashboards_carry_titles_descriptions_and_labels_as_written(hostile: Built) -> None:
    plan = hostile.plan
    boards = {json.loads(hostile.files[p])["title"]: json.loads(hostile.files[p]) for p in hostile.paths("grafana/dashboards/")}
    # The plan's dashboards, and one per service titled with the service's title as written.
    services = {f"{service.get('title', service['name'])} (service)" for service in plan.get("services", [])}
    assert set(boards) == set(strings(plan, "dashboards", "*", "title")) | services
    assert any("$HOME" in title and "{{ api }}" in title for title in services)
    ops = boards[plan["dashboards"][0]["title"]]
    assert ops["description"] == plan["dashboards"][0]["description"]
    titles = {panel.get("title") for panel in ops["panels"]}
    expected = [*strings(plan, "sections", 0, "metrics", "*", "metric"), plan["sections"][0]["title"],
                *strings(plan, "dashboards", 0, "views", "*", "title"),
                *strings(plan, "dashboards", 0, "views", "*", "panels", "*", "title"),
                *strings(plan, "focus_areas", 0, "items", "*", "item")]
    assert not [t for t in expected if t not in titles]
    variable = next(v for v in ops["templating"]["list"] if v["name"] == "instance")
    assert variable["label"] == plan["dashboards"][0]["variables"][0]["label"]
    dev = boards[plan["dashboards"][1]["title"]]
    assert any(link["url"] == plan["dashboards"][1]["link"] for link in ops["links"])
    assert dev["links"][0]["title"] == plan["dashboards"][0]["title"]


@pytest.mark.parametrize("name", ["dashboard"])
def test_dashboards_validate_against_grafanas_schema(hostile: Built, name: str) -> None:
    from jsonschema import Draft7Validator

    from tests.dashboards.test_schema import definition, problems, schema

    found: list[str] = []
    for path in hostile.paths("grafana/dashboards/"):
        board = json.loads(hostile.files[path])
        found += problems(Draft7Validator(schema(name)), {**board, "panels": []}, path)
        for panel in board["panels"]:
            found += problems(definition(name, "RowPanel" if panel["type"] == "row" else "Panel"), panel, path)
    assert not found, "\n".join(found)


def test_the_written_plan_shows_every_part_of_the_plan_as_written(hostile: Built) -> None:
    """generated/PLAN.md: hostile text in every part reads as written, and no table loses a cell."""
    plan = hostile.plan
    text = hostile.text("PLAN.md")
    page = shown(text)
    expected = [plan["system"], *strings(plan, "sections", "*", "title"), *strings(plan, "sections", "*", "metrics", "*", "metric"),
                *strings(plan, "sections", "*", "metrics", "*", "threshold"), *strings(plan, "sections", "*", "metrics", "*", "tool"),
                *strings(plan, "monitoring_schedule", "*", "activities", "*", "activity"),
                *strings(plan, "oncall", "rotation", "*", "day"), *strings(plan, "oncall", "rotation", "*", "primary"),
                *strings(plan, "escalation_path", "*", "level"), *strings(plan, "response_procedures", "*", "steps")]
    assert not missing(expected, page)
    from markdown_it import MarkdownIt

    # Every row of every table has as many cells as its header: no | in plan text split a cell.
    cells: list[int] = []
    tables: list[list[int]] = []
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            cells = []
        elif token.type in ("th_open", "td_open"):
            cells.append(1)
        elif token.type == "tr_close":
            tables[-1].append(len(cells))
    assert tables and all(len(set(widths)) == 1 for widths in tables)
    assert sum(len(widths) - 1 for widths in tables[:-1]) >= len(list(strings(plan, "sections", "*", "metrics", "*", "metric")))
