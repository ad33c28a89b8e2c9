"""Writing a report: Markdown or HTML through the jinja2 templates in the top-level
`templates/` folder (`report.md.j2`, `report.html.j2`), or JSON for scripts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monplan.formats import markdown as md
from monplan.formats.folders import templates_folder
from monplan.live.report import fmt
from monplan.live.report.build import Report, Row
from monplan.live.report.episodes import Episode

if TYPE_CHECKING:
    import jinja2

TEMPLATES = templates_folder()
TEMPLATE_FILES = {"markdown": "report.md.j2", "html": "report.html.j2"}


def environment(templates: Path = TEMPLATES, form: str = "html") -> jinja2.Environment:
    """HTML: every value HTML-escaped (autoescape). Markdown: every value escaped as Markdown
    text by monplan.formats.markdown, as in the runbooks: plan text and what Prometheus answers (label
    values, errors) never become HTML, links, mentions or table cells."""
    import jinja2

    loader = jinja2.FileSystemLoader(str(templates))
    if form == "markdown":
        env = md.new_environment(loader)
        env.filters["cell"] = lambda value: md.Safe(md.text(value))  # text escapes | and folds lines
    else:
        env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                                 finalize=_without_controls)
        env.filters["cell"] = lambda value: value
    env.globals["fmt"] = fmt
    return env


# C0 and C1 control characters but tab and line feed: a label value holding a terminal escape
# (OSC retitles a terminal, OSC 52 writes its clipboard) must not reach one that shows the report.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])


def _without_controls(value: Any) -> Any:
    """Every value the HTML template prints, without control characters (autoescape then escapes it)."""
    import markupsafe

    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return value.translate(_CONTROLS)
    return value


def plots(report: Report) -> dict[str, str]:
    """One base64 PNG per row with data (a row shown in several items is drawn once)."""
    from monplan.live.report.plots import row_png_base64

    out: dict[str, str] = {}
    for part in report.parts:
        for row in part.rows:
            if row.status not in ("missing", "error") and row.alert.name not in out:
                out[row.alert.name] = row_png_base64(row)
    return out


def render(report: Report, form: str, templates: Path = TEMPLATES) -> str:
    if form == "json":
        return json.dumps(as_dict(report), indent=2, ensure_ascii=False) + "\n"
    template = environment(templates, form).get_template(TEMPLATE_FILES[form])
    tz = report.window.tz
    return template.render(
        report=report, tz=tz, title=f"{'Daily' if report.period == 'day' else 'Weekly'} report: {report.system}",
        start=fmt.moment(report.window.start, tz), end=fmt.moment(report.window.end, tz),
        images=plots(report) if form == "html" else {})


def _row_dict(row: Row) -> dict[str, Any]:
    stats = row.stats
    out: dict[str, Any] = {
        "alert": row.alert.name, "metric": row.alert.metric, "section": row.alert.group, "record": row.alert.record,
        "threshold": row.alert.threshold.text, "status": row.status, "error": row.data.error,
    }
    if stats is not None:
        out |= {"points": stats.points, "expected": stats.expected, "coverage": stats.coverage,
                "breached": stats.breached, "within": stats.within, "mean": stats.mean, "min": stats.minimum,
                "max": stats.maximum, "last": stats.last, "worst": stats.worst, "limit": row.limit,
                "reference": row.reference, "reference_source": row.reference_source, "change": row.change}
    return out


def _episode_dict(episode: Episode, report: Report) -> dict[str, Any]:
    tz, window = report.window.tz, report.window
    return {"alert": episode.alertname, "severity": episode.severity, "labels": dict(episode.labels),
            "started": fmt.iso(episode.started, tz), "active_since": fmt.iso(episode.active_since, tz),
            "resolved": fmt.iso(episode.resolved, tz), "ongoing": episode.ongoing,
            "carried_over": episode.carried_over, "duration_seconds": episode.duration(window),
            "seconds_in_period": episode.within(window)}


def as_dict(report: Report) -> dict[str, Any]:
    tz = report.window.tz
    parts = []
    for part in report.parts:
        entry: dict[str, Any] = {"item": part.item, "kind": part.kind, "error": part.error}
        if part.rows:
            entry["rows"] = [_row_dict(row) for row in part.rows]
        if part.kind == "errors_by_severity":
            entry["severities"] = [{"severity": s.name, "firings": s.firings, "alerts": s.alerts,
                                    "seconds_firing": s.seconds, "ongoing": s.ongoing} for s in part.severities]
        if part.kind == "incidents":
            entry["incidents"] = [_episode_dict(e, report) for e in part.incidents]
        parts.append(entry)
    out = {"system": report.system, "period": report.period, "start": fmt.iso(report.window.start, tz),
           "end": fmt.iso(report.window.end, tz), "step_seconds": report.window.step,
           "prometheus": report.prometheus, "items": parts}
    if report.budgets:
        out["error_budgets"] = [{"alert": b.alert.name, "metric": b.alert.metric, "objective": b.alert.threshold.text,
                                 "period": b.slo.period, "consumed": b.consumed,
                                 "consumed_in_period": b.consumed_in_window, "remaining": b.remaining,
                                 "status": b.status, "error": b.error} for b in report.budgets]
    return out


_JSON_KEYS = {"system", "period", "start", "end", "step_seconds", "prometheus", "items"}
_TITLE = re.compile(r"^(?:# |<h1>)(?:Daily|Weekly) report: ", re.MULTILINE)
_PERIOD = re.compile(r"^(?:<p>)?Period: .* Data: Prometheus at ", re.MULTILINE)


def is_report(data: bytes) -> bool:
    """Whether a file is a report monplan wrote (in any format), so `report --out` may replace it."""
    text = data.decode("utf-8", errors="replace")
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return False
        return isinstance(document, dict) and set(document) == _JSON_KEYS
    return bool(_TITLE.search(text)) and bool(_PERIOD.search(text))
