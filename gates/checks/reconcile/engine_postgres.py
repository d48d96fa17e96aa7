"""The PostgreSQL engine: the plan pushed down to the server, so only results come back.

When events and report live in one PostgreSQL database (`pushdown_url`), the plan (built once in
the DuckDB dialect, transpiled by sqlglot) runs where the data is. A source from elsewhere (files,
SQLite, Kafka, another database) is streamed in through the embedded DuckDB and `COPY`-ed into a
session temp table first, so the engine accepts any source (that is how the parity tests run it).

PostgreSQL forbids CREATE, even of temp tables, in a READ ONLY transaction, so the steps become
`MATERIALIZED` CTEs (`WITH events_raw AS (...), report_raw AS (...), <steps> ...`) and all the
outputs run in ONE statement over them (each row as JSON text tagged with its output), so the
steps run once; the discrepancy rows, when asked for, take a second statement. Both run in one
REPEATABLE READ, READ ONLY transaction: one consistent snapshot, and nothing can write to a
source. Discrepancy rows stream back with
`COPY (...) TO STDOUT` as CSV, parsed by Arrow into record batches.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any

from gates.checks.reconcile.engine import DiscrepancySink
from gates.checks.reconcile.model import ColumnType, SourceSchema
from gates.checks.reconcile.plan import DISCREPANCY_COLUMNS, Plan
from gates.checks.reconcile.source_stream import arrow_stream
from gates.checks.reconcile.sources import Source, quote_ident
from gates.checks.reconcile.sources_postgres import (
    CopyStream as _CopyStream,
)
from gates.checks.reconcile.sources_postgres import (
    PostgresSource,
)
from gates.checks.reconcile.sources_postgres import (
    first_line as _first_line,
)
from gates.checks.reconcile.sources_postgres import (
    import_psycopg as _import,
)
from gates.errors import GateCannotRun, InvalidInput

if TYPE_CHECKING:
    import psycopg
    import pyarrow as pa

GATE = "reconcile"
COPY_BLOCK = 1 << 20

# PostgreSQL type oids -> the plan's column types.
_OID_TYPES: dict[int, ColumnType] = {
    20: ColumnType.INTEGER,  # int8
    21: ColumnType.INTEGER,  # int2
    23: ColumnType.INTEGER,  # int4
    1700: ColumnType.DECIMAL,  # numeric
    700: ColumnType.FLOAT,  # float4
    701: ColumnType.FLOAT,  # float8
    25: ColumnType.STRING,  # text
    1043: ColumnType.STRING,  # varchar
    1042: ColumnType.STRING,  # bpchar
    19: ColumnType.STRING,  # name
    1114: ColumnType.TIMESTAMP,  # timestamp
    1184: ColumnType.TIMESTAMP,  # timestamptz
    1082: ColumnType.DATE,  # date
}


def pushdown_url(events: Source, report: Source) -> PostgresSource | None:
    """The source whose database holds both sides, when the plan can run entirely there."""
    if (
        isinstance(events, PostgresSource)
        and isinstance(report, PostgresSource)
        and events.same_database(report)
    ):
        return events
    return None


class PostgresEngine(AbstractContextManager["PostgresEngine"]):
    """One session on the server that holds the data (or receives it). Use as a context manager."""

    name = "postgres"

    def __init__(self, server: PostgresSource, env: Mapping[str, str] | None = None) -> None:
        self._server = server
        self._env = env
        self._conn: psycopg.Connection[Any] = server.connect(env)
        self._relations: dict[str, str] = {}  # raw relation name -> FROM item on the server

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._conn.close()

    def bind(self, source: Source, name: str, columns: Sequence[str]) -> SourceSchema:
        if isinstance(source, PostgresSource) and source.same_database(self._server, self._env):
            described = source.columns(self._conn)
            self._conn.rollback()
            self._relations[name] = source.relation_sql()
            return SourceSchema(
                columns=tuple((n, _OID_TYPES.get(oid, ColumnType.OTHER)) for n, oid in described)
            )
        return self._upload(source, name, columns)

    def _upload(self, source: Source, name: str, columns: Sequence[str]) -> SourceSchema:
        import pyarrow.csv as pacsv

        psycopg = _import()
        table = f"_rg_{name}"
        self._conn.read_only = False  # only this session's temp table is written
        try:
            with arrow_stream(source, columns) as reader:
                schema: pa.Schema = reader.schema
                ddl = ", ".join(f"{quote_ident(f.name)} {pg_type(f.type)}" for f in schema)
                self._conn.execute(f"CREATE TEMP TABLE {quote_ident(table)} ({ddl})")
                names = ", ".join(quote_ident(f.name) for f in schema)
                cur = self._conn.cursor()
                with cur.copy(
                    f"COPY {quote_ident(table)} ({names}) FROM STDIN (FORMAT csv, HEADER false)"
                ) as copy:
                    for batch in reader:
                        buf = io.BytesIO()
                        pacsv.write_csv(
                            _text_safe(batch), buf, pacsv.WriteOptions(include_header=False)
                        )
                        copy.write(buf.getvalue())
            self._conn.commit()
        except psycopg.Error as exc:
            self._conn.rollback()
            raise GateCannotRun(
                GATE,
                f"could not load {source.label} into PostgreSQL: {_first_line(exc)}",
                "check the database user may create temporary tables",
            ) from exc
        finally:
            self._conn.read_only = True
        self._relations[name] = f"pg_temp.{quote_ident(table)}"
        return SourceSchema(columns=tuple((f.name, _column_type(f.type)) for f in schema))

    def _with(self, plan: Plan, final: str) -> str:
        ctes = [
            f"{quote_ident(n)} AS (SELECT * FROM {rel} AS _rg_r)"  # noqa: S608 - identifiers quoted, no user text
            for n, rel in self._relations.items()
        ]
        ctes += [f"{quote_ident(s.name)} AS MATERIALIZED ({s.sql})" for s in plan.steps]
        return f"WITH {', '.join(ctes)} {final}"

    def execute(
        self, plan: Plan, *, sink: DiscrepancySink | None
    ) -> Mapping[str, list[tuple[object, ...]]]:
        psycopg = _import()
        plan = plan.sql_for("postgres")
        try:
            with self._conn.transaction():
                rows = self._outputs(plan)
                if sink is not None:
                    for batch in self._copy_out(self._with(plan, plan.discrepancies)):
                        sink.write(batch)
        except psycopg.errors.DataException as exc:
            raise InvalidInput(
                "reconcile data",
                "value",
                f"PostgreSQL cannot convert a value: {_first_line(exc)}",
                "fix the data or the amount/column settings",
            ) from exc
        except psycopg.Error as exc:
            raise GateCannotRun(
                GATE,
                f"PostgreSQL failed: {_first_line(exc)}",
                "report this with the policy and data shape",
            ) from exc
        return rows

    def _outputs(self, plan: Plan) -> dict[str, list[tuple[object, ...]]]:
        """Every output in ONE statement, so the steps run once: each row as JSON text, tagged
        with its output's index (PostgreSQL computes a MATERIALIZED CTE once per statement)."""
        branches = " UNION ALL ".join(
            f"SELECT {i} AS _rg_o, row_to_json(_rg_q)::text AS _rg_r FROM ({sql}) AS _rg_q"  # noqa: S608 - the plan's own SQL
            for i, (_, sql) in enumerate(plan.outputs)
        )
        rows: dict[str, list[tuple[object, ...]]] = {name: [] for name, _ in plan.outputs}
        names = [name for name, _ in plan.outputs]
        for index, text in self._conn.execute(self._with(plan, branches)).fetchall():
            rows[names[index]].append(_json_row(text))
        return rows

    def _copy_out(self, query: str) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        cols = list(DISCREPANCY_COLUMNS)
        types = {c: pa.string() for c in cols}
        types["amount"] = pa.int64()
        schema = pa.schema([(c, types[c]) for c in cols])
        stream = _CopyStream(self._conn, f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER false)")
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(column_names=cols, block_size=COPY_BLOCK),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=schema,
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                    null_values=[""],
                ),
            )
            yield from reader
        finally:
            stream.close()


