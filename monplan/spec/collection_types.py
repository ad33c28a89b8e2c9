"""Scalar types of `collection:`: names, host:port targets, RE2 patterns and read-only SQL,
each refusing a bad value with a message saying what is expected."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from monplan.spec.safe import host_port
from monplan.spec.types import Text

# Names Prometheus accepts for metrics and label values we put in job names.
_METRIC = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
METRIC_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*\*?$")
_JOB = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$")
MODULE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

# The probers monplan configures (blackbox_exporter 0.23 also has dns, which needs a query
# name the plan has no field for). --config.check accepts any prober name and the probe
# only fails when it runs, so monplan checks the name itself.
PROBERS = ("http", "tcp", "icmp", "grpc")

# What a read-only query may not contain (outside string literals and comments).
_WRITES = re.compile(
    r"\b(insert|update|delete|merge|truncate|drop|alter|create|grant|revoke|copy|call|do|lock|vacuum|analyze|"
    r"cluster|reindex|refresh|set|reset|begin|commit|rollback|nextval|setval|pg_advisory_lock\w*|pg_terminate_backend|"
    r"pg_cancel_backend|pg_reload_conf|pg_stat_statements_reset|pg_stat_reset\w*|dblink\w*|lo_\w+)\b", re.IGNORECASE)
_SQL_STRIP = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)
# RE2 (the regexp engine of mtail and blackbox_exporter) has neither lookaround nor
# backreferences; Python's re, which checks the pattern here, also knows atomic groups,
# conditionals, comments and \Z, which RE2 refuses: the program would not compile.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=|\(\?>|\(\?\(|\(\?#|(?<!\\)\\Z")


def metric_name(value: str) -> str:
    if not _METRIC.match(value):
        raise ValueError(f'"{value}" is not a valid metric name; expected letters, digits and _')
    return value


def job_name(value: str) -> str:
    if not _JOB.match(value):
        raise ValueError(f'"{value}" is not a valid job name; expected letters, digits, _, . and -')
    return value


def host_ports(values: list[str]) -> list[str]:
    for value in values:
        host_port(value)  # host names or [IPv6], ports 1-65535, no placeholders
    return values


def check_regex(value: str, *, groups: tuple[str, ...] = ()) -> str:
    """A regular expression mtail (RE2) can run, capturing the named groups it must."""
    if _NOT_RE2.search(value):
        raise ValueError("mtail and blackbox_exporter use RE2 regular expressions: no lookaround (?=, (?!, (?<=, "
                         "backreferences \\1 or (?P=name), atomic groups (?>, conditionals (?(, comments (?# or \\Z "
                         "(use $ for the end)")
    bad = next((c for c in value if not c.isprintable()), None)
    if bad is not None:  # an mtail /regex/ literal ends at a line break
        raise ValueError(f"the pattern contains the control character {bad!r}; write it as an escape such as \\n or \\t")
    try:
        compiled = re.compile(value)
    except re.error as err:
        raise ValueError(f"the regular expression does not compile: {err}") from None
    missing = [g for g in groups if g not in compiled.groupindex]
    if missing:
        raise ValueError(f"the pattern must capture {', '.join(f'(?P<{g}>...)' for g in missing)}")
    return value


def check_read_only_sql(sql: str) -> str:
    """One SELECT (or WITH ... SELECT) statement that reads and never writes or changes settings."""
    text = _SQL_STRIP.sub(" ", sql).strip()
    if not re.match(r"^(select|with)\b", text, re.IGNORECASE):
        raise ValueError("a collection query must be a single SELECT (or WITH ... SELECT) statement")
    if ";" in text.rstrip(";").rstrip() or text.count(";") > 1:
        raise ValueError("a collection query must be one statement; remove the ';' between statements")
    if re.search(r"\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b", text, re.IGNORECASE):
        raise ValueError("SELECT ... FOR UPDATE/SHARE takes row locks; collection queries only read")
    found = _WRITES.search(text)
    if found:
        raise ValueError(f'"{found.group()}" can change the database or the session; collection queries are read-only')
    return sql


MetricName = Annotated[str, AfterValidator(metric_name)]
JobName = Annotated[str, AfterValidator(job_name)]
# Each target checked on its own, so every bad one is reported at its own column.
HostPorts = Annotated[list[Annotated[Text, AfterValidator(host_port)]], Field(min_length=1)]
Regex = Annotated[str, AfterValidator(check_regex)]
ReadOnlySQL = Annotated[str, AfterValidator(check_read_only_sql)]
