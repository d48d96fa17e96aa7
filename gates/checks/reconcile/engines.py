"""Engine selection: `duckdb` (embedded default), `postgres` (pushdown), `spark` (cluster)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from enum import StrEnum
from typing import assert_never

from gates.checks.reconcile.engine import Engine
from gates.checks.reconcile.sources import Source
from gates.errors import InvalidInput


class EngineName(StrEnum):
    DUCKDB = "duckdb"
    POSTGRES = "postgres"
    SPARK = "spark"


def open_engine(name: str, *, events: Source, report: Source) -> AbstractContextManager[Engine]:
    """A context manager yielding the named engine, ready for `engine.reconcile`."""
    try:
        which = EngineName(name)
    except ValueError:
        raise InvalidInput(
            "engine", "name", f"unknown engine {name!r}", "use duckdb, postgres or spark"
        ) from None
    match which:
        case EngineName.DUCKDB:
            from gates.checks.reconcile.engine_duckdb import DuckDBEngine

            return DuckDBEngine()
        case EngineName.POSTGRES:
            from gates.checks.reconcile import engine_postgres  # type: ignore[attr-defined,unused-ignore]

            return engine_postgres.open_engine(events=events, report=report)  # type: ignore[no-any-return,unused-ignore]
        case EngineName.SPARK:
            from gates.checks.reconcile import engine_spark  # type: ignore[attr-defined,unused-ignore]

            return engine_spark.open_engine(events=events, report=report)  # type: ignore[no-any-return,unused-ignore]
        case _:
            assert_never(which)
