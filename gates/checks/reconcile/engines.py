"""Engine selection: `duckdb` (embedded default), `postgres` (pushdown), `spark` (cluster).

Without an explicit choice, the plan is pushed down to PostgreSQL when both sources live in one
PostgreSQL database (only results travel), and runs on the embedded DuckDB otherwise.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from enum import StrEnum
from pathlib import Path
from typing import assert_never

from gates.checks.reconcile.engine import Engine
from gates.checks.reconcile.sources import Source, SourceKind
from gates.errors import InvalidInput


class EngineName(StrEnum):
    DUCKDB = "duckdb"
    POSTGRES = "postgres"
    SPARK = "spark"


def choose(name: str | None, *, events: Source, report: Source) -> EngineName:
    if name is not None:
        try:
            return EngineName(name)
        except ValueError:
            raise InvalidInput(
                "engine", "name", f"unknown engine {name!r}", "use duckdb, postgres or spark"
            ) from None
    if events.kind is SourceKind.POSTGRES and report.kind is SourceKind.POSTGRES:
        from gates.checks.reconcile.engine_postgres import pushdown_url

        if pushdown_url(events, report) is not None:
            return EngineName.POSTGRES
    return EngineName.DUCKDB


def open_engine(
    name: str | None, *, events: Source, report: Source
) -> AbstractContextManager[Engine]:
    """A context manager yielding the chosen engine, ready for `engine.reconcile`."""
    which = choose(name, events=events, report=report)
    match which:
        case EngineName.DUCKDB:
            from gates.checks.reconcile.engine_duckdb import DuckDBEngine

            return DuckDBEngine()
        case EngineName.POSTGRES:
            return _postgres(events, report)
        case EngineName.SPARK:
            return _spark()
        case _:
            assert_never(which)


@contextmanager
def _postgres(events: Source, report: Source) -> Iterator[Engine]:
    from gates.checks.reconcile.engine_postgres import PostgresEngine, pushdown_url
    from gates.checks.reconcile.sources_postgres import PostgresSource

    server = pushdown_url(events, report)
    if server is None:
        server = next((s for s in (events, report) if isinstance(s, PostgresSource)), None)
    if server is None:
        raise InvalidInput(
            "engine",
            "postgres",
            "no source is a PostgreSQL database",
            "use a postgres source for events or report, or another engine",
        )
    with PostgresEngine(server) as engine:
        yield engine


@contextmanager
def _spark() -> Iterator[Engine]:
    from gates.checks.reconcile.engine_spark import SparkEngine, spark_session

    with tempfile.TemporaryDirectory(prefix="release-gates-spark-") as tmp:
        session = spark_session(log=Path(tmp) / "spark.log")
        try:
            with SparkEngine(session) as engine:
                yield engine
        finally:
            session.stop()
