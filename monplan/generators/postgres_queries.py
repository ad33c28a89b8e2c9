"""postgres_exporter custom queries (`--extend.query-path`) for the database focus areas.

Every query runs as one simple-protocol message of three statements, which PostgreSQL
executes in one implicit transaction:

    SET LOCAL statement_timeout = '5000ms'; SET LOCAL transaction_read_only = on; SELECT ...

so the server itself cancels a query past its timeout and refuses any write, whatever the
exporter's database user may do; both settings end with the transaction. postgres_exporter
(lib/pq) sends queries without parameters this way and reads the rows of the last
statement. The plan's SQL is also checked to be a single read-only SELECT before it gets here.
"""

from __future__ import annotations

from typing import Any

from monplan.formats.render import header, one_line, to_yaml
from monplan.lang import durations
from monplan.model.collection import PostgresExporter, PostgresQuery
from monplan.model.plan import Plan

CONFIG_PATH = "exporters/postgres_exporter/queries.yaml"


def guarded_sql(query: PostgresQuery, default_timeout: str) -> str:
    """The query as postgres_exporter sends it: timeout and read-only first, then the SELECT."""
    ms = durations.parse_ms(query.timeout or default_timeout)
    select = query.sql.strip().rstrip(";").strip()
    return f"SET LOCAL statement_timeout = '{ms}ms';\nSET LOCAL transaction_read_only = on;\n{select}"


def entry(query: PostgresQuery, default_timeout: str) -> dict[str, Any]:
    metrics = [{name: {"usage": column.usage.upper(), "description": one_line(column.description)}}
               for name, column in query.columns]
    # master: run on the database of the DSN only, also when databases are auto-discovered.
    return {"query": guarded_sql(query, default_timeout), "master": True, "metrics": metrics}


def render(exporter: PostgresExporter, source: str) -> bytes:
    text = header(source, "postgres_exporter custom queries: read-only, each with a statement timeout").encode()
    text += (f"# Run: postgres_exporter --extend.query-path=queries.yaml, with DATA_SOURCE_NAME from "
             f"{one_line(exporter.dsn_file)} (e.g. systemd EnvironmentFile=); the DSN never appears here.\n").encode()
    for query in exporter.queries:
        timeout = query.timeout
        names = ", ".join(name for name, _ in query.series())
        doc = f"\n# {one_line(query.description)}\n# Series: {names}. Timeout: {timeout}.\n"
        text += doc.encode() + to_yaml({query.metric: entry(query, exporter.statement_timeout)})
    return text


def generate(plan: Plan) -> dict[str, bytes]:
    collection = plan.collection
    if collection is None or collection.postgres_exporter is None or not collection.postgres_exporter.queries:
        return {}
    return {CONFIG_PATH: render(collection.postgres_exporter, plan.source)}
