"""The unit a query measures, inferred from its PromQL, and the threshold checks built on it."""

from __future__ import annotations

import pytest

from monplan.lang.thresholds import parse_threshold
from monplan.lang.units import Unit, check_threshold, grafana_unit, infer, unit_of

SHAPES = [
    # naming conventions
    ("probe_success", Unit.RATIO),
    ('up{job="api"}', Unit.RATIO),
    ("node_memory_MemAvailable_bytes", Unit.BYTES),
    ("process_start_time_seconds", Unit.SECONDS),
    ("queue_fill_ratio", Unit.RATIO),
    ("disk_used_percent", Unit.PERCENT),
    ("http_requests_total", Unit.COUNT),
    ("http_request_duration_seconds_count", Unit.COUNT),
    ("http_request_duration_seconds_sum", Unit.SECONDS),
    ("queue_depth", Unit.UNKNOWN),
    ("job:http_errors:ratio", Unit.RATIO),
    ("monplan:api_response_time:seconds", Unit.SECONDS),
    ("job:http_requests:rate5m", Unit.UNKNOWN),
    # functions
    ("rate(http_requests_total[5m])", Unit.RATE),
    ("irate(http_requests_total[1m])", Unit.RATE),
    ("increase(http_requests_total[1h])", Unit.COUNT),
    ("sum(increase(errors_total[5m]))", Unit.COUNT),
    ("rate(process_cpu_seconds_total[5m])", Unit.RATIO),
    ("rate(network_transmit_bytes_total[5m])", Unit.UNKNOWN),
    ("histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))", Unit.SECONDS),
    ("histogram_quantile(0.9, rate(response_size_bytes_bucket[5m]))", Unit.BYTES),
    ("histogram_quantile(0.9, rate(x_bucket[5m]))", Unit.UNKNOWN),
    ('avg(avg_over_time(probe_success{job="api"}[10m]))', Unit.RATIO),
    ("max_over_time(probe_duration_seconds[5m])", Unit.SECONDS),
    ("quantile_over_time(0.9, probe_duration_seconds[1h])", Unit.SECONDS),
    ("count_over_time(up[1h])", Unit.COUNT),
    ("changes(process_start_time_seconds[1h])", Unit.COUNT),
    ("time() - process_start_time_seconds", Unit.SECONDS),
    ("abs(delta(queue_fill_ratio[1h]))", Unit.RATIO),
    ("vector(1)", Unit.UNKNOWN),
    ("clamp_max(probe_duration_seconds, 10)", Unit.SECONDS),
    # aggregations
    ("sum(up)", Unit.COUNT),
    ("count(up)", Unit.COUNT),
    ("avg(up)", Unit.RATIO),
    ("min by (instance) (up)", Unit.RATIO),
    ("sum(1 - probe_success)", Unit.COUNT),
    ("sum(rate(process_cpu_seconds_total[5m]))", Unit.UNKNOWN),  # CPU cores, not a share
    ("sum by (job) (rate(http_requests_total[5m]))", Unit.RATE),
    # arithmetic
    ('sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))', Unit.RATIO),
    ("sum(rate(js_exceptions_total[5m])) / sum(rate(page_views_total[5m]))", Unit.RATIO),
    ("sum(rate(x_seconds_sum[5m])) / sum(rate(x_seconds_count[5m]))", Unit.SECONDS),
    ("increase(x_seconds_sum[1h]) / increase(x_seconds_count[1h])", Unit.SECONDS),
    ("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", Unit.RATIO),
    ("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", Unit.RATIO),
    ('1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', Unit.RATIO),
    ('100 * sum(rate(e_total{code=~"5.."}[5m])) / sum(rate(e_total[5m]))', Unit.PERCENT),
    ("avg(up) * 100", Unit.PERCENT),
    ("100 - 100 * avg(up)", Unit.PERCENT),
    ("1000 * histogram_quantile(0.9, rate(a_seconds_bucket[5m]))", Unit.MILLISECONDS),
    ("probe_duration_seconds / 1000", Unit.UNKNOWN),
    ("queue_depth / queue_capacity", Unit.UNKNOWN),
    ("rate(x_total[5m]) / queue_depth", Unit.UNKNOWN),
    ("probe_duration_seconds + probe_dns_lookup_time_seconds", Unit.SECONDS),
    ("probe_duration_seconds + http_requests_total", Unit.UNKNOWN),
    ("probe_success or probe_duration_seconds", Unit.UNKNOWN),
    ("avg(up) and on (job) probe_success", Unit.RATIO),
    ("probe_duration_seconds > 1", Unit.SECONDS),
    ("probe_duration_seconds > bool 1", Unit.RATIO),
    ("(avg(up))", Unit.RATIO),
    ("-probe_duration_seconds", Unit.SECONDS),
    # other units names use, and scalings back to seconds
    ("max(job_duration_microseconds)", Unit.MICROSECONDS),
    ("max(job_duration_us)", Unit.MICROSECONDS),
    ("max(gc_pause_nanoseconds)", Unit.NANOSECONDS),
    ("max(gc_pause_ns)", Unit.NANOSECONDS),
    ("histogram_quantile(0.95, sum by (le) (rate(cache_latency_ms_bucket[5m])))", Unit.MILLISECONDS),
    ("max(jvm_gc_pause_millis)", Unit.MILLISECONDS),
    ("rate(x_microseconds_sum[5m]) / rate(x_microseconds_count[5m])", Unit.MICROSECONDS),
    ("max(disk_used_pct)", Unit.PERCENT),
    ("max(backlog_age_minutes)", Unit.MINUTES),
    ("max(cert_expiry_days)", Unit.DAYS),
    ("(time() - last_backup_timestamp_seconds) / 3600", Unit.HOURS),
    ("max(x_milliseconds) / 1000", Unit.SECONDS),
    ("max(x_milliseconds) * 0.001", Unit.SECONDS),
    ("max(x_milliseconds) / 1e3", Unit.SECONDS),
    ("0.001 * max(x_ms)", Unit.SECONDS),
    ("max(x_microseconds) / 1e6", Unit.SECONDS),
    ("max(x_nanoseconds) * 1e-9", Unit.SECONDS),
    ("max(x_ns) / 1e9", Unit.SECONDS),
    ("max(backlog_age_minutes) * 60", Unit.SECONDS),
    ("max(x_seconds) * 1e6", Unit.MICROSECONDS),
    ("max(x_seconds) * 1e9", Unit.NANOSECONDS),
    ("max(x_seconds) / 60", Unit.MINUTES),
    ("max(x_milliseconds) / 1000 / 7", Unit.UNKNOWN),
    ("max(x_seconds) * 1e400", Unit.UNKNOWN),  # an infinite literal scales to nothing known
    ("max(status_sms)", Unit.UNKNOWN),  # "_ms" needs its underscore
]


