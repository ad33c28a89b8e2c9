"""mtail programs that turn the plan's log files into the counters its log-based rows read.

One program per log format of `collection.mtail.logs`. mtail runs every program on every
line of every file it tails, so each program only looks at its own files (matched by full
path with getfilename()).

First events: an unlabelled counter is exported at 0 as soon as mtail starts, so the first
matching line is an increase Prometheus sees. Counters with labels have no series until a
line creates one; each program therefore creates the label values the plan's alerts read,
at 0, on the first line mtail reads from any file, and the rules for "Any" rows also count
a series that appears above 0 (see monplan/lang/first_event.py).

Check: `mtail --compile_only --progs exporters/mtail`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monplan.formats.render import header, one_line
from monplan.model.collection import LogSource
from monplan.model.plan import Plan

PROGRAMS_DIR = "exporters/mtail"


@dataclass(frozen=True)
class Format:
    """A log format: the counter it feeds, its labels, and how a line is read."""

    counter: str
    help: str
    pattern: str  # RE2; must capture `groups`
    groups: tuple[str, ...]
    labels: tuple[str, ...]  # the counter's labels, in order
    initial: tuple[str, ...]  # values of the first label created at 0
    line_format: str  # for the program's header


FORMATS: dict[str, Format] = {
    "auth": Format(
        "auth_login_attempts_total", "Login attempts by result (success, failure, error)",
        r"\bevent=login\b.*\bresult=(?P<result>success|failure|error)\b", ("result",), ("result",),
        ("success", "failure", "error"), "logfmt lines such as: ts=... event=login result=failure user=... ip=..."),
    "http_access": Format(
        "http_log_responses_total", "HTTP responses by status class (2xx, 4xx, 5xx, ...)",
        r'^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" (?P<class>[1-5])\d\d ', ("class",), ("status_class", "component"),
        ("1xx", "2xx", "3xx", "4xx", "5xx"), 'NCSA combined/common log: host - user [time] "GET /path HTTP/1.1" 503 ...'),
    "postgresql": Format(
        "postgresql_log_messages_total", "PostgreSQL log messages by severity",
        r"\b(?P<severity>DEBUG[1-5]|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC):  ", ("severity",), ("severity",),
        ("LOG", "WARNING", "ERROR", "FATAL", "PANIC"), "PostgreSQL stderr log: 2026-11-25 09:00:00.123 CET [1234] ERROR:  ..."),
    "security_audit": Format(
        "security_audit_cross_tenant_access_total", "Cross-tenant data access events in the security audit log",
        r'\bevent=cross_tenant_access\b|"event":\s*"cross_tenant_access"', (), (), (),
        'logfmt (event=cross_tenant_access ...) or JSON ({"event": "cross_tenant_access", ...}) lines'),
}


def mtail_regex(pattern: str) -> str:
    """A pattern as an mtail /regex/ literal: every '/' escaped."""
    out, escaped = [], False
    for char in pattern:
        if char == "/" and not escaped:
            out.append("\\/")
        else:
            out.append(char)
        escaped = char == "\\" and not escaped
    return "/" + "".join(out) + "/"


def path_regex(paths: Sequence[str]) -> str:
    """Full paths (with * and ? globs) as one anchored RE2 pattern."""
    alternatives = []
    for path in paths:
        parts = []
        for char in path:
            if char == "*":
                parts.append("[^/]*")
            elif char == "?":
                parts.append("[^/]")
            elif char.isascii() and (char.isalnum() or char in "_/"):
                parts.append(char)
            elif char.isascii() and char.isprintable() and char != " ":
                parts.append("\\" + char)  # RE2 takes a backslash before ASCII punctuation only
            else:
                parts.append(f"\\x{{{ord(char):x}}}")  # spaces, accents, dashes, control characters
        alternatives.append("".join(parts))
    return "^(?:" + "|".join(alternatives) + ")$"


def _string(text: str) -> str:
    # mtail strings take \" as a quote and keep every other backslash as written (\\ stays
    # two); the plan refuses backslashes and line breaks in the values written here.
    return '"' + text.replace('"', '\\"') + '"'


def _increment(fmt: Format, source: LogSource) -> str:
    """The counter update for one matched line of `source`."""
    if not fmt.labels:
        return f"{fmt.counter}++"
    if fmt.counter == "http_log_responses_total":
        return f'{fmt.counter}[${fmt.groups[0]} + "xx"][{_string(source.component or "")}]++'
    return f"{fmt.counter}[${fmt.groups[0]}]++"


def _initial_keys(fmt: Format, sources: list[LogSource]) -> list[str]:
    if len(fmt.labels) == 2:  # status_class and component
        components = sorted({s.component or "" for s in sources})
        return [f"[{_string(v)}][{_string(c)}]" for c in components for v in fmt.initial]
    return [f"[{_string(v)}]" for v in fmt.initial]


def program(name: str, sources: list[LogSource], source_file: str) -> str:
    fmt = FORMATS[name]
    lines = [header(source_file, f"mtail program for {name} logs: {fmt.help}").rstrip("\n")]
    lines.append(f"# Lines read: {fmt.line_format}")
    for src in sources:
        lines.append(f"# Files: {one_line(', '.join(src.paths))}")
    lines.append("")
    by = f" by {', '.join(fmt.labels)}" if fmt.labels else ""
    lines.append(f"counter {fmt.counter}{by}")
    extra = [counter for src in sources for counter in src.counters]
    lines.extend(f"# {one_line(c.description)}\ncounter {c.metric}" for c in extra)
    if fmt.labels:
        lines += ["hidden gauge initialised", "",
                  "# Create the label values alerts read at 0 on the first line mtail reads, so that",
                  "# the first matching line is an increase from 0 rather than a new series.",
                  "initialised == 0 {"]
        lines += [f"  {fmt.counter}{key} += 0" for key in _initial_keys(fmt, sources)]
        lines += ["  initialised = 1", "}"]
    for src in sources:
        lines += ["", f"getfilename() =~ {mtail_regex(path_regex(src.paths))} {{"]
        lines += [f"  {mtail_regex(src.pattern or fmt.pattern)} {{", f"    {_increment(fmt, src)}", "  }"]
        for counter in src.counters:
            lines += [f"  {mtail_regex(counter.match)} {{", f"    {counter.metric}++", "  }"]
        lines.append("}")
    return "\n".join(lines) + "\n"


def counters(sources: Sequence[LogSource]) -> dict[str, tuple[str, ...]]:
    """Every counter the programs export, with its labels (for the plan's source checks)."""
    out: dict[str, tuple[str, ...]] = {}
    for src in sources:
        fmt = FORMATS[src.format]
        out[fmt.counter] = fmt.labels
        out.update({c.metric: () for c in src.counters})
    return out


def generate(plan: Plan) -> dict[str, bytes]:
    collection = plan.collection
    if collection is None or collection.mtail is None:
        return {}
    by_format: dict[str, list[LogSource]] = {}
    for src in collection.mtail.logs:
        by_format.setdefault(src.format, []).append(src)
    source_file = plan.source
    return {f"{PROGRAMS_DIR}/{name}.mtail": program(name, sources, source_file).encode()
            for name, sources in sorted(by_format.items())}
