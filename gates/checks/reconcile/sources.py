"""Reconcile sources: where events and the report come from, and how DuckDB reads them.

A source spec is a mapping, from the policy or the command line:

    {kind: jsonl,   path: "data/events/*.jsonl"}
    {kind: csv,     path: "data/report.csv"}
    {kind: parquet, path: "warehouse/events/**/*.parquet"}
    {kind: sqlite,  path: "data/payments.db", table: report}      # or query: "SELECT ..."
    {kind: postgres, ...} / {kind: kafka, ...}                    # sources_postgres / sources_kafka

Paths are relative to the repository root, may be globs, and may not leave the root; a glob that
matches nothing is an error (empty input fails closed). Reading never modifies a source.

`Source.bind_duckdb(con, name, columns)` creates the relation `name` holding at least the raw
`columns` (the names the policy's column mapping uses). Every column of a text source is VARCHAR;
the plan parses and validates values, so a bad value is an unreadable row, not a crash. A source
may add the column `_rg_error` (VARCHAR): non-null means the row could not be parsed at all (e.g.
malformed JSON) and holds the reason; such rows are counted as unreadable, never dropped. The
optional column `_rg_ref` (VARCHAR) says where a row came from; unreadable examples and samples
show it. JSONL and CSV lines DuckDB's reader cannot read at all (bad UTF-8, over 2 MB, malformed
JSON, too few or too many CSV values) are such rows too, citing `file:line` (file_rejects).
"""

from __future__ import annotations

import glob
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, assert_never, runtime_checkable

from gates.checks.reconcile import file_rejects
from gates.errors import GateCannotRun, InvalidInput
from gates.record import record

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

ERROR_COLUMN = "_rg_error"
REF_COLUMN = "_rg_ref"  # optional: where a row came from (e.g. topic[partition]@offset)
SQLITE_BATCH_ROWS = 65_536


class SourceKind(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"
    SQLITE = "sqlite"
    POSTGRES = "postgres"
    KAFKA = "kafka"


@runtime_checkable
class Source(Protocol):
    """Anything an engine can read events or a report from."""

    @property
    def kind(self) -> SourceKind: ...

    @property
    def label(self) -> str:
        """Stable identity (`jsonl:data/events/*.jsonl`): in fingerprints and reports."""
        ...

    def bind_duckdb(
        self, con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str]
    ) -> None:
        """Create the view or temp table `name` with at least `columns` (raw names)."""
        ...

    def after_report(self) -> None:
        """Called by the command once every output is written (Kafka commits offsets here)."""
        ...


