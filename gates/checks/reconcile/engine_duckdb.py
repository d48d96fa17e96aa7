"""The embedded engine: DuckDB runs the plan in-process, streaming from the sources.

Rows never become Python objects: sources are scanned by DuckDB, intermediate tables live in
DuckDB (spilling to a temporary directory under memory pressure), and discrepancy rows reach the
sink as Arrow record batches. The session time zone is UTC so naive timestamps mean UTC.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING

from gates.checks.reconcile.engine import DiscrepancySink
from gates.checks.reconcile.model import ColumnType, SourceSchema
from gates.checks.reconcile.plan import Plan
from gates.checks.reconcile.sources import Source, SourceKind, quote_ident
from gates.errors import GateCannotRun, InvalidInput

if TYPE_CHECKING:
    import duckdb

BATCH_ROWS = 100_000


def column_type(duck_type: str) -> ColumnType:
    t = duck_type.upper()
    if t in {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    }:
        return ColumnType.INTEGER
    if t.startswith("DECIMAL"):
        return ColumnType.DECIMAL
    if t in {"FLOAT", "DOUBLE", "REAL"}:
        return ColumnType.FLOAT
    if t == "VARCHAR" or t.startswith("VARCHAR"):
        return ColumnType.STRING
    if t.startswith("TIMESTAMP"):
        return ColumnType.TIMESTAMP
    if t == "DATE":
        return ColumnType.DATE
    return ColumnType.OTHER


class DuckDBEngine(AbstractContextManager["DuckDBEngine"]):
    """One in-memory DuckDB connection per run. Use as a context manager."""

    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        self._tmp = tempfile.TemporaryDirectory(prefix="release-gates-duckdb-")
        self.con: duckdb.DuckDBPyConnection = duckdb.connect(":memory:")
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute(f"SET temp_directory = '{self._tmp.name}'")
        self.con.execute("SET preserve_insertion_order = false")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit is not None:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.con.close()
        self._tmp.cleanup()

    def bind(self, source: Source, name: str, columns: Sequence[str]) -> SourceSchema:
        import duckdb

        try:
            source.bind_duckdb(self.con, name, columns)
            described = self.con.execute(f"DESCRIBE SELECT * FROM {quote_ident(name)}").fetchall()  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        except duckdb.Error as exc:
            raise InvalidInput(
                source.label,
                "data",
                f"DuckDB cannot read it: {_first_line(exc)}",
                "fix the file or the source spec",
            ) from exc
        return SourceSchema(
            columns=tuple((str(r[0]), column_type(str(r[1]))) for r in described),
            parse_once=source.kind in (SourceKind.JSONL, SourceKind.CSV),
        )

    def execute(
        self, plan: Plan, *, sink: DiscrepancySink | None
    ) -> Mapping[str, list[tuple[object, ...]]]:
        import duckdb

        plan = plan.sql_for("duckdb")
        try:
            for step in plan.steps:
                kind = "TABLE" if step.materialize else "VIEW"
                self.con.execute(
                    f"CREATE OR REPLACE TEMP {kind} {quote_ident(step.name)} AS {step.sql}"
                )
            rows = {name: self.con.execute(sql).fetchall() for name, sql in plan.outputs}
            if sink is not None:
                reader = self.con.sql(plan.discrepancies).to_arrow_reader(BATCH_ROWS)
                for batch in reader:
                    sink.write(batch)
        except duckdb.ConversionException as exc:
            raise InvalidInput(
                "reconcile data",
                "value",
                f"a value cannot be converted: {_first_line(exc)}",
                "fix the data or the amount/column settings",
            ) from exc
        except duckdb.Error as exc:
            raise GateCannotRun(
                "reconcile",
                f"DuckDB failed: {_first_line(exc)}",
                "report this with the policy and data shape",
            ) from exc
        return rows


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
