"""The PostgreSQL source and engine on a real server: read-only reads, exact values, pushdown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from gates.checks.reconcile import sources_postgres as sp
from gates.checks.reconcile.engine_duckdb import DuckDBEngine
from gates.checks.reconcile.engine_postgres import PostgresEngine
from gates.checks.reconcile.model import ColumnType, SourceSchema
from gates.checks.reconcile.sources import parse_source
from gates.errors import GateCannotRun, InvalidInput
from tests.reconcile_servers import PostgresServer, free_port


@pytest.fixture(scope="module")
def pg_url(postgres_server: PostgresServer) -> str:
    url = postgres_server.create_database("pgsource")
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE pay (id text, amount numeric(12, 2), minor bigint, at timestamptz, "
            "note text)"
        )
        conn.execute(
            "INSERT INTO pay VALUES "
            "('p1', 12.50, 1250, '2026-11-10 10:00:00+00', 'a, \"quoted\"\nnote'), "
            "('p2', 0.10, 10, '2026-11-10 23:59:59.123456+02', ''), "
            "('p3', NULL, NULL, NULL, NULL)"
        )
        conn.execute("CREATE SEQUENCE pay_seq")
    return url


def _source(url: str, **spec: Any) -> sp.PostgresSource:
    return sp.parse({"kind": "postgres", "url": url, **spec}, root=Path("."), file="p", field="f")


def test_values_arrive_as_exact_text(pg_url: str) -> None:
    con = duckdb.connect()
    _source(pg_url, table="pay").bind_duckdb(con, "raw", ["id"])
    assert con.execute("SELECT * FROM raw ORDER BY id").fetchall() == [
        ("p1", "12.50", "1250", "2026-11-10T10:00:00+00:00", 'a, "quoted"\nnote', "pay(0,1)"),
        ("p2", "0.10", "10", "2026-11-10T21:59:59.123456+00:00", "", "pay(0,2)"),
        ("p3", None, None, None, None, "pay(0,3)"),  # a table's rows cite their ctid
    ]


def test_a_query_cannot_write(pg_url: str) -> None:
    source = _source(pg_url, query="SELECT id, nextval('pay_seq') AS n FROM pay")
    with DuckDBEngine(threads=1) as engine, pytest.raises(InvalidInput) as err:
        engine.bind(source, "events_raw", ["id"])
    assert "cannot execute nextval() in a read-only transaction" in str(err.value)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT is_called FROM pay_seq").fetchone() == (False,)


def test_an_abandoned_read_frees_the_connection(pg_url: str) -> None:
    source = _source(pg_url, query="SELECT g AS n FROM generate_series(1, 2000000) AS g")
    with source.connect() as conn:
        with source.batches(conn) as reader:
            first = reader.read_next_batch()
        assert first.column(0)[0].as_py() == "1"
        assert first.num_rows < 2_000_000
        conn.rollback()
        assert conn.execute("SELECT 41 + 1").fetchone() == (42,)


def test_engine_reads_in_place_with_real_types(pg_url: str) -> None:
    source = _source(pg_url, table="pay")
    with PostgresEngine(source) as engine:
        schema = engine.bind(source, "events_raw", ["id"])
    assert schema == SourceSchema(
        columns=(
            ("id", ColumnType.STRING),
            ("amount", ColumnType.DECIMAL),
            ("minor", ColumnType.INTEGER),
            ("at", ColumnType.TIMESTAMP),
            ("note", ColumnType.STRING),
            ("_rg_ref", ColumnType.STRING),  # the row's ctid: `pay(0,1)`
        )
    )


def test_url_from_the_environment(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = {"kind": "postgres", "url_env": "RG_TEST_PG_URL", "table": "pay"}
    source = parse_source(spec, root=Path("."), file="p", field="$.report")
    assert source.label == "postgres:$RG_TEST_PG_URL?table=pay"
    with pytest.raises(GateCannotRun) as err:
        source.bind_duckdb(duckdb.connect(), "raw", ["id"])
    assert str(err.value).startswith(
        "gate reconcile: environment variable RG_TEST_PG_URL (PostgreSQL URL) is not set."
    )
    monkeypatch.setenv("RG_TEST_PG_URL", pg_url)
    con = duckdb.connect()
    source.bind_duckdb(con, "raw", ["id"])
    assert con.execute("SELECT count(*) FROM raw").fetchone() == (3,)


def test_unreachable_server_cannot_run() -> None:
    source = _source(f"postgresql://rg@127.0.0.1:{free_port()}/x", table="pay")
    with pytest.raises(GateCannotRun) as err:
        source.bind_duckdb(duckdb.connect(), "raw", ["id"])
    assert str(err.value).startswith("gate reconcile: cannot connect to PostgreSQL at 127.0.0.1:")


def test_missing_table_is_invalid_input(pg_url: str) -> None:
    with pytest.raises(InvalidInput) as err:
        _source(pg_url, table="nope").bind_duckdb(duckdb.connect(), "raw", ["id"])
    assert str(err.value).startswith("postgres:127.0.0.1:")
    assert 'table: PostgreSQL refused it: relation "nope" does not exist' in str(err.value)


def test_missing_client_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(GateCannotRun) as err:
        _source("postgresql://h/db", table="t").connect()
    assert str(err.value) == (
        "gate reconcile: the PostgreSQL client is not installed. "
        "Fix: pip install 'release-gates[postgres]'"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"table": "t"}, "p: f: a postgres source needs exactly one of url and url_env"),
        (
            {"url": "postgresql://u:secret@h/db", "table": "t"},
            "p: f.url: contains a password, and policy files are committed",
        ),
        (
            {"url": "postgresql://h/db?password=secret", "table": "t"},
            "p: f.url: contains a password, and policy files are committed",
        ),
        ({"url": "mysql://h/db", "table": "t"}, "p: f.url: expected a postgresql:// URL"),
        (
            {"url": "postgresql://h/db"},
            "p: f: a postgres source needs exactly one of table or query",
        ),
        (
            {"url": "postgresql://h/db", "table": "t; DROP TABLE x"},
            "p: f.table: 't; DROP TABLE x' is not a table name",
        ),
        ({"url": "postgresql://h/db", "query": "  "}, "p: f.query: expected a non-empty string"),
        (
            {"url": "postgresql://h/db", "table": "t", "schema": "s"},
            "p: f.schema: unknown key for a postgres source",
        ),
    ],
    ids=[
        "no-url",
        "password-in-url",
        "password-in-query-string",
        "wrong-scheme",
        "no-table-or-query",
        "bad-table-name",
        "blank-query",
        "unknown-key",
    ],
)
def test_spec_errors(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        sp.parse({"kind": "postgres", **spec}, root=Path("."), file="p", field="f")
    assert str(err.value).split(". Fix: ")[0] == message
    assert "secret" not in str(err.value)