@pytest.mark.parametrize(("query", "unit"), SHAPES, ids=[q for q, _ in SHAPES])
def test_a_query_measures_the_unit_its_promql_says(query: str, unit: Unit) -> None:
    assert unit_of(query) is unit


def test_only_a_share_of_one_metric_is_known_to_stay_within_100_percent() -> None:
    assert infer('sum(rate(r_total{code="500"}[5m])) / sum(rate(r_total[5m]))').bounded
    assert not infer("sum(rate(exceptions_total[5m])) / sum(rate(page_views_total[5m]))").bounded  # several per view
    assert infer("avg(avg_over_time(probe_success[10m]))").bounded
    assert not infer("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes").bounded


def _checks(threshold: str, query: str) -> list[str]:
    dim = infer(query)
    return [finding.check for finding in check_threshold(parse_threshold(threshold), dim, dim.unit)]


RATIO = "avg(avg_over_time(probe_success[10m]))"
LATENCY = "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"
PERCENT = "100 * avg(up)"
COUNT = "sum(increase(errors_total[5m]))"


@pytest.mark.parametrize(("threshold", "query", "checks"), [
    ("<99.9%", RATIO, []),
    ("<0.999", RATIO, []),  # a bare fraction is fine
    ("<99.9", RATIO, ["units/mismatch"]),
    (">1", RATIO, ["units/never-fires"]),  # a bare 1 is 100%
    (">2s", RATIO, ["units/mismatch"]),
    (">200%", RATIO, ["units/never-fires"]),
    (">100%", RATIO, ["units/never-fires"]),
    (">=100%", RATIO, []),
    ("<0%", RATIO, ["units/never-fires"]),
    ("<=0%", RATIO, []),
    (">=0%", RATIO, ["units/always-fires"]),
    ("<=100%", RATIO, ["units/always-fires"]),
    ("<101%", RATIO, ["units/always-fires"]),
    (">500ms", LATENCY, []),
    (">500", LATENCY, ["units/mismatch"]),
    (">0.5", LATENCY, ["units/mismatch"]),
    (">5%", LATENCY, ["units/mismatch"]),
    ("<0s", LATENCY, ["units/never-fires"]),
    (">5", PERCENT, []),
    (">5%", PERCENT, ["units/mismatch"]),
    (">100", PERCENT, ["units/never-fires"]),
    (">10", COUNT, []),
    (">1%", COUNT, ["units/mismatch"]),
    ("Any", COUNT, []),
    ("<80% of baseline", COUNT, []),
    (">500", "max(queue_depth)", []),  # unknown unit: silent
    (">5%", "max(queue_depth)", []),
    ("<0", "max(queue_depth)", []),  # it could be negative
    ("<0", "deriv(probe_duration_seconds[5m])", []),
    # durations are compared in seconds: a threshold on another time unit must be a bare number
    (">2s", "max(job_duration_microseconds)", ["units/mismatch"]),
    (">2000000", "max(job_duration_microseconds)", []),
    (">2s", "max(job_duration_microseconds) / 1e6", []),
    (">500ms", "histogram_quantile(0.95, sum by (le) (rate(cache_latency_ms_bucket[5m])))", ["units/mismatch"]),
    (">500", "histogram_quantile(0.95, sum by (le) (rate(cache_latency_ms_bucket[5m])))", []),
    (">2s", "max(x_milliseconds) / 1000", []),
    (">2s", "max(x_milliseconds) * 0.001", []),
    (">2s", "max(x_milliseconds) / 1e3", []),
    (">2", "max(x_milliseconds) / 1000", ["units/mismatch"]),  # now seconds: a bare number is refused
    (">1s", "max(gc_pause_ns)", ["units/mismatch"]),
    (">1s", "max(gc_pause_ns) * 1e-9", []),
    (">5%", "max(gc_pause_ns)", ["units/mismatch"]),
    (">10m", "max(backlog_age_minutes)", ["units/mismatch"]),
    (">10", "max(backlog_age_minutes)", []),
    (">2h", "(time() - last_backup_timestamp_seconds) / 3600", ["units/mismatch"]),
    ("<14", "min(cert_expiry_days)", []),
    (">80%", "max(disk_used_pct)", ["units/mismatch"]),
    (">80", "max(disk_used_pct)", []),
])
def test_thresholds_are_checked_against_the_query_unit(threshold: str, query: str, checks: list[str]) -> None:
    assert _checks(threshold, query) == checks


