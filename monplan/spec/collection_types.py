"""Scalar types of `collection:`: names, host:port targets, RE2 patterns and read-only SQL,
each refusing a bad value with a message saying what is expected."""

from __future__ import annotations

import re
from collections.abc import Iterator
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

# RE2 (the regexp engine of mtail and blackbox_exporter) has neither lookaround nor
# backreferences; Python's re, which checks the pattern here, also knows atomic groups,
# conditionals, comments and \Z, which RE2 refuses: the program would not compile.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=|\(\?>|\(\?\(|\(\?#|(?<!\\)\\Z|[*+?}][+]")


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
    """A regular expression mtail and blackbox_exporter (Go's regexp, RE2 syntax) can compile,
    capturing the named groups it must. Checked with RE2 itself (google-re2): Python's re also
    takes possessive quantifiers (a++), lookaround, backreferences, atomic groups and \\Z, which
    would make the generated program fail to load."""
    bad = next((c for c in value if not c.isprintable()), None)
    if bad is not None:  # an mtail /regex/ literal ends at a line break
        raise ValueError(f"the pattern contains the control character {bad!r}; write it as an escape such as \\n or \\t")
    problem, names = _re2_compile(value)
    # RE2 (C++) accepts two spellings that Go's regexp in mtail (Go 1.19) does not.
    if problem is None and _GO_REFUSES.search(value):
        problem = "(?<name>...) and \\C are not Go regexp syntax; write (?P<name>...)"
    if problem is not None:
        raise ValueError(f"mtail and blackbox_exporter cannot compile this regular expression (RE2 syntax): {problem}; "
                         "RE2 has no lookaround (?=, (?!, (?<=, backreferences \\1, possessive quantifiers a++ or "
                         "atomic groups (?>, and \\z (not \\Z) ends the text")
    missing = [g for g in groups if g not in names]
    if missing:
        raise ValueError(f"the pattern must capture {', '.join(f'(?P<{g}>...)' for g in missing)}")
    return value


_GO_REFUSES = re.compile(r"\(\?<(?![=!])|(?<!\\)(?:\\\\)*\\C")


def _re2_compile(value: str) -> tuple[str | None, dict[str, int]]:
    """RE2's verdict on a pattern (its error, or None) and its named groups."""
    try:
        import re2  # google-re2: RE2 itself, the engine whose syntax Go's regexp follows
    except ImportError:  # pragma: no cover - a dependency; kept working without it
        return _python_compile(value)
    options = re2.Options()
    options.log_errors = False  # RE2 would print each refusal to stderr itself
    try:
        compiled = re2.compile(value, options)
    except re2.error as err:
        reason = err.args[0] if err.args else err
        return (reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)), {}
    return None, dict(compiled.groupindex)


def _python_compile(value: str) -> tuple[str | None, dict[str, int]]:
    if _NOT_RE2.search(value):
        return "Python-only syntax", {}
    try:
        compiled = re.compile(value)
    except re.error as err:
        return str(err), {}
    return None, dict(compiled.groupindex)


