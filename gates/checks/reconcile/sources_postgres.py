"""PostgreSQL source: a table or query read in a READ ONLY transaction, streamed as Arrow.

Spec: `{kind: postgres, url: ..., table: schema.name}` or `{..., query: "SELECT ..."}`, with the
connection URL either in `url` (without a password: the policy is committed) or in the environment
variable named by `url_env`. libpq's own `PGPASSWORD` / `~/.pgpass` work as usual.

Every read runs in a REPEATABLE READ, READ ONLY transaction, so reading never modifies the source
(a query that tries to write is refused by the server). For the DuckDB and Spark engines rows are
streamed out with `COPY (...) TO STDOUT` as CSV and parsed in Arrow batches, each value as its JSON
text (`to_json(v) #>> '{}'`): numerics keep their exact digits, timestamps become ISO 8601, and the
plan parses them as it parses a CSV file's. The PostgreSQL engine reads the relation in place
(`relation_sql`), so only results leave the server.

psycopg is an optional dependency: a missing package is a GateCannotRun naming
`pip install 'release-gates[postgres]'`.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gates.checks.reconcile.sources import REF_COLUMN, SourceKind, quote_ident, quote_literal
from gates.errors import GateCannotRun, InvalidInput
from gates.record import record

if TYPE_CHECKING:
    import duckdb
    import psycopg
    import pyarrow as pa

GATE = "reconcile"
INSTALL_HINT = "pip install 'release-gates[postgres]'"
CONNECT_TIMEOUT_S = 15
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
COPY_BLOCK = 1 << 20


@record
class PostgresSource:
    """One table or query in one PostgreSQL database."""

    display_url: str  # host:port/dbname, no user, no password: safe in reports
    url: str | None = None
    url_env: str | None = None
    table: str | None = None
    query: str | None = None

    @property
    def kind(self) -> SourceKind:
        return SourceKind.POSTGRES

    @property
    def label(self) -> str:
        what = f"table={self.table}" if self.table is not None else f"query={self.query}"
        return f"postgres:{self.display_url}?{what}"

    def conninfo(self, env: Mapping[str, str] | None = None) -> str:
        if self.url is not None:
            return self.url
        assert self.url_env is not None  # parse() guarantees one of the two
        value = (os.environ if env is None else env).get(self.url_env, "")
        if not value:
            raise GateCannotRun(
                GATE,
                f"environment variable {self.url_env} (PostgreSQL URL) is not set",
                f"export {self.url_env}=postgresql://user@host:5432/db",
            )
        return value

    def relation_sql(self) -> str:
        """The relation as a FROM item (a table with its rows' positions, or the query).

        A table's rows carry `_rg_ref`, `table(page,item)` (the row's ctid: free to read, exact
        for the snapshot the run reads), so unreadable examples and samples cite their rows; a
        query's rows have no stable position and cite nothing."""
        if self.table is not None:
            name = ".".join(quote_ident(part) for part in self.table.split("."))
            return (
                f"(SELECT *, {quote_literal(self.table)} || CAST(ctid AS text) "  # noqa: S608 - identifiers quoted, literals escaped
                f"AS {quote_ident(REF_COLUMN)} FROM {name})"
            )
        return f"({self.query})"

    def same_database(self, other: PostgresSource, env: Mapping[str, str] | None = None) -> bool:
        """True when both live in one database, so a plan over both can run on the server."""
        return _target(self.conninfo(env)) == _target(other.conninfo(env))

    def connect(self, env: Mapping[str, str] | None = None) -> psycopg.Connection[Any]:
        """A connection whose transactions are REPEATABLE READ and READ ONLY."""
        pg = import_psycopg()
        try:
            conn: psycopg.Connection[Any] = pg.connect(
                self.conninfo(env),
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="release-gates-reconcile",
            )
        except pg.Error as exc:
            raise GateCannotRun(
                GATE,
                f"cannot connect to PostgreSQL at {self.display_url}: {first_line(exc)}",
                "check the URL, that the server is up and the credentials (PGPASSWORD, .pgpass)",
            ) from exc
        conn.isolation_level = pg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        conn.execute("SET TIME ZONE 'UTC'")
        conn.commit()
        return conn

    def columns(self, conn: psycopg.Connection[Any]) -> tuple[tuple[str, int], ...]:
        """(name, type oid) of every column of the relation, without reading a row."""
        psycopg = import_psycopg()
        try:
            cur = conn.execute(f"SELECT * FROM {self.relation_sql()} AS _rg_src LIMIT 0")  # noqa: S608 - identifiers quoted, no user text
        except psycopg.Error as exc:
            conn.rollback()
            field = "table" if self.table is not None else "query"
            raise InvalidInput(
                self.label, field, f"PostgreSQL refused it: {first_line(exc)}", f"fix the {field}"
            ) from exc
        return tuple((d.name, d.type_code) for d in cur.description or ())

    @contextmanager
    def batches(self, conn: psycopg.Connection[Any]) -> Iterator[pa.RecordBatchReader]:
        """Every row, as text columns, in Arrow batches (the COPY stream is parsed by Arrow).

        The COPY holds the connection until the block ends, whether the rows were all read or
        not; a server error while streaming (e.g. the read-only guard) is an InvalidInput.
        """
        import pyarrow as pa
        import pyarrow.csv as pacsv

        names = [name for name, _ in self.columns(conn)]
        if not names:
            raise InvalidInput(self.label, "query", "returns no columns", "select the columns")
        select = ", ".join(
            f"to_json({quote_ident(n)}) #>> '{{}}' AS {quote_ident(n)}" for n in names
        )
        copy_sql = (
            f"COPY (SELECT {select} FROM {self.relation_sql()} AS _rg_src) "  # noqa: S608 - identifiers quoted, no user text
            "TO STDOUT (FORMAT csv, HEADER false)"
        )
        schema = pa.schema([(n, pa.string()) for n in names])
        stream = CopyStream(conn, copy_sql)
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(column_names=names, block_size=COPY_BLOCK),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=schema,
                    strings_can_be_null=True,  # COPY writes NULL as an empty unquoted field
                    quoted_strings_can_be_null=False,  # ... and '' as ""
                    null_values=[""],
                ),
            )
            yield pa.RecordBatchReader.from_batches(schema, iter(reader))
        except Exception:
            if stream.error is None:
                raise
        finally:
            stream.close()
        if stream.error is not None:
            field = "table" if self.table is not None else "query"
            raise InvalidInput(
                self.label,
                field,
                f"PostgreSQL refused it: {first_line(stream.error)}",
                f"fix the {field}",
            ) from stream.error

    def bind_duckdb(
        self, con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str]
    ) -> None:
        with self.connect() as conn:
            with self.batches(conn) as reader:
                con.register("_rg_pg_stream", reader)
                try:
                    con.execute(
                        f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS "  # noqa: S608 - identifiers quoted, no user text
                        "SELECT * FROM _rg_pg_stream"
                    )
                finally:
                    con.unregister("_rg_pg_stream")
            conn.rollback()

    def after_report(self) -> None:
        """Nothing to acknowledge: reading a database leaves no trace to commit."""