def file_states(sources: Sequence[Source]) -> tuple[tuple[str, int, int, int], ...]:
    """(path, size, mtime ns, inode) of every file the sources read: equal before and after a
    run, or a file changed under the reader."""
    import os

    paths: list[Path] = []
    for source in sources:
        if isinstance(source, FileSource):
            paths += source.paths
        elif isinstance(source, SqliteSource):
            paths.append(source.path)
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            out.append((str(path), -1, -1, -1))  # gone: differs from any state it had
            continue
        out.append((str(path), st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(out)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _path_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(quote_literal(str(p)) for p in paths) + "]"


@record
class FileSource:
    """JSONL, CSV or Parquet files matched by one glob under the repository root."""

    kind: SourceKind
    pattern: str  # as written, repo-relative
    paths: tuple[Path, ...]  # resolved, sorted, inside the root
    root: Path | None = None  # the resolved repository root (names unreadable rows' files)
    # Written by this run into a local temp dir (the GeoIP map): a cluster's executors cannot
    # read it, so a distributed engine takes its rows through the driver.
    driver_local: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind.value}:{self.pattern}"

    def after_report(self) -> None:
        """Files are never modified: nothing to do."""

    def bind_duckdb(
        self, con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str]
    ) -> None:
        match self.kind:
            case SourceKind.JSONL:
                sql = self._jsonl_sql(con, name, columns)
            case SourceKind.CSV:
                sql = self._csv_sql(con, name)
            case SourceKind.PARQUET:
                files = _path_list(self.paths)
                sql = f"SELECT * FROM read_parquet({files}, union_by_name = true)"  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
            case SourceKind.SQLITE | SourceKind.POSTGRES | SourceKind.KAFKA:
                raise AssertionError(f"{self.kind} is not a file source")
            case _:
                assert_never(self.kind)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS {sql}")

    def _require_rows(self, non_empty: Sequence[Path]) -> None:
        """A text source whose every file is empty has no rows at all: invalid input."""
        if not non_empty:  # NoDataFile: at a --diff base, the data arrives with the change
            csv = self.kind is SourceKind.CSV
            raise NoDataFile(
                self.label,
                "data",
                "no rows: every file it matches is empty"
                + (" (not even a header line)" if csv else ""),
                ("write the header line and the rows" if csv else "write the rows")
                + ", or point the source at the right files",
            )

    def _jsonl_sql(self, con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str]) -> str:
        # One scan of the lines stores the readable rows' values in a table and records the
        # lines DuckDB cannot read at all (bad UTF-8, over 2 MB), which become unreadable rows
        # naming their file and line (file_rejects). Rows are read from the table after that,
        # so the JSON is parsed once however many steps read the rows.
        self._require_rows([p for p in self.paths if not _is_empty(p)])
        files = _path_list(self.paths)
        table = f"_rg_rej_{name}"
        lines = _jsonl_lines(files, file_rejects.reject_options(table))
        prefix = len(str(self.root)) + 2 if self.root is not None else 1
        values = quote_ident(f"_rg_values_{name}")
        rejects = file_rejects.collect(
            con,
            lines,
            table,
            label=self.label,
            root=self.root,
            cast="malformed JSON",
            scan=f"CREATE OR REPLACE TEMP TABLE {values} AS {_jsonl_view(lines, columns, prefix)}",
        )
        file_rejects.bind_table(con, f"{table}_rows", rejects)
        return (
            f"SELECT * FROM {values} UNION ALL BY NAME "  # noqa: S608 - identifiers quoted
            f"{file_rejects.rows_sql(f'{table}_rows', columns, ERROR_COLUMN, REF_COLUMN)}"
        )

    def _csv_sql(self, con: duckdb.DuckDBPyConnection, name: str) -> str:
        # An empty file (not even a header line) has no rows: it is left out, so DuckDB does not
        # invent a `column0`.
        paths = [p for p in self.paths if not _is_empty(p)]
        self._require_rows(paths)
        # Rejects cannot be stored with union_by_name: each file is scanned once on its own, and
        # that scan stores the file's readable rows in a table as it records the rejected lines
        # (as JSONL does), so the plan's reads of the rows do not parse the file again. The
        # tables are united by column name, as read_csv's union_by_name unites files.
        table = f"_rg_rej_{name}"
        rejects: list[file_rejects.Reject] = []
        parts: list[str] = []
        for i, path in enumerate(paths):
            one = _path_list([path])
            reader = f"read_csv({one}, {_CSV_OPTIONS}, {file_rejects.reject_options(table)})"
            values = quote_ident(f"_rg_values_{name}_{i}")
            rejects += file_rejects.collect(
                con,
                reader,
                table,
                label=self.label,
                root=self.root,
                scan=f"CREATE OR REPLACE TEMP TABLE {values} AS SELECT * FROM {reader}",  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
            )
            parts.append(f"SELECT * FROM {values}")  # noqa: S608 - identifiers quoted
        file_rejects.bind_table(con, f"{table}_rows", rejects)
        return " UNION ALL BY NAME ".join(
            [*parts, file_rejects.rows_sql(f"{table}_rows", (), ERROR_COLUMN, REF_COLUMN)]
        )


_CSV_OPTIONS = "header = true, all_varchar = true, auto_detect = true"


def _is_empty(path: Path) -> bool:
    """True for a file with nothing but white space (read only when it is small)."""
    size = path.stat().st_size
    return size == 0 or (size <= 65_536 and not path.read_bytes().strip())


def _jsonl_lines(files: str, options: str) -> str:
    """Every line of the files as one JSON column `line` (NULL for a blank line).

    Typed JSON, so the reader itself rejects a malformed line, with its line number."""
    return (
        f"read_csv({files}, columns = {{'line': 'JSON'}}, delim = '\x1e', quote = '', "
        "escape = '', header = false, auto_detect = false, strict_mode = false, "
        f"filename = true, {options})"
    )


# A JSONL line that is JSON but no object (`[1]`, `null`): an unreadable row without ids, which
# the citation pass finds by its shape (source_rows.non_object_lines).
NOT_AN_OBJECT = "not a JSON object"


