"""Suggested queries, keyed by the row's tool and the kind of metric it names.

Each entry names the tools it fits (None: any tool), the words of the metric it fits, the
threshold kinds whose unit its query returns (a 0-1 ratio for percentages, seconds for
durations, a count for "Any"), and the PromQL. The metric names are those of the exporters
monplan configures (blackbox_exporter, node_exporter, postgres_exporter, its mtail log
formats) and OpenTelemetry's HTTP semantic conventions; every suggestion is written with
`# suggested by monplan import: check it`. A row no entry fits gets `query: TODO`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monplan.docimport.cells import snake
from monplan.lang.thresholds import Kind, parse_threshold

RATIO, SECONDS, NUMBER, ANY, RELATIVE = Kind.RATIO, Kind.SECONDS, Kind.NUMBER, Kind.ANY, Kind.RELATIVE
COUNTS = (NUMBER, ANY)

LOGS = r"log|audit|siem|splunk|loki|elastic|kibana|graylog|mtail"
_HTTP = "http_server_request_duration_seconds"


@dataclass(frozen=True)
class Entry:
    name: str  # what the entry is, for the comment
    tool: str | None  # regex over the tool cell (None: any tool)
    metric: str  # regex over the metric cell
    kinds: tuple[Kind, ...]
    query: str  # may use {q} (the quantile), {slug} (the metric in snake_case), {result} (success/failure)


def _ratio(selector: str, metric: str) -> str:
    return f"sum(rate({metric}{{{selector}}}[5m])) / sum(rate({metric}[5m]))"


CATALOGUE: tuple[Entry, ...] = (
    # Availability, from a probe (uptime monitor, synthetic check, health check).
    Entry("uptime monitor -> blackbox probe_success", r"uptime|synthetic|pingdom|blackbox|probe|statuscake|ping|status ?page",
          r".", (RATIO,), 'avg(avg_over_time(probe_success{job="blackbox"}[10m]))'),
    Entry("availability -> blackbox probe_success", None, r"availab|uptime|\bup\b", (RATIO,),
          'avg(avg_over_time(probe_success{job="blackbox"}[10m]))'),
    Entry("health check -> failing blackbox probes", r"health|probe|ping|uptime|synthetic", r".", COUNTS,
          'sum(1 - probe_success{job="healthcheck"})'),
    Entry("connectivity -> failing blackbox probes", None, r"connectiv|reachab|health|liveness|readiness", COUNTS,
          'sum(1 - probe_success{job="healthcheck"})'),
    # Servers: node_exporter.
    Entry("server memory -> node_exporter", None, r"\bmem(ory)?\b|\bram\b", (RATIO,),
          "max by (instance) (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)"),
    Entry("server CPU -> node_exporter", None, r"\bcpu\b|processor", (RATIO,),
          '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))'),
    Entry("server disk -> node_exporter", None, r"\bdisk\b|storage|filesystem|file system", (RATIO,),
          'max by (instance, mountpoint) (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"}'
          ' / node_filesystem_size_bytes{fstype!~"tmpfs|overlay"})'),
    # Databases: postgres_exporter (pg_stat_statements, connections) and PostgreSQL's log via mtail.
    Entry("database query time -> postgres_exporter pg_stat_statements", None,
          r"(query|queries|sql|db|database).*(time|latency|duration)|slow quer", (SECONDS,),
          "max(rate(pg_stat_statements_seconds_total[5m]) / (rate(pg_stat_statements_calls_total[5m]) > 0))"),
    Entry("query monitor -> postgres_exporter pg_stat_statements", r"query monitor|pg_stat|database monitor|db monitor",
          r".", (SECONDS,),
          "max(rate(pg_stat_statements_seconds_total[5m]) / (rate(pg_stat_statements_calls_total[5m]) > 0))"),
    Entry("database connections -> postgres_exporter", None, r"(db|database|postgres|connection).*(connection|pool)",
          (RATIO,), "sum(pg_stat_activity_count) / sum(pg_settings_max_connections)"),
    Entry("database connections -> postgres_exporter", None, r"(db|database|postgres|connection).*(connection|pool)",
          (NUMBER,), "sum(pg_stat_activity_count)"),
    Entry("database errors -> PostgreSQL log (mtail)", None, r"(db|database|postgres|sql).*(error|fail)", COUNTS,
          'sum(increase(postgresql_log_messages_total{severity=~"ERROR|FATAL|PANIC"}[5m]))'),
    # Browsers: a RUM collector.
    Entry("JS exceptions -> RUM ratio", None, r"\bjs\b|javascript|frontend error|client error|browser error|exception",
          (RATIO,), "sum(rate(rum_js_exceptions_total[5m])) / sum(rate(rum_page_views_total[5m]))"),
    Entry("JS exceptions -> RUM count", None, r"\bjs\b|javascript|frontend error|client error|browser error|exception",
          COUNTS, "sum(increase(rum_js_exceptions_total[5m]))"),
    Entry("page load time -> RUM histogram", r"\brum\b|real user|browser|frontend|web vitals", r".", (SECONDS,),
          "histogram_quantile({q}, sum by (le) (rate(rum_page_load_seconds_bucket[5m])))"),
    Entry("page load time -> RUM histogram", None, r"page load|load time|frontend|first paint|\blcp\b|\bfcp\b|time to interactive",
          (SECONDS,), "histogram_quantile({q}, sum by (le) (rate(rum_page_load_seconds_bucket[5m])))"),
    # Authentication: the auth log (mtail's auth format counts attempts by result).
    Entry("login success or failure ratio -> auth log (mtail)", None, r"auth|login|log-in|sign.?in|credential", (RATIO,),
          'sum(rate(auth_login_attempts_total{result{op}"success"}[5m])) / sum(rate(auth_login_attempts_total[5m]))'),
    Entry("failed logins -> auth log (mtail)", None, r"auth|login|log-in|sign.?in|credential", COUNTS,
          'sum(increase(auth_login_attempts_total{result!="success"}[5m]))'),
    # HTTP errors: the access log (mtail) when the tool is a log, else the server's own metrics.
    Entry("HTTP 5xx -> access log (mtail)", LOGS, r"5xx|5\d\d|server error", (RATIO,),
          _ratio('status_class="5xx"', "http_log_responses_total")),
    Entry("HTTP 4xx -> access log (mtail)", LOGS, r"4xx|4\d\d|client error", (RATIO,),
          _ratio('status_class="4xx"', "http_log_responses_total")),
    Entry("HTTP 5xx -> access log (mtail)", LOGS, r"5xx|5\d\d|server error", COUNTS,
          'sum(increase(http_log_responses_total{status_class="5xx"}[5m]))'),
    Entry("errors -> access log 5xx ratio (mtail)", LOGS, r"error|fail", (RATIO,),
          _ratio('status_class="5xx"', "http_log_responses_total")),
    Entry("HTTP 5xx -> request-duration histogram", None, r"5xx|5\d\d|server error|error|http error", (RATIO,),
          _ratio('http_response_status_code=~"5.."', f"{_HTTP}_count")),
    Entry("HTTP 4xx -> request-duration histogram", None, r"4xx|4\d\d|client error", (RATIO,),
          _ratio('http_response_status_code=~"4.."', f"{_HTTP}_count")),
    # Latency: APM, i.e. the server's request-duration histogram (a quantile, or the average the cell asks for).
    Entry("APM latency -> request-duration histogram", None,
          r"response time|latency|request duration|request time|api time|\bttfb\b|round.?trip", (SECONDS,),
          f"histogram_quantile({{q}}, sum by (le) (rate({_HTTP}_bucket[5m])))"),
    Entry("APM latency -> request-duration histogram", r"\bapm\b|tracing|trace|new relic|datadog|dynatrace|opentelemetry|otel|tempo|jaeger|elastic apm",
          r".", (SECONDS,), f"histogram_quantile({{q}}, sum by (le) (rate({_HTTP}_bucket[5m])))"),
    Entry("throughput -> request-duration histogram", None, r"throughput|requests? (per|/) ?s|\brps\b|request rate|traffic",
          (NUMBER, RELATIVE), f"sum(rate({_HTTP}_count[5m]))"),
    # Sessions.
    Entry("session duration -> session histogram (average)", None, r"session (duration|length|time)", (SECONDS, RELATIVE),
          "sum(rate(user_session_duration_seconds_sum[1h])) / sum(rate(user_session_duration_seconds_count[1h]))"),
    # Business counters compared with their baseline: a counter named after the metric.
    Entry("business rate -> a counter named after it", None, r"rate|count|per (hour|day|minute)|volume|signups?|orders?|created",
          (RELATIVE, NUMBER), "sum(rate({slug}_total[1h]))"),
    # Events that must never happen: a counter named after them, from the log or audit trail that records them.
    Entry("events from a log or audit trail -> a counter named after them", None, r".", (ANY,),
          "sum(increase({slug}_total[5m]))"),
)

_AVERAGE = re.compile(r"\bavg\b|average|mean|per (query|request|call)", re.IGNORECASE)
_COUNTER_NOISE = re.compile(r"\b(rate|count|counts|number of|per (hour|day|minute|second)|total)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    query: str
    entry: str


def suggest(metric: str, tool: str | None, threshold: str, quantile: str | None = None) -> Suggestion | None:
    """The catalogue's query for a row, or None when no entry fits its tool, metric and threshold."""
    try:
        parsed = parse_threshold(threshold)
    except ValueError:
        return None
    kind = parsed.kind
    words = f"{metric} {parsed.description}".lower()
    tool_words = (tool or "").lower()
    for entry in CATALOGUE:
        if kind not in entry.kinds:
            continue
        if entry.tool is not None and not re.search(entry.tool, tool_words):
            continue
        if not re.search(entry.metric, words if entry.tool is None else words or "."):
            continue
        query = entry.query
        if "{q}" in query:
            if quantile is None and _AVERAGE.search(words) and "histogram_quantile" in query:
                bucket = re.search(r"rate\((\w+)_bucket\[5m\]\)", query)
                if bucket:
                    base = bucket[1]
                    query = f"sum(rate({base}_sum[5m])) / sum(rate({base}_count[5m]))"
            query = query.replace("{q}", quantile or "0.95")
        if "{op}" in query:
            success = "success" in words or (parsed.op in ("<", "<=") and not re.search(r"fail|error", words))
            query = query.replace("{op}", "=" if success else "!=")
        if "{slug}" in query:
            query = query.replace("{slug}", snake(_COUNTER_NOISE.sub(" ", metric)) or snake(metric))
        return Suggestion(query, entry.name)
    return None
