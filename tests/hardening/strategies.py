"""Hypothesis strategies for whole plans: the metric tables of tests/test_properties.py plus
every optional part of delivery (receivers, routes, business hours, the critical period,
people, the rotation, escalation) and dashboards (sections, variables, views).

Free text is drawn from hostile words (quotes, `{{ }}`, `$`, backslashes, Markdown, non-ASCII),
so every example is also an injection test; values that configurations read as they are
(URLs, addresses, paths) are drawn valid, as the plan refuses the others.
"""

from __future__ import annotations

from hypothesis import strategies as st

from monplan.spec.types import PLACEHOLDER
from tests.test_properties import WORDS, plans as table_plans

TEXT = WORDS + ["<b>bold</b>", "*star*", "a|b", "`tick`", "%h", "${USER}", "line\nbreak", "tab\there", "ü – ✓",
                "# heading", "1. item", "- item", "&amp;", "[x](javascript:y)", "trailing \\"]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
VIEW_QUERIES = ["sum(rate(http_requests_total[$__rate_interval]))", "sum by (instance) (rate(x_total[$__rate_interval]))",
                'sum by (job) (up{job=~"$job"})', "max by (instance) (node_load1)", "avg(up)"]


def text(min_words: int = 1, max_words: int = 3) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(TEXT), min_size=min_words, max_size=max_words).map(" ".join)


def unique_texts(count: int) -> st.SearchStrategy[list[str]]:
    """Distinct texts, also distinct in their letters (receiver names, titles, people)."""
    from monplan.lang import naming

    return st.lists(text(1, 3), min_size=count, max_size=count, unique_by=lambda t: naming.slug(t))


@st.composite
def receivers(draw) -> list[dict]:
    names = draw(unique_texts(draw(st.integers(1, 4))))
    out = []
    for index, name in enumerate(names):
        name = name.replace(",", ";")  # amtool lists receivers separated by commas: the plan refuses them
        kind = draw(st.sampled_from(["slack", "pagerduty", "webhook", "email"]))
        receiver: dict = {"name": name}
        if draw(st.booleans()):
            receiver["description"] = draw(text())
        if kind == "slack":
            receiver["slack"] = {"channel": "#" + draw(text()), "api_url_file": f"/etc/am/slack {index}.url"}
            if draw(st.booleans()):
                receiver["slack"]["title"] = draw(text())
        elif kind == "pagerduty":
            receiver["pagerduty"] = {"routing_key_file": f"/etc/am/pd-{index}.key"}
        elif kind == "webhook":
            receiver["webhook"] = {"url": f"http://hook-{index}.example.com:8080/a?b=c&d=%20"}
            if draw(st.booleans()):
                receiver["webhook"]["credentials_file"] = f"/etc/am/hook-{index}.token"
        else:
            # A display name as a quoted string: its \\ and " escaped, as RFC 5322 (and Go's net/mail) want.
            # A placeholder such as [LINK] is refused anywhere in an address field, display name too.
            display = draw(text().filter(lambda t: not PLACEHOLDER.search(t))).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\t", " ")
            receiver["email"] = {"to": [f"ops+{index}@example.com", f'"{display}" <team@example.com>'],
                                 "from": "am@example.com", "smarthost": "smtp.example.com:587"}
        out.append(receiver)
    return out


@st.composite
def routing(draw, priorities: set[str], critical_period: bool) -> dict:
    found = draw(receivers())
    names = [r["name"] for r in found]
    routes = {}
    for priority in sorted(priorities | set(draw(st.lists(st.sampled_from(["critical", "high", "medium"]))))):
        route: dict = {"receivers": draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))}
        if priority == "medium" and draw(st.booleans()):
            route["business_hours_only"] = True
        for key in ("group_wait", "group_interval", "repeat_interval"):
            if draw(st.booleans()):
                route[key] = draw(st.sampled_from(["10s", "1m", "5m", "4h"]))
        routes[priority] = route
    out: dict = {"receivers": found, "routes": routes}
    if draw(st.booleans()):
        start = draw(st.integers(0, 20))
        out["business_hours"] = {"start": f"{start:02d}:{draw(st.sampled_from(['00', '30']))}",
                                 "end": f"{draw(st.integers(start + 1, 23)):02d}:00",
                                 "weekdays": draw(st.lists(st.sampled_from(["monday", "Tuesday", "friday", "SUNDAY"]),
                                                           min_size=1, unique_by=str.lower)),
                                 "timezone": draw(st.sampled_from(ZONES))}
    if draw(st.booleans()):
        out["group_by"] = draw(st.lists(st.sampled_from(["alertname", "service", "component", "severity"]),
                                        min_size=1, unique=True))
    if critical_period:
        out["critical_period"] = {"period": "Critical Period", "receivers": [draw(st.sampled_from(names))],
                                  "priorities": sorted({p for p in routes if draw(st.booleans())} or set(routes))}
    return out