def _json_row(text: str) -> tuple[object, ...]:
    """A row_to_json object as the tuple of its values, in column order; numbers stay exact."""
    row: tuple[object, ...] = json.loads(
        text, object_pairs_hook=lambda pairs: tuple(v for _, v in pairs), parse_float=Decimal
    )
    return row


def pg_type(t: pa.DataType) -> str:
    import pyarrow as pa

    if pa.types.is_integer(t):
        return "numeric" if t == pa.uint64() else "bigint"
    if pa.types.is_decimal(t):
        return f"numeric({t.precision}, {t.scale})"
    if pa.types.is_floating(t):
        return "double precision"
    if pa.types.is_timestamp(t):
        return "timestamptz" if t.tz is not None else "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_boolean(t):
        return "boolean"
    return "text"


def _column_type(t: pa.DataType) -> ColumnType:
    import pyarrow as pa

    if pa.types.is_integer(t):
        return ColumnType.INTEGER
    if pa.types.is_decimal(t):
        return ColumnType.DECIMAL
    if pa.types.is_floating(t):
        return ColumnType.FLOAT
    if pa.types.is_timestamp(t):
        return ColumnType.TIMESTAMP
    if pa.types.is_date(t):
        return ColumnType.DATE
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return ColumnType.STRING
    return ColumnType.OTHER


def _text_safe(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Columns PostgreSQL receives as text (anything not mapped above) are cast to strings."""
    import pyarrow as pa

    arrays = []
    fields = []
    for field, arr in zip(batch.schema, batch.columns, strict=True):
        if pg_type(field.type) == "text" and not (
            pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
        ):
            arr = arr.cast(pa.string())
            field = pa.field(field.name, pa.string())
        arrays.append(arr)
        fields.append(field)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))
