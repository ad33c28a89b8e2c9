"""SQL injection through postgres_exporter queries: the read-only check reads the SQL with
PostgreSQL's own parser (pglast), so quoting tricks cannot hide a second statement, a writing
CTE, a lock or a denied function, and each hostile query is refused at its plan line. Queries
that only read, however they quote, still build and postgres_exporter serves them from a real
PostgreSQL.

The regex check it replaces took `E'\\''` for the end of a string: `; COMMIT; DELETE ...` after
it ran on the server, past the read-only transaction (the COMMIT ended it)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from conftest import require_tool, run_monplan
from monplan.generators.postgres_queries import guarded_sql

from .conftest import Process, free_port, http_get, wait_until
from .test_postgres_queries import _query, postgres  # noqa: F401  (the PostgreSQL fixture)

HOSTILE = [
    # a backslash that E'' escapes but a regex took for the end of the string
    "SELECT E'\\'' AS v; COMMIT; DELETE FROM audit.rls_violations; SELECT 1 AS v",
    # one string to a parser with standard_conforming_strings on, three statements with it off
    "SELECT 'a\\'' ; COMMIT; DELETE FROM audit.rls_violations; --' AS v",
    "SELECT $$;$$ AS v; COMMIT; DELETE FROM audit.rls_violations",
    "SELECT $a$ $$ $a$ AS v; COMMIT; DELETE FROM audit.rls_violations",
    "SELECT 1 AS v /* /* nested */ ; COMMIT; */ ; COMMIT; DELETE FROM audit.rls_violations",
    "SELECT \"a\"\"\" AS v FROM (SELECT 1 AS \"a\"\"\") x; COMMIT; DELETE FROM audit.rls_violations",
    "SELECT 'a\\' AS v",  # the server reads this differently with standard_conforming_strings off
    "select 1 as v;\ncommit;\ndelete from audit.rls_violations",
    "COMMIT; SELECT 1 AS v",
    "DELETE FROM audit.rls_violations RETURNING 1 AS v",
    "WITH gone AS (DELETE FROM audit.rls_violations RETURNING 1) SELECT count(*) AS v FROM gone",
    "WITH a AS (SELECT 1), b AS (UPDATE customers SET name = 'x' RETURNING 1) SELECT count(*) AS v FROM b",
    "WITH m AS (INSERT INTO workflows (title) VALUES ('x') RETURNING 1) SELECT count(*) AS v FROM m",
    "SELECT 1 AS v INTO TEMP copied",
    "SELECT * INTO public.copied FROM customers",
    "SELECT count(*) AS v FROM customers FOR UPDATE",
    "SELECT count(*) AS v FROM (SELECT * FROM customers FOR NO KEY UPDATE SKIP LOCKED) c",
    "SELECT 1 AS v FROM customers FOR SHARE OF customers NOWAIT",
    "SELECT pg_sleep(10) IS NULL AS v",
    "SELECT \"pg_sleep\"(10) IS NULL AS v",
    "SELECT pg_catalog.pg_sleep(10) IS NULL AS v",
    "SELECT \"pg_catalog\" . \"pg_sleep_for\"('10s') IS NULL AS v",
    "SELECT count(*) AS v FROM PG_SLEEP(10)",
    "SELECT pg_terminate_backend(pid) AS v FROM pg_stat_activity",
    "SELECT pg_cancel_backend(1)::int AS v",
    "SELECT set_config('transaction_read_only', 'off', true) AS v",
    "SELECT length(set_config('statement_timeout', '0', false)) AS v",
    "SELECT nextval('customers_customer_code_seq') AS v",
    "SELECT setval('customers_customer_code_seq', 1) AS v",
    "SELECT pg_advisory_lock(1) IS NULL AS v",
    "SELECT pg_try_advisory_xact_lock(1)::int AS v",
    "SELECT lo_import('/etc/passwd') AS v",
    "SELECT lo_unlink(1) AS v",
    "SELECT length(pg_read_file('/etc/passwd')) AS v",
    "SELECT length(pg_read_binary_file('/etc/passwd')) AS v",
    "SELECT count(*) AS v FROM pg_ls_dir('.')",
    "SELECT count(*) AS v FROM dblink('dbname=postgres', 'DELETE FROM audit.rls_violations') AS t(x text)",
    "SELECT dblink_exec('dbname=postgres', 'DELETE FROM audit.rls_violations') IS NULL AS v",
    "SELECT length(query_to_xml('DELETE FROM audit.rls_violations RETURNING 1', true, true, '')::text) AS v",
    "SELECT pg_reload_conf()::int AS v",
    "SELECT pg_notify('c', 'x') IS NULL AS v",
    "SELECT pg_stat_reset() IS NULL AS v",
    "SELECT pg_stat_statements_reset() IS NULL AS v",
    "SELECT 1 AS v WHERE EXISTS (SELECT pg_sleep(10))",
    "COPY customers TO '/tmp/x'",
    "DO $$ BEGIN DELETE FROM audit.rls_violations; END $$",
    "CALL some_procedure()",
    "EXPLAIN ANALYZE DELETE FROM audit.rls_violations",
    "SET transaction_read_only = off",
    "TRUNCATE audit.rls_violations",
    "LOCK TABLE customers",
    "SELECT (",
]

ALLOWED = {
    # metric: (sql, expected value of its v series)
    "q_escape": ("SELECT length(E'a\\'b\\\\c') AS v", 5),
    "q_dollar": ("SELECT length($x$; COMMIT; DELETE FROM t $$ ' \" $x$) AS v", len("; COMMIT; DELETE FROM t $$ ' \" ")),
    "q_quotes": ("SELECT length('it''s; -- not a comment /* x */') AS v", len("it's; -- not a comment /* x */")),
    "q_ident": ("SELECT count(*) AS v FROM (SELECT 1 AS \"we;ird\"\"\") t", 1),
    "q_comments": ("/* ; COMMIT; */ SELECT count(*) AS v -- ; DELETE\nFROM audit.rls_violations", 3),
    "q_cte": ("WITH r AS (SELECT * FROM audit.rls_violations) SELECT count(*) AS v FROM r", 3),
    "q_union": ("SELECT count(*) AS v FROM (SELECT id FROM customers UNION ALL SELECT id FROM workflows) x", 13),
    "q_schema_fn": ("SELECT pg_catalog.length('abc') AS v;", 3),
    "q_currval_safe": ("SELECT last_value AS v FROM customers_customer_code_seq", 1024),
    "q_upper_keywords": ("select COUNT(*) as V from CUSTOMERS", 8),
}


def _plan(queries: dict[str, str]) -> str:
    lines = ["version: 1", "system: Shop", "sections:", "  - title: Availability", "    metrics:",
             '      - {metric: Checkout Availability, threshold: "<99.5%", priority: critical, query: up}',
             "collection:", "  postgres_exporter:", '    targets: ["db-1:9187"]', "    dsn_file: /etc/pg/dsn.env",
             "    queries:"]
    for metric, sql in queries.items():
        lines += [f"      - metric: {metric}", "        description: d", f"        sql: {json.dumps(sql)}",
                  "        columns: {v: {usage: gauge, description: v}}"]
    return "\n".join(lines) + "\n"


def _sql_lines(text: str) -> dict[int, str]:
    return {number: line for number, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith("sql:")}


def test_every_hostile_query_is_refused_at_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    text = _plan({f"q{index}": sql for index, sql in enumerate(HOSTILE)})
    plan.write_text(text)
    result = run_monplan("build", "--plan", str(plan), "--out", str(tmp_path / "out"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert not (tmp_path / "out").exists()
    refused = {int(m[1]): m[2] for m in re.finditer(
        r"^\S*plan\.yaml:(\d+):\d+: error: collection\.postgres_exporter\.queries\[(\d+)\]\.sql: ", result.stderr, re.MULTILINE)}
    lines = sorted(_sql_lines(text))
    assert len(lines) == len(HOSTILE)
    missed = [HOSTILE[index] for index, line in enumerate(lines) if refused.get(line) != str(index)]
    assert not missed, result.stderr


def test_the_first_hostile_query_would_delete_rows_on_a_real_server(postgres) -> None:  # noqa: F811
    """Why the check matters: the server's read-only transaction does not stop it (COMMIT ends it).
    Run in a table of its own so the other tests' data stay as they are."""
    postgres("CREATE TABLE IF NOT EXISTS victims (id int); INSERT INTO victims VALUES (1), (2)")
    sql = "SELECT E'\\'' AS v; COMMIT; DELETE FROM victims; SELECT 1 AS v"
    postgres(guarded_sql(_query(sql, "5s"), "5s"))
    assert postgres("SELECT count(*) FROM victims") == "0"


