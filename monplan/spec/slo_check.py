"""Checks across the fields of a row's `slo:`, on the plan as written, so that they are
reported in the same run as every other problem and each at the field to change.

The fields' own values (a query without ${window}, a latency that is no duration, unknown
keys) are checked by the plan's model; here is what only the fields together tell."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.lang.thresholds import Kind, ThresholdError, parse_threshold
from monplan.spec.loader import Located

_OTHER_VARIABLE = re.compile(r"\$\{(?!window\})[^}]*\}")
_SLI = 'expected errors: (or good:) with total:, ratio:, bool_gauge:, or latency: with buckets:'


def slo_problems(located: Located) -> list[Diagnostic]:
    """Every cross-field problem of the plan's SLO rows, located."""
    out: list[Diagnostic] = []

    def report(path: Path, message: str, *, key: bool = False) -> None:
        line, column = located.where(path, key=key)
        out.append(Diagnostic(located.file, line, column, message, format_path(path), check="slo/spec"))

    for path, row, per_service in _slo_rows(located.data):
        _check_row(path, row, per_service, report)
    return out


def _slo_rows(data: Any) -> Iterator[tuple[Path, dict[str, Any], bool]]:
    sections = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(sections, list):
        return
    for index, section in enumerate(sections):
        if not isinstance(section, dict) or not isinstance(section.get("metrics"), list):
            continue
        for number, row in enumerate(section["metrics"]):
            if isinstance(row, dict) and row.get("slo") is not None:
                yield ("sections", index, "metrics", number), row, section.get("per_service") is True


def _check_row(path: Path, row: dict[str, Any], per_service: bool, report: Callable[..., None]) -> None:
    slo = row["slo"]
    if not per_service and isinstance(slo, dict):
        for key in ("errors", "good", "total", "ratio", "buckets", "bool_gauge"):
            text = slo.get(key)
            if isinstance(text, str) and _OTHER_VARIABLE.search(text):
                report(path + ("slo", key), "variables other than ${window}, such as ${service}, work only in "
                       "sections with per_service: true")
    if "query" in row:
        report(path + ("query",), "an SLO row has no query of its own: its SLI is in slo: (errors:/good: and "
               "total:, or latency: and buckets:); remove query", key=True)
    objective = _objective_problem(row.get("threshold"))
    if objective:
        report(path + ("threshold",), objective)
    if isinstance(slo, dict):
        _check_sli(path + ("slo",), slo, report)


def _objective_problem(threshold: Any) -> str | None:
    """Why the threshold cannot be an SLO's objective, or None (a threshold that cannot be
    read at all is reported by the threshold check)."""
    if not isinstance(threshold, str):
        return None
    try:
        parsed = parse_threshold(threshold)
    except ThresholdError:
        return None
    expected = 'expected the objective as a percentage the SLI must stay above, such as "<99.9%"'
    if parsed.kind is not Kind.RATIO:
        return f'an SLO row\'s threshold is its objective, a percentage; "{threshold}" is not one; {expected}'
    if parsed.op not in ("<", "<="):
        return f'an SLO alerts when the SLI falls below its objective; "{threshold}" alerts above it; {expected}'
    if not 0 < parsed.value < 1:
        return f'the objective "{threshold}" leaves no error budget to spend; {expected}'
    return None


def _check_sli(path: Path, slo: dict[str, Any], report: Callable[..., None]) -> None:
    given = {key for key in ("errors", "good", "total", "ratio", "latency", "buckets", "bool_gauge")
             if slo.get(key) is not None}
    if "ratio" in given:
        for key in sorted(given - {"ratio"}):
            report(path + (key,), f"a ratio SLI is the error ratio itself (bad over all events); remove {key}, or "
                   "remove ratio and give errors: (or good:) with total:", key=True)
        return
    if "bool_gauge" in given:
        for key in sorted(given - {"bool_gauge"}):
            report(path + (key,), f"a bool_gauge SLI counts the gauge's samples at 0 as bad and all its samples as "
                   f"the total; remove {key}", key=True)
        return
    if {"errors", "good"} <= given:
        report(path + ("good",), "an SLI counts either bad events (errors:) or good ones (good:), not both; "
               "remove one", key=True)
    if "latency" in given:
        for key in sorted(given & {"errors", "good", "total"}):
            report(path + (key,), f"a latency SLI counts the requests slower than latency: from buckets:, and its "
                   f"total is the +Inf bucket; remove {key}", key=True)
        if "buckets" not in given:
            report(path + ("latency",), 'a latency SLI needs buckets:, the histogram\'s _bucket selector such as '
                   'http_request_duration_seconds_bucket{job="api"}', key=True)
        return
    if "buckets" in given:
        report(path + ("buckets",), 'buckets: belongs to a latency SLI; add latency: (such as "500ms") or '
               "remove buckets", key=True)
    if not given & {"errors", "good"}:
        where = path + (min(given),) if given else path
        report(where, f"the SLO counts no bad or good events; {_SLI}", key=True)
    elif "total" not in given:
        report(path + ("errors" if "errors" in given else "good",), "total: is missing: the SLI's error ratio "
               "needs the rate of all events, such as sum(rate(http_requests_total{job=\"api\"}[${window}]))", key=True)