def _jsonl_view(lines: str, columns: Sequence[str], prefix: int) -> str:
    """The values of `columns` from each line `lines` (a _jsonl_lines reader) yields."""
    # Each line is read as text and parsed here, so a malformed line becomes an unreadable row
    # with a reason instead of aborting the run or being skipped. Values are taken as their JSON
    # text. Integers keep their exact digits; a number with a fraction or an exponent has already
    # passed through a double, so it makes the row unreadable (money is never a float: write
    # decimal amounts as strings). Every JSON function parses the whole line, so the values and
    # their types are taken with one list-of-paths call each (two parses per line, not two per
    # column: a third of the time on a 3.9M-line file).
    paths = "[" + ", ".join(quote_literal("$." + json_key(c)) for c in columns) + "]"
    extract = "".join(f"v[{i}] AS {quote_ident(c)}, " for i, c in enumerate(columns, start=1))
    fractions = "".join(
        f"WHEN t[{i}] = 'DOUBLE' THEN {quote_literal('JSON number with a fraction in ' + c)} "
        for i, c in enumerate(columns, start=2)
    )
    # An unreadable row names its file (repo-relative) in `_rg_ref`.
    return (
        f"SELECT * EXCLUDE (filename), CASE WHEN {ERROR_COLUMN} IS NOT NULL "  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
        f"THEN substr(filename, {prefix}) END AS {REF_COLUMN} FROM ("
        f"SELECT {extract}filename, CASE WHEN j IS NULL THEN 'malformed JSON' "
        f"WHEN t[1] <> 'OBJECT' THEN {quote_literal(NOT_AN_OBJECT)} {fractions}END AS {ERROR_COLUMN} FROM ("
        f"SELECT filename, j, json_type(j, ['$', {paths[1:]}) AS t, "
        f"json_extract_string(j, {paths}) AS v FROM ("
        f"SELECT filename, line AS j FROM {lines} WHERE line IS NOT NULL)))"
    )