class CopyStream(io.RawIOBase):
    """A readable binary stream over `COPY ... TO STDOUT`, for Arrow's streaming CSV reader.

    `close()` always ends the COPY (cancelling it when not read to the end), so the connection
    is usable again; a server error met while reading is kept in `error` for the caller.
    """

    def __init__(self, conn: psycopg.Connection[Any], sql: str) -> None:
        super().__init__()
        self._conn = conn
        self._cur = conn.cursor()
        self._cm = self._cur.copy(sql)
        self._copy = self._cm.__enter__()
        self._buf = b""
        self._done = False
        self.error: Exception | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        while not self._buf and not self._done:
            try:
                chunk = self._copy.read()
            except Exception as exc:
                self.error = exc
                self._done = True
                raise
            if not chunk:
                self._done = True
            else:
                self._buf = bytes(chunk)
        n = min(len(view), len(self._buf))
        view[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        if self.closed:
            return
        pg = import_psycopg()
        try:
            if not self._done:
                self._conn.cancel_safe()  # abandoned early: stop the server sending the rest
                stop = RuntimeError("read abandoned")
                self._cm.__exit__(RuntimeError, stop, None)
            elif self.error is not None:
                self._cm.__exit__(type(self.error), self.error, self.error.__traceback__)
            else:
                self._cm.__exit__(None, None, None)
        except pg.Error:
            pass  # ending a cancelled or failed COPY reports that again; `error` has the cause
        finally:
            self._cur.close()
            super().close()


def import_psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise GateCannotRun(GATE, "the PostgreSQL client is not installed", INSTALL_HINT) from None
    return psycopg


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _target(url: str) -> tuple[str, int, str, str]:
    """(host, port, dbname, user) of a postgresql:// URL or a key=value conninfo."""
    psycopg = import_psycopg()
    info = psycopg.conninfo.conninfo_to_dict(url)
    return (
        str(info.get("host") or "localhost"),
        int(info.get("port") or 5432),
        str(info.get("dbname") or ""),
        str(info.get("user") or ""),
    )


def _display(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path or '/'}"


def parse(spec: Mapping[str, Any], *, root: Path, file: str, field: str) -> PostgresSource:
    """Turn a `{kind: postgres, ...}` mapping into a PostgresSource, or raise InvalidInput."""
    del root  # a database is not under the repository
    allowed = {"kind", "url", "url_env", "table", "query"}
    extra = sorted(set(spec) - allowed)
    if extra:
        raise InvalidInput(
            file,
            f"{field}.{extra[0]}",
            "unknown key for a postgres source",
            f"use {sorted(allowed)}",
        )
    url, url_env = spec.get("url"), spec.get("url_env")
    if (url is None) == (url_env is None):
        raise InvalidInput(
            file,
            field,
            "a postgres source needs exactly one of url and url_env",
            "write url_env: NAME_OF_ENV_VAR (keeps credentials out of the policy)",
        )
    for key, value in (("url", url), ("url_env", url_env)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InvalidInput(file, f"{field}.{key}", "expected a non-empty string", "quote it")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise InvalidInput(
                file, f"{field}.url", "expected a postgresql:// URL", "write postgresql://host/db"
            )
        if parts.password is not None or "password=" in (parts.query or ""):
            raise InvalidInput(
                file,
                f"{field}.url",
                "contains a password, and policy files are committed",
                "remove it and use url_env, PGPASSWORD or ~/.pgpass",
            )
        display = _display(url)
    else:
        assert isinstance(url_env, str)
        display = f"${url_env}"
    table, query = spec.get("table"), spec.get("query")
    if (table is None) == (query is None):
        raise InvalidInput(
            file,
            field,
            "a postgres source needs exactly one of table or query",
            "add `table: schema.name` or `query: SELECT ...`",
        )
    if table is not None and (not isinstance(table, str) or not _TABLE.match(table)):
        raise InvalidInput(
            file, f"{field}.table", f"{table!r} is not a table name", "write name or schema.name"
        )
    if query is not None and (not isinstance(query, str) or not query.strip()):
        raise InvalidInput(
            file, f"{field}.query", "expected a non-empty string", "write query: ..."
        )
    return PostgresSource(
        display_url=display,
        url=url,
        url_env=url_env,
        table=table,
        query=query.strip().rstrip(";") if isinstance(query, str) else None,
    )
