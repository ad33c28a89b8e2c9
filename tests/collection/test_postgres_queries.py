"""The generated postgres_exporter queries on a real PostgreSQL (a throw-away cluster the test
starts): they return what the plan's queries read, the server enforces their timeout and
read-only transaction, and the real postgres_exporter serves them as the plan's series."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from conftest import ROOT, require_tool
from monplan.generators.postgres_queries import guarded_sql
from monplan.spec.collection import PostgresQuery, QueryColumn

from .conftest import Process, build_files, free_port, http_get, require_postgres, wait_until

SCHEMA = """
CREATE EXTENSION pg_stat_statements;
CREATE SCHEMA audit;
CREATE TABLE audit.rls_violations (id serial PRIMARY KEY, at timestamptz DEFAULT now(), detail text);
CREATE SEQUENCE customers_customer_code_seq START 1000 MAXVALUE 99999;
CREATE TABLE customers (id serial PRIMARY KEY, customer_code text, name text);
CREATE TABLE workflows (id serial PRIMARY KEY, title text);
CREATE TABLE commissions (id serial PRIMARY KEY, workflow_id int, amount numeric);
INSERT INTO audit.rls_violations (detail) VALUES ('a'), ('b'), ('c');
SELECT nextval('customers_customer_code_seq') FROM generate_series(1, 25);
INSERT INTO customers (customer_code, name) VALUES ('C-1', 'a'), ('C-2', 'b'), ('C-2', 'c'), ('C-3', 'd'),
  ('C-3', 'e'), ('C-3', 'f'), (NULL, 'g'), (NULL, 'h');
INSERT INTO workflows (title) SELECT 'w' || n FROM generate_series(1, 5) n;
INSERT INTO commissions (workflow_id, amount) VALUES (1, 10), (NULL, 20), (2, 30), (NULL, 40);
"""
# The application's key queries, tagged as the plan's pg_stat_statements query expects.
KEY_QUERIES = [
    "SELECT /* uws:workflow_listing */ id, title FROM workflows ORDER BY id LIMIT 50",
    "SELECT /* uws:workflow_listing */ id, title FROM workflows ORDER BY id LIMIT 50",
    "SELECT /* uws:customer_search */ id FROM customers WHERE name ILIKE 'a%'",
]


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """A PostgreSQL cluster with pg_stat_statements and the plan's tables; yields psql(sql) -> output."""
    bindir = require_postgres()
    require_tool("psql")
    # PostgreSQL refuses to run as root: run it as the postgres user then.
    user = "postgres" if os.geteuid() == 0 else None
    # Its own folder outside pytest's (which only root may enter), for the postgres user.
    home = Path(tempfile.mkdtemp(prefix="monplan-pg-"))
    if user:
        shutil.chown(home, user)
    env_user = user or pwd.getpwuid(os.geteuid()).pw_name
    subprocess.run([str(bindir / "initdb"), "-D", str(home / "data"), "-A", "trust", "-U", env_user],
                   check=True, capture_output=True, user=user, timeout=120)
    port = free_port()
    # SIGINT: a fast shutdown, which does not wait for the exporter to disconnect.
    server = Process([str(bindir / "postgres"), "-D", str(home / "data"), "-p", str(port), "-k", str(home), "-c",
                      "listen_addresses=", "-c", "shared_preload_libraries=pg_stat_statements", "-c", "fsync=off"],
                     tmp_path_factory.mktemp("pg") / "postgres.log", user=user, stop_signal=signal.SIGINT)

    def psql(sql: str) -> str:
        proc = subprocess.run(["psql", "-X", "-A", "-t", "-F", "|", "-h", str(home), "-p", str(port), "-U", env_user,
                               "-d", "postgres", "-c", sql], capture_output=True, text=True, timeout=60, check=False)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip())
        # psql also prints the tags of the SET statements; keep the rows.
        return "\n".join(line for line in proc.stdout.splitlines() if line and line != "SET")

    try:
        wait_until(lambda: psql("SELECT 1") == "1", 30, "PostgreSQL to accept connections")
    except AssertionError:
        server.stop()
        raise
    psql(SCHEMA)
    for query in KEY_QUERIES:
        psql(query)
    psql.dsn = f"postgresql://{env_user}@/postgres?host={home}&port={port}&sslmode=disable"  # type: ignore[attr-defined]
    yield psql
    server.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def queries() -> dict[str, dict]:
    return yaml.safe_load(build_files(ROOT / "plan.yaml")["exporters/postgres_exporter/queries.yaml"])


