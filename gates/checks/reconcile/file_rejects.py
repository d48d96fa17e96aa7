"""Lines DuckDB's text reader cannot read (bad UTF-8, over-long lines, short CSV rows) as rows.

DuckDB's CSV reader (used for JSONL too) aborts a whole scan on one such line. With
`ignore_errors` it skips the line instead, and with `store_rejects` it records it (file, line,
error type) in a reject table. A file source therefore scans its files once up front with rejects
stored (`collect`), then binds a relation of the readable lines `UNION ALL` one row per rejected
line, with `_rg_error` (the reason) and `_rg_ref` (`file:line`) set and every other column NULL
(`relation`). The plan counts those rows as unreadable like any other, and every engine sees
them: PostgreSQL and Spark read file sources through the same DuckDB binding (source_stream).

Rejects are de-duplicated by (file, line) (DuckDB appends to a reject table on every scan); a
reject without a file or a line cannot be attributed and fails the run (never dropped). Line
numbers are DuckDB's: 1-based, counting blank lines and a CSV header.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gates.errors import GateCannotRun
from gates.record import record

if TYPE_CHECKING:
    import duckdb

MAX_LINE_BYTES = 2_000_000  # DuckDB's default max_line_size


@record
class Reject:
    ref: str  # repo-relative file:line
    reason: str


def reason_for(error_type: str, missing: Sequence[str], cast: str) -> str:
    """The unreadable-row reason for one of DuckDB's reject error types (`cast`: for CAST)."""
    match error_type:
        case "CAST":
            return cast
        case "INVALID ENCODING":
            return "not UTF-8 text"
        case "LINE SIZE OVER MAXIMUM":
            return f"line longer than {MAX_LINE_BYTES} bytes"
        case "MISSING COLUMNS":
            return "missing columns: " + (", ".join(missing) or "?")
        case "TOO MANY COLUMNS":
            return "more values than the header has columns"
        case "UNQUOTED VALUE" | "UNTERMINATED QUOTE":
            return "badly quoted value"
        case _:
            return f"cannot be read ({error_type.lower()})"


def reject_options(table: str) -> str:
    """read_csv options that skip unreadable lines and record them in `table` (+ `_scan`)."""
    return (
        f"ignore_errors = true, store_rejects = true, rejects_table = '{table}', "
        f"rejects_scan = '{table}_scan'"
    )


def collect(
    con: duckdb.DuckDBPyConnection,
    reader: str,
    table: str,
    *,
    label: str,
    root: Path | None,
    cast: str = "value of the wrong type",
    scan: str | None = None,
) -> tuple[Reject, ...]:
    """Scan `reader` (a read_csv call with reject_options(table)) once; return its rejects.

    `cast` is the reason for a value the reader cannot convert to its column's type (a JSONL
    line read as JSON: "malformed JSON"). `scan`, when given, is the statement that does the
    one scan (e.g. storing the readable rows in a table as they are read); it must read every
    column of `reader`."""
    # Hashing the whole row makes DuckDB decode every column: a bare count(*) skips the
    # decoding, and with it the UTF-8 check.
    con.execute(scan or f"SELECT max(hash(r)) FROM {reader} AS r").fetchall()  # noqa: S608 - reader built from quoted literals
    stored = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
    ).fetchone()
    if not stored or not stored[0]:  # DuckDB creates the reject tables only when it rejects
        return ()
    rows = con.execute(
        f"SELECT DISTINCT s.file_path, t.line, t.error_type, t.column_idx, t.column_name "  # noqa: S608 - table names are ours
        f"FROM {table} AS t LEFT JOIN {table}_scan AS s USING (scan_id, file_id) "
        # A line of white space only is blank (a typed JSON column cannot hold it): not a row.
        "WHERE NOT (t.error_type = 'CAST' AND COALESCE(trim(t.csv_line, ' \t\r\n') = '', FALSE))"
    ).fetchall()
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(f"DROP TABLE IF EXISTS {table}_scan")
    # One reject per (file, line): DuckDB appends on every scan and reports a short row once per
    # missing column.
    found: dict[tuple[str, int], dict[str, dict[int, str]]] = {}
    for path, line, error_type, column_idx, column_name in rows:
        if path is None or line is None or error_type is None:
            raise GateCannotRun(
                "reconcile",
                f"{label}: DuckDB rejected a line it cannot attribute to a file and line",
                "report this with the data file's shape",
            )
        errors = found.setdefault((_relative(str(path), root), int(line)), {})
        columns = errors.setdefault(str(error_type), {})
        if column_name is not None:
            columns[int(column_idx or 0)] = str(column_name)
    out = []
    for (rel, line), errors in sorted(found.items()):
        error_type = min(errors)  # a line with several kinds of error: the same one every run
        missing = [errors[error_type][i] for i in sorted(errors[error_type])]
        out.append(Reject(ref=f"{rel}:{line}", reason=reason_for(error_type, missing, cast)))
    return tuple(out)


def _relative(path: str, root: Path | None) -> str:
    if root is None:
        return path
    p = Path(path)
    return p.relative_to(root).as_posix() if p.is_relative_to(root) else path


def bind_table(con: duckdb.DuckDBPyConnection, table: str, rejects: Sequence[Reject]) -> None:
    """Store `rejects` in the temp table `table` (reason, ref), for the source's relation."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (reason VARCHAR, ref VARCHAR)")
    if rejects:
        con.executemany(
            f"INSERT INTO {table} VALUES (?, ?)",  # noqa: S608 - the table name is ours
            [(r.reason, r.ref) for r in rejects],
        )


def rows_sql(table: str, columns: Sequence[str], error: str, ref: str) -> str:
    """A SELECT of one row per stored reject: `columns` NULL, `error` and `ref` set."""
    nulls = "".join(f"CAST(NULL AS VARCHAR) AS {_ident(c)}, " for c in columns)
    return f"SELECT {nulls}reason AS {_ident(error)}, ref AS {_ident(ref)} FROM {table}"  # noqa: S608 - identifiers quoted


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