def test_messages_suggest_the_threshold_in_the_query_unit() -> None:
    [finding] = check_threshold(parse_threshold("<99.9 availability"), infer(RATIO), Unit.RATIO)
    assert '"<99.9% availability"' in finding.message
    [finding] = check_threshold(parse_threshold(">500 avg"), infer(LATENCY), Unit.SECONDS)
    assert '">500ms avg"' in finding.message and '">500s avg"' in finding.message
    [finding] = check_threshold(parse_threshold(">5%"), infer(PERCENT), Unit.PERCENT)
    assert '">5"' in finding.message
    [finding] = check_threshold(parse_threshold(">2s p99"), infer("max(job_duration_microseconds)"), Unit.MICROSECONDS)
    assert '">2000000 p99"' in finding.message and "divide it by 1e6" in finding.message
    [finding] = check_threshold(parse_threshold(">90s"), infer("max(backlog_age_minutes)"), Unit.MINUTES)
    assert '">1.5"' in finding.message and "multiply it by 60" in finding.message


@pytest.mark.parametrize(("given", "stored"), [("percentunit", "percentunit"), ("s", "s"), ("ratio", "percentunit"),
                                                ("seconds", "s"), ("Milliseconds", "ms"), ("suffix: jobs", "suffix: jobs"),
                                                ("reqps", "reqps"), ("short", "short")])
def test_a_row_unit_is_a_grafana_unit_or_a_word_for_one(given: str, stored: str) -> None:
    assert grafana_unit(given) == stored


@pytest.mark.parametrize("wrong", ["percentage", "secs", "furlongs", ""])
def test_an_unknown_unit_is_refused_saying_what_is_expected(wrong: str) -> None:
    with pytest.raises(ValueError, match="expected a Grafana unit id"):
        grafana_unit(wrong)