def json_key(name: str) -> str:
    """A JSONPath member for `name`, quoted so any key (dots, spaces) addresses one member."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@record
class SqliteSource:
    """A table or a read-only query in an SQLite file under the repository root."""

    path: Path
    display: str  # repo-relative path as written
    table: str | None = None
    query: str | None = None

    @property
    def kind(self) -> SourceKind:
        return SourceKind.SQLITE

    @property
    def label(self) -> str:
        what = f"table={self.table}" if self.table is not None else f"query={self.query}"
        return f"sqlite:{self.display}?{what}"

    def after_report(self) -> None:
        """The file is opened read-only: nothing to do."""

    def bind_duckdb(
        self, con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str]
    ) -> None:
        # DuckDB's sqlite extension is downloaded on first use, which an offline CI cannot do, so
        # rows are streamed through the standard library in Arrow batches (values as text; the
        # plan parses them) into a DuckDB temp table. The file is opened read-only.
        reader = self._batches()
        con.register("_rg_sqlite_stream", reader)
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS SELECT * FROM _rg_sqlite_stream"  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
            )
        finally:
            con.unregister("_rg_sqlite_stream")

    def _batches(self) -> pa.RecordBatchReader:
        import pyarrow as pa

        try:
            # DuckDB pulls the batches from its own worker thread; the generator is consumed
            # sequentially, so using the connection from that thread is safe.
            db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise InvalidInput(
                self.display, "path", f"cannot open as SQLite: {exc}", "check the file"
            ) from exc
        sql = (
            f"SELECT * FROM {quote_ident(self.table)}"  # noqa: S608 - identifiers quoted, literals escaped (sources.quote_*)
            if self.table is not None
            else str(self.query)
        )
        try:
            cur = db.execute(sql)
        except sqlite3.Error as exc:
            db.close()
            field = "table" if self.table is not None else "query"
            raise InvalidInput(
                self.display, field, f"SQLite refused it: {exc}", f"fix the {field}"
            ) from exc
        names = [d[0] for d in cur.description or ()]
        schema = pa.schema([(n, pa.string()) for n in names])

        def gen() -> Iterator[pa.RecordBatch]:
            try:
                while rows := cur.fetchmany(SQLITE_BATCH_ROWS):
                    cols = list(zip(*rows, strict=True))
                    yield pa.record_batch(
                        [pa.array([_text(v) for v in col], pa.string()) for col in cols],
                        schema=schema,
                    )
            finally:
                db.close()

        return pa.RecordBatchReader.from_batches(schema, gen())


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def parse_source(spec: Mapping[str, Any], *, root: Path, file: str, field: str) -> Source:
    """Turn a source spec into a Source; errors name `file` and `field` (e.g. `$.events`)."""
    kind_raw = spec.get("kind")
    try:
        kind = SourceKind(str(kind_raw))
    except ValueError:
        raise InvalidInput(
            file,
            f"{field}.kind",
            f"unknown source kind {kind_raw!r}",
            f"use one of: {', '.join(k.value for k in SourceKind)}",
        ) from None
    match kind:
        case SourceKind.JSONL | SourceKind.CSV | SourceKind.PARQUET:
            _only(spec, {"kind", "path"}, file=file, field=field)
            pattern = _str(spec, "path", file=file, field=field)
            return FileSource(
                kind=kind,
                pattern=pattern,
                paths=resolve_glob(root, pattern, file=file, field=f"{field}.path"),
                root=root.resolve(),
            )
        case SourceKind.SQLITE:
            _only(spec, {"kind", "path", "table", "query"}, file=file, field=field)
            pattern = _str(spec, "path", file=file, field=field)
            matches = resolve_glob(root, pattern, file=file, field=f"{field}.path")
            if len(matches) != 1:
                raise InvalidInput(
                    file,
                    f"{field}.path",
                    f"{pattern!r} matches {len(matches)} files",
                    "name one SQLite file",
                )
            table, query = spec.get("table"), spec.get("query")
            if (table is None) == (query is None):
                raise InvalidInput(
                    file,
                    field,
                    "an sqlite source needs exactly one of table or query",
                    "add `table: NAME` or `query: SELECT ...`",
                )
            for key, value in (("table", table), ("query", query)):
                if value is not None and (not isinstance(value, str) or not value.strip()):
                    raise InvalidInput(
                        file, f"{field}.{key}", "expected a non-empty string", f"write {key}: ..."
                    )
            return SqliteSource(path=matches[0], display=pattern, table=table, query=query)
        case SourceKind.POSTGRES:
            from gates.checks.reconcile import sources_postgres  # type: ignore[attr-defined,unused-ignore]

            return sources_postgres.parse(spec, root=root, file=file, field=field)  # type: ignore[no-any-return,unused-ignore]
        case SourceKind.KAFKA:
            from gates.checks.reconcile import sources_kafka  # type: ignore[attr-defined,unused-ignore]

            return sources_kafka.parse(spec, root=root, file=file, field=field)  # type: ignore[no-any-return,unused-ignore]
        case _:
            assert_never(kind)


def _only(spec: Mapping[str, Any], allowed: set[str], *, file: str, field: str) -> None:
    extra = sorted(set(spec) - allowed)
    if extra:
        raise InvalidInput(
            file,
            f"{field}.{extra[0]}",
            "unknown key for this source kind",
            f"use only: {', '.join(sorted(allowed))}",
        )


def _str(spec: Mapping[str, Any], key: str, *, file: str, field: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            file, f"{field}.{key}", "expected a non-empty string", f"write {key}: ..."
        )
    return value


class NoDataFile(InvalidInput):
    """A source's glob matches nothing, or only empty text files (at the --diff base: the data
    arrives with the change)."""


def resolve_glob(root: Path, pattern: str, *, file: str, field: str) -> tuple[Path, ...]:
    """Files matching a repo-relative glob, resolved and sorted; escapes and no match are errors."""
    root = root.resolve()
    if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
        raise InvalidInput(
            file,
            field,
            f"{pattern!r} leaves the repository",
            "use a path relative to the repository root",
        )
    found = []
    for name in glob.glob(pattern, root_dir=root, recursive=True):
        full = (root / name).resolve()
        if not full.is_relative_to(root):
            raise InvalidInput(
                file,
                field,
                f"{name!r} resolves outside the repository",
                "remove the symlink or move the data into the repository",
            )
        if full.is_file():
            found.append(full)
    if not found:
        raise NoDataFile(
            file,
            field,
            f"{pattern!r} matches no file",
            "check the path (relative to the repository root)",
        )
    return tuple(sorted(set(found)))


def require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise GateCannotRun(
            "reconcile", "pyarrow is not installed", "pip install 'release-gates[parquet]'"
        ) from exc