def test_reading_queries_however_quoted_build_and_postgres_exporter_serves_them(
        postgres, tmp_path: Path, processes: Callable[..., Process]) -> None:  # noqa: F811
    exporter = require_tool("prometheus-postgres-exporter")
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan({metric: sql for metric, (sql, _) in ALLOWED.items()}))
    result = run_monplan("-q", "build", "--plan", str(plan), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    config = tmp_path / "out" / "exporters" / "postgres_exporter" / "queries.yaml"
    port = free_port()
    process = processes([exporter, f"--extend.query-path={config}", f"--web.listen-address=127.0.0.1:{port}",
                         "--disable-settings-metrics"], tmp_path / "exporter.log",
                        env={**os.environ, "DATA_SOURCE_NAME": postgres.dsn})

    def scrape() -> dict[str, float] | None:
        text = http_get(f"http://127.0.0.1:{port}/metrics").decode()
        values = {s.name: s.value for family in text_string_to_metric_families(text) for s in family.samples}
        return values if all(f"{metric}_v" in values for metric in ALLOWED) else None

    values = wait_until(scrape, 30, f"postgres_exporter to serve every query\n{process.output()}")
    assert {metric: values[f"{metric}_v"] for metric in ALLOWED} == {m: v for m, (_, v) in ALLOWED.items()}
    assert postgres("SELECT count(*) FROM audit.rls_violations") == "3"