@st.composite
def people_and_rotation(draw) -> dict:
    names = draw(unique_texts(draw(st.integers(2, 4))))
    people = [{"name": name, "email": f"person{i}@example.com"} for i, name in enumerate(names)]
    for person in people:
        if draw(st.booleans()):
            person["role"] = draw(text())
    shifts = []
    for index in range(draw(st.integers(1, 4))):
        primary, secondary = draw(st.permutations(names))[:2]
        shifts.append({"day": f"Day {index + 1} " + draw(text(0, 2)), "primary": primary, "secondary": secondary,
                       "days": draw(st.integers(1, 3))})
    # A weekly rotation must fill the week exactly (validate refuses gaps and overlaps): the last
    # shift takes the rest of a short week; a longer list is a fixed one that does not repeat.
    total = sum(shift["days"] for shift in shifts)
    repeat = {}
    if total < 7:
        shifts[-1]["days"] += 7 - total
    elif total > 7:
        repeat = {"repeat": "none"}
    levels = [{"level": "On call " + draw(text(0, 1)), "rotation": True, "after": "0m"}]
    if draw(st.booleans()):
        levels[0]["secondary_after"] = "5m"
    for index, minutes in enumerate(sorted(draw(st.sets(st.integers(10, 120), max_size=3)))):
        levels.append({"level": f"Level {index + 2} " + draw(text(0, 1)), "people": [draw(st.sampled_from(names))],
                       "after": f"{minutes}m"})
    return {"people": people, "oncall": {"handoff": draw(st.sampled_from(["09:00", "00:00", "17:30"])),
                                         "rotation": shifts, **repeat}, "escalation_path": levels}


@st.composite
def dashboards(draw, sections: list[str]) -> list[dict]:
    titles = draw(unique_texts(draw(st.integers(1, 3))))
    out = []
    for title in titles:
        board: dict = {"title": title, "sections": draw(st.lists(st.sampled_from(sections), unique=True))}
        variables = draw(st.lists(st.sampled_from(["instance", "job"]), unique=True))
        if variables:
            board["variables"] = [{"name": name, "label": draw(text())} for name in variables]
        queries = [q for q in VIEW_QUERIES if "$job" not in q or "job" in variables]
        if draw(st.booleans()):
            board["views"] = [{"title": draw(text()), "panels": [
                {"title": draw(text()), "query": draw(st.sampled_from(queries)),
                 "panel": draw(st.sampled_from(["timeseries", "stat", "gauge", "bargauge", "table"]))}
                for _ in range(draw(st.integers(1, 3)))]}]
        if draw(st.booleans()):
            board["description"] = draw(text())
        out.append(board)
    return out


@st.composite
def full_plans(draw) -> dict:
    plan = draw(table_plans())
    plan["system"] = draw(text())
    plan["timezone"] = draw(st.sampled_from(ZONES))
    priorities = {row["priority"].lower() for section in plan["sections"] for row in section["metrics"]}
    critical_period = draw(st.booleans())
    plan["deployment"] = {"time": draw(st.sampled_from(["2026-11-25T09:00:00+01:00", "2026-03-28T23:30:00+00:00",
                                                         "2026-10-25T01:30:00-04:00"]))}
    if critical_period:
        plan["monitoring_duration"] = [{"period": "Critical Period", "from": "0h", "until": "24h"},
                                       {"period": "Standard", "from": "24h"}]
    if draw(st.booleans()):
        plan["alert_routing"] = draw(routing(priorities, critical_period))
    if draw(st.booleans()):
        plan.update(draw(people_and_rotation()))
    if draw(st.booleans()):
        plan["dashboards"] = draw(dashboards([s["title"] for s in plan["sections"]]))
    if draw(st.booleans()):
        plan["runbooks"] = {"base_url": "https://runbooks.example.com/a%20b"}
    return plan