# Functions a collection query may not call, however quoted or schema-qualified: they sleep,
# signal or end other sessions, change settings, advance sequences, take advisory locks, read
# or write server files and large objects, reach other databases (dblink), emit WAL or
# notifications, or run a query given as a string (query_to_xml and kin), around PostgreSQL's
# read-only transaction. Names are compared lower-cased; a trailing "*" is a prefix.
DENIED_FUNCTIONS = (
    "pg_sleep*", "pg_terminate_backend", "pg_cancel_backend", "pg_signal_backend", "pg_reload_conf",
    "pg_rotate_logfile*", "pg_log_backend_memory_contexts", "pg_stat_reset*", "pg_stat_statements_reset",
    "pg_stat_clear_snapshot", "set_config", "nextval", "setval", "pg_advisory*", "pg_try_advisory*",
    "dblink*", "lo_*", "loread", "lowrite", "pg_read_file", "pg_read_binary_file", "pg_ls_*", "pg_stat_file",
    "pg_file_*", "pg_logdir_ls", "pg_notify", "pg_logical_*", "pg_create_*", "pg_drop_replication_slot",
    "pg_replication_*", "pg_copy_*", "pg_switch_wal", "pg_switch_xlog", "pg_promote", "pg_wal_replay_*",
    "pg_backup_*", "pg_start_backup", "pg_stop_backup", "pg_import_system_collations", "pg_current_xact_id",
    "txid_current", "query_to_xml*", "cursor_to_xml*", "table_to_xml*", "schema_to_xml*", "database_to_xml*",
    "pg_extension_config_dump", "pg_catalog_*", "pg_prewarm", "pg_partition_*", "pg_nextoid", "binary_upgrade_*",
    "pgstattuple*", "pg_freespacemap*", "bt_*", "heap_page_*", "get_raw_page", "pg_truncate_visibility_map",
)
# Statement kinds that write, wherever they appear (a WITH ... AS (DELETE ...) included).
_WRITING_NODES = ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")


def _denied(name: str) -> bool:
    name = name.lower()
    return any(name.startswith(d[:-1]) if d.endswith("*") else name == d for d in DENIED_FUNCTIONS)


def _nodes(tree: object) -> Iterator[tuple[str, object]]:
    """Every (node type or field name, value) pair of a parse tree in pglast's JSON form."""
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                yield key, value
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _ambiguous_backslash(sql: str) -> bool:
    """A standard '...' string holding a backslash: its meaning (and where it ends) depends on
    the server's standard_conforming_strings, so a check cannot know what the server reads."""
    from pglast.parser import scan

    raw = sql.encode("utf-8")
    for token in scan(sql):
        if token.name == "SCONST":
            text = raw[token.start:token.end + 1]
            if text[:1] in (b"'", b"n", b"N") and b"\\" in text:
                return True
    return False


def check_read_only_sql(sql: str) -> str:
    """One SELECT (or WITH ... SELECT) statement that reads and never writes, locks or changes
    settings, checked on PostgreSQL's own parse tree (pglast is PostgreSQL's parser)."""
    import json

    from pglast.parser import ParseError, parse_sql_json

    try:
        statements = json.loads(parse_sql_json(sql))["stmts"]
    except ParseError as err:
        raise ValueError(f"the SQL does not parse as PostgreSQL: {err.args[0]}") from None
    if len(statements) != 1:
        raise ValueError("a collection query must be one statement; remove the ';' between statements")
    kind, select = next(iter(statements[0]["stmt"].items()))
    if kind != "SelectStmt":
        raise ValueError("a collection query must be a single SELECT (or WITH ... SELECT) statement")
    if _ambiguous_backslash(sql):
        raise ValueError("a '...' string with a backslash reads differently with standard_conforming_strings off; "
                         "write it as E'...' (with \\\\ for a backslash)")
    for key, value in _nodes(select):
        if key in _WRITING_NODES:
            raise ValueError(f"{key.removesuffix('Stmt').upper()} writes (in a WITH?); collection queries only read")
        if key == "intoClause":
            raise ValueError("SELECT ... INTO creates a table; collection queries only read")
        if key == "lockingClause":
            raise ValueError("SELECT ... FOR UPDATE/SHARE takes row locks; collection queries only read")
        if key == "FuncCall" and isinstance(value, dict):
            name = value["funcname"][-1]["String"]["sval"]
            if _denied(name):
                raise ValueError(f'"{name}" can change the database, the session or the server, or reach '
                                 f"outside it; collection queries only read")
    return sql


MetricName = Annotated[str, AfterValidator(metric_name)]
JobName = Annotated[str, AfterValidator(job_name)]
# Each target checked on its own, so every bad one is reported at its own column.
HostPorts = Annotated[list[Annotated[Text, AfterValidator(host_port)]], Field(min_length=1)]
Regex = Annotated[str, AfterValidator(check_regex)]
ReadOnlySQL = Annotated[str, AfterValidator(check_read_only_sql)]