def test_every_query_runs_as_generated_and_returns_what_the_plan_reads(postgres, queries: dict[str, dict]) -> None:
    # psql -c sends the three statements as one simple-protocol message, as postgres_exporter does.
    key = dict(line.split("|")[0:2] for line in postgres(queries["uws_key_query"]["query"]).splitlines())
    assert key == {"workflow_listing": "2", "customer_search": "1", "commission_calculation": "0"}
    assert postgres(queries["uws_rls_policy_violations"]["query"]) == "3"
    assert postgres(queries["uws_customer_code_sequence"]["query"]) == "1024|99999"
    assert postgres(queries["uws_customer_code"]["query"]) == "2"  # C-2 and C-3
    assert postgres(queries["uws_commissions"]["query"]) == "2"


def _query(sql: str, timeout: str) -> PostgresQuery:
    # model_construct skips the plan's own read-only check, to prove the server's.
    return PostgresQuery.model_construct(metric="t", description="t", sql=sql, timeout=timeout,
                                         columns={"v": QueryColumn(usage="gauge", description="v")})


def test_the_server_cancels_a_query_past_its_timeout(postgres) -> None:
    with pytest.raises(RuntimeError, match="statement timeout"):
        postgres(guarded_sql(_query("SELECT pg_sleep(3) IS NULL AS v", "200ms"), "5s"))
    # The timeout lasts for that transaction only.
    assert postgres("SHOW statement_timeout") == "0"


def test_the_server_refuses_a_write_even_if_one_slipped_through(postgres) -> None:
    with pytest.raises(RuntimeError, match="read-only transaction"):
        postgres(guarded_sql(_query("INSERT INTO audit.rls_violations (detail) VALUES ('x')", "5s"), "5s"))
    assert postgres("SELECT count(*) FROM audit.rls_violations") == "3"


def test_postgres_exporter_serves_the_series_the_plan_queries_read(
        postgres, tmp_path: Path, processes: Callable[..., Process]) -> None:
    exporter = require_tool("prometheus-postgres-exporter")
    config = tmp_path / "queries.yaml"
    config.write_bytes(build_files(ROOT / "plan.yaml")["exporters/postgres_exporter/queries.yaml"])
    port = free_port()
    # The DSN comes from the environment, as the plan's dsn_file (an EnvironmentFile) provides it.
    process = processes([exporter, f"--extend.query-path={config}", f"--web.listen-address=127.0.0.1:{port}",
                         "--disable-settings-metrics"], tmp_path / "exporter.log",
                        env={**os.environ, "DATA_SOURCE_NAME": postgres.dsn})

    def scrape() -> dict[tuple[str, tuple], float] | None:
        text = http_get(f"http://127.0.0.1:{port}/metrics").decode()
        values = {(s.name, tuple(sorted((k, v) for k, v in s.labels.items() if k == "query"))): s.value
                  for family in text_string_to_metric_families(text) for s in family.samples}
        return values if ("uws_commissions_without_workflow_id", ()) in values else None

    values = wait_until(scrape, 30, f"postgres_exporter to serve the custom queries\n{process.output()}")
    assert values[("uws_key_query_calls_total", (("query", "workflow_listing"),))] == 2
    assert values[("uws_key_query_calls_total", (("query", "commission_calculation"),))] == 0
    assert values[("uws_key_query_exec_seconds_total", (("query", "customer_search"),))] > 0
    assert values[("uws_rls_policy_violations_total", ())] == 3
    assert values[("uws_customer_code_sequence_last_value", ())] == 1024
    assert values[("uws_customer_code_sequence_max_value", ())] == 99999
    assert values[("uws_customer_code_duplicates", ())] == 2
    assert values[("uws_commissions_without_workflow_id", ())] == 2
    assert "error" not in process.output().lower().replace("error_count", "")
