"""Finding a payment's rows in file and SQLite sources, with their positions.

One pass per source over just the wanted payment ids (`cited_rows`, `cite`):

- JSONL: `file:line`, the physical line (1-based, blank lines counted), as DuckDB numbers
  unreadable lines. The file is searched whole with re2 for the lines that may hold a wanted id;
  only those are parsed (see _jsonl_lines).
- CSV: `file:line` of the row's first physical line (the header is line 1), read with the
  dialect DuckDB sniffs.
- Parquet: `file row group G row R` (both 0-based), from DuckDB's `file_row_number` and the
  files' `parquet_metadata`.
- SQLite table: `file table(pk=value)` by its primary key, else `table(rowid=N)`; a query's rows
  have no stable position and cite nothing (as PostgreSQL queries).

Ids compare as the plan reads them: the value as text, spaces trimmed. Every file read is one the
source already resolved inside the repository root; it is opened without following symlinks and
must be a regular file. citations.py turns the rows into samples and examples; show.py prints
them.
"""

from __future__ import annotations

import csv
import io
import json
import mmap
import os
import re
import sqlite3
import stat
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from gates.checks.reconcile.file_rejects import MAX_LINE_BYTES
from gates.checks.reconcile.model import Citation, Side
from gates.checks.reconcile.sources import (
    FileSource,
    Source,
    SourceKind,
    SqliteSource,
    quote_ident,
    quote_literal,
)
from gates.errors import GateCannotRun

SQLITE_CHUNK = 500  # ids per SQLite query (bound parameters)


def citable(source: Source) -> bool:
    """True for the sources cited by a pass after the replay (files, SQLite tables)."""
    if isinstance(source, FileSource):
        return True
    return isinstance(source, SqliteSource) and source.table is not None


def cite(source: Source, key: str, side: Side, ids: Collection[str]) -> dict[str, list[Citation]]:
    """Citations of the rows of `source` whose column `key` (raw name) holds one of `ids`,
    per id, in source order."""
    found: dict[str, list[Citation]] = defaultdict(list)
    for pid, _, citation in cited_rows(source, key, side, ids):
        found[pid].append(citation)
    return found


def cited_rows(
    source: Source, key: str, side: Side, ids: Collection[str], event_key: str | None = None
) -> Iterator[tuple[str, str | None, Citation]]:
    """(payment id, event id, citation) of the rows of `source` whose column `key` holds one of
    `ids`, in source order; with `event_key`, the event id is that column's value (None
    without), so an unreadable row can be found by its payment and event id."""
    if not ids or not citable(source):
        return
    wanted = frozenset(ids)
    if isinstance(source, FileSource):
        root = source.root
        match source.kind:
            case SourceKind.JSONL | SourceKind.CSV:
                lines = _jsonl_lines if source.kind is SourceKind.JSONL else _csv_lines
                for path in source.paths:
                    rel = relative(path, root)
                    for pid, eid, line in lines(path, key, wanted, event_key):
                        yield (
                            pid,
                            eid,
                            Citation(side=side, ref=f"{rel}:{line}", path=rel, line=line),
                        )
            case SourceKind.PARQUET:
                names = {str(p): relative(p, root) for p in source.paths}
                for pid, eid, name, group, row in _parquet_rows(
                    source.paths, key, wanted, event_key
                ):
                    rel = names.get(name) or relative(Path(name), root)
                    ref = f"{rel} row group {group} row {row}"
                    yield pid, eid, Citation(side=side, ref=ref, path=rel)
            case _:
                raise AssertionError(f"{source.kind} is not a file source")
    elif isinstance(source, SqliteSource):
        for pid, eid, where in _sqlite_rows(source, key, wanted, event_key):
            ref = f"{source.display} {where}"
            yield pid, eid, Citation(side=side, ref=ref, path=source.display)


def relative(path: Path, root: Path | None) -> str:
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return path.as_posix()


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading: never through a symlink, never a FIFO or a device."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise GateCannotRun(
            "reconcile",
            f"cannot open {path.name} to cite its rows: {exc.strerror}",
            "check the file",
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise GateCannotRun(
            "reconcile", f"{path.name} is not a regular file", "point the source at regular files"
        )
    return os.fdopen(fd, "rb")


def _id_text(value: object) -> str | None:
    """A JSON value as the plan's `->>` and TRIM read it."""
    if isinstance(value, str):
        return value.strip(" ")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return None


# From this size a JSONL file's search is split over two processes at a line boundary: the
# search and the line counting run at memory speed in one thread, ~2.5 s on a 685 MB file.
_SPLIT_MIN_BYTES = 64 << 20


def _jsonl_lines(
    path: Path, key: str, ids: frozenset[str], event_key: str | None = None
) -> Iterator[tuple[str, str | None, int]]:
    # The file is searched whole (re2, linear time, in C) for the lines that may hold a wanted
    # id, and only those lines are parsed: a line whose key has one of the ids as a plain string
    # or integer, and every line where that simple reading may be wrong (a backslash anywhere,
    # so escapes; a value of another type; the key twice).
    if not ids:
        return
    pattern = _candidate_pattern(key, ids)  # compiled before any fork: the children share it
    spans = _spans(path)
    if len(spans) > 1:
        from gates.forked_map import forked_map  # lazy: small files are searched here

        parts = forked_map(lambda span: _cited_in(path, span, pattern, key, ids, event_key), spans)
    else:
        parts = [_cited_in(path, span, pattern, key, ids, event_key) for span in spans]
    before = 0  # lines in the spans before this one
    for found, newlines in parts:
        for pid, eid, number in found:
            yield pid, eid, before + number
        before += newlines


def _spans(path: Path) -> list[tuple[int, int]]:
    """The file's byte range, in two halves that meet at a line start when it is large (and
    this machine has two cores to search them on)."""
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        small = size < max(_SPLIT_MIN_BYTES, 1)  # an empty file cannot be mapped
        if small or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
            return [(0, size)]
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            middle = buf.find(b"\n", size // 2) + 1
    return [(0, size)] if middle in (0, size) else [(0, middle), (middle, size)]


def _cited_in(
    path: Path,
    span: tuple[int, int],
    pattern: Any,
    key: str,
    ids: frozenset[str],
    event_key: str | None,
) -> tuple[list[tuple[str, str | None, int]], int]:
    """(payment id, event id, line number counted from the span's start) of the lines in
    `span` holding a wanted id, and the number of newlines in the span."""
    first, last = span
    with _mapped(path) as buf:
        if buf is None:
            return [], 0
        lines = _LineNumbers(buf, first)
        found = {buf.rfind(b"\n", 0, m.start()) + 1 for m in pattern.finditer(buf, first, last)}
        cited = []
        for number, doc in _parsed_lines(buf, sorted(found), lines):
            if isinstance(doc, dict):
                pid = _id_text(doc.get(key))
                if pid is not None and pid in ids:
                    eid = _id_text(doc.get(event_key)) if event_key is not None else None
                    cited.append((pid, eid, number))
        # The count goes on from the last cited line: each byte of the span is counted once.
        return cited, lines.at(last) - 1


def non_object_lines(path: Path) -> list[int]:
    """The numbers of a JSONL file's lines that are JSON but no object (`[1]`, `null`, `"x"`):
    the plan reads each as an unreadable row with no ids to find it by. One search for the lines
    that do not start with `{` (rare), each then parsed; a malformed one is the reject scan's."""
    not_braced = _id_search(rb"(?m)^[ \t]*[^{ \t\r\n]")
    with _mapped(path) as buf:
        if buf is None:
            return []
        starts = (m.start() for m in not_braced.finditer(buf))
        parsed = _parsed_lines(buf, starts, _LineNumbers(buf, 0))
        return [number for number, doc in parsed if not isinstance(doc, dict)]


@contextmanager
def _mapped(path: Path) -> Iterator[mmap.mmap | None]:
    """The file mapped read-only (opened as open_regular opens it); None for an empty file,
    which cannot be mapped."""
    with open_regular(path) as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            yield None
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            yield buf


class _LineNumbers:
    """Line numbers of increasing offsets in a mapped file, counted from `origin` (line 1).

    The newlines are counted once, from one asked offset to the next, so numbering a few lines
    of a 3.9M-line file costs one pass over it at memory speed, not a Python loop per line."""

    def __init__(self, buf: mmap.mmap, origin: int) -> None:
        self._buf = buf
        self._counted = origin
        self._newlines = 0

    def at(self, offset: int) -> int:
        """The number of the line holding `offset` (no smaller than any asked before)."""
        self._newlines += _newlines(self._buf, self._counted, offset)
        self._counted = offset
        return self._newlines + 1


def _parsed_lines(
    buf: mmap.mmap, starts: Iterable[int], lines: _LineNumbers
) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) of the lines of a mapped JSONL file beginning at `starts` (in
    order), each read as the plan reads it. Lines the plan could not read as JSON are left out:
    the reject scan cites those over DuckDB's length limit, malformed or not UTF-8; and one
    nested too deep for Python, which DuckDB reads, is cited by its ids if at all."""
    size = len(buf)
    for start in starts:
        number = lines.at(start)
        end = buf.find(b"\n", start)
        line = buf[start : end if end >= 0 else size]
        if len(line) >= MAX_LINE_BYTES:
            continue
        try:
            doc = json.loads(line, object_pairs_hook=_first_wins)
        except (ValueError, RecursionError):
            continue
        yield number, doc


def _first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object as the plan reads it: of a key given twice, the first value counts (DuckDB's
    JSON functions); Python's own `json` would keep the last."""
    return dict(reversed(pairs))


def _id_search(pattern: bytes) -> Any:
    """An RE2 search over a whole file (for listed ids: an alternation of thousands of them)."""
    import re2  # type: ignore[import-untyped]  # google-re2 publishes no stubs or py.typed

    options = re2.Options()
    options.max_mem = 256 << 20  # the ids' alternation: thousands of ids stay one DFA
    options.log_errors = False  # RE2 would print to the user's stderr from C++
    return re2.compile(pattern, options)


# JSON's white space within one line (a newline ends a JSONL line): every alternative below
# matches within one line, so a line is a candidate whether the search starts at the file's
# start or at any line start before it, which is what lets a file be searched in parts.
_WS = rb"[ \t\r]"


def _candidate_pattern(key: str, ids: frozenset[str]) -> Any:
    """The search for lines that may hold one of `ids` under `key`: the key with one of the ids
    as a plain string or integer, the key with a value of another type, the key twice, or a
    backslash anywhere (an escape the plain reading would get wrong)."""
    qkey = re.escape(json.dumps(key).encode())
    strings = b"|".join(re.escape(i.encode()) for i in sorted(ids))
    numbers = b"|".join(re.escape(i.encode()) for i in sorted(ids) if _INTEGER.fullmatch(i))
    wanted = qkey + _WS + b"*:" + _WS + rb'*(?:" *(?:' + strings + rb') *"'
    wanted += (rb"|(?:" + numbers + rb")" + _WS + rb"*[,}])") if numbers else b")"
    odd = qkey + _WS + b"*:" + _WS + rb'*(?:[^"\s0-9-]|-?[0-9]*[^"0-9,}\s]|-?[0-9]+'
    odd += _WS + rb"+[^,}\s])"
    twice = qkey + rb"[^\n]*" + qkey
    return _id_search(b"|".join((wanted, odd, twice, rb"\\")))


_INTEGER = re.compile(r"-?[0-9]+")
_CHUNK = 16 << 20


def _newlines(buf: mmap.mmap, start: int, end: int) -> int:
    """Newlines in buf[start:end], copied 16 MiB at a time (mmap has no count before 3.13)."""
    return sum(buf[a : min(a + _CHUNK, end)].count(b"\n") for a in range(start, end, _CHUNK))


def csv_dialect(path: Path) -> tuple[str, str, str]:
    """(delimiter, quote, escape) as DuckDB's sniffer reads the file (the run's reader)."""
    import duckdb

    con = duckdb.connect()
    try:
        row = con.execute(
            "SELECT Delimiter, Quote, Escape FROM sniff_csv(?, header = true)", [str(path)]
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise AssertionError("sniff_csv returns one row")
    # "(empty)": the sniffer saw no quoting in its sample; read quotes the usual way then
    delimiter, quote, escape = (None if v in (None, "", "(empty)") else str(v) for v in row)
    return delimiter or ",", quote or '"', escape or quote or '"'


def csv_reader(fh: BinaryIO, dialect: tuple[str, str, str]) -> Any:
    delimiter, quote, escape = dialect
    text = io.TextIOWrapper(fh, encoding="utf-8", errors="surrogateescape", newline="")
    if escape != quote:
        return csv.reader(
            text, delimiter=delimiter, quotechar=quote, escapechar=escape, doublequote=False
        )
    return csv.reader(text, delimiter=delimiter, quotechar=quote)


def _csv_lines(
    path: Path, key: str, ids: frozenset[str], event_key: str | None = None
) -> Iterator[tuple[str, str | None, int]]:
    dialect = csv_dialect(path)
    with open_regular(path) as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            if _one_record_a_line(buf, dialect):
                yield from _plain_csv_lines(buf, dialect[0], key, ids, event_key)
                return
        fh.seek(0)
        reader = csv_reader(fh, dialect)
        header = next(reader, None)
        if header is None or key not in header:
            return
        column = header.index(key)
        event = header.index(event_key) if event_key in header else -1
        start = reader.line_num + 1
        for row in reader:
            if column < len(row):
                pid = row[column].strip(" ")
                if pid in ids:
                    eid = row[event].strip(" ") or None if 0 <= event < len(row) else None
                    yield pid, eid, start
            start = reader.line_num + 1


def _one_record_a_line(buf: mmap.mmap, dialect: tuple[str, str, str]) -> bool:
    """True when every physical line of the file is one record: no quote or escape character
    (so no value spans lines) and no carriage return (which the csv module also ends lines at)."""
    _, quote, escape = dialect
    return all(buf.find(c.encode()) < 0 for c in {quote, escape, "\r"})


def _plain_csv_lines(
    buf: mmap.mmap, delimiter: str, key: str, ids: frozenset[str], event_key: str | None
) -> Iterator[tuple[str, str | None, int]]:
    # A file with one record a line (_one_record_a_line) is searched whole (re2, in C) for the
    # lines holding a wanted id as a whole value; only those lines are split, exactly as the csv
    # module splits a line without quotes. Line numbers come from counting newlines, as for JSONL.
    end = buf.find(b"\n")
    header = _fields(buf[: end if end >= 0 else len(buf)], delimiter)
    if end < 0 or key not in header:
        return
    column = header.index(key)
    event = header.index(event_key) if event_key in header else -1
    # A value is found after the newline or delimiter before it; what follows it is checked
    # when the line is split, so a match never takes the newline that starts the next line. An
    # id holding a newline or the delimiter cannot be one value of such a line.
    plain = sorted(i for i in ids if "\n" not in i and delimiter not in i)
    if not plain:
        return
    sep = re.escape(delimiter.encode())
    values = b"|".join(re.escape(i.encode("utf-8", "surrogateescape")) for i in plain)
    pattern = _id_search(rb"(?:\n|" + sep + rb") *(?:" + values + rb")")
    starts = sorted({buf.rfind(b"\n", 0, m.start() + 1) + 1 for m in pattern.finditer(buf, end)})
    number, counted = 1, 0
    for start in starts:
        number += _newlines(buf, counted, start)
        counted = start
        stop = buf.find(b"\n", start)
        row = _fields(buf[start : stop if stop >= 0 else len(buf)], delimiter)
        if column < len(row) and (pid := row[column].strip(" ")) in ids:
            eid = row[event].strip(" ") or None if 0 <= event < len(row) else None
            yield pid, eid, number


def _fields(line: bytes, delimiter: str) -> list[str]:
    """A line without quotes split as the csv module splits it (a blank line has no fields)."""
    text = line.decode("utf-8", "surrogateescape")
    return text.split(delimiter) if text else []


def _trimmed(value: str) -> str:
    """SQL for a text value as the plan reads ids: edge spaces trimmed. TRIM only values that
    have them: trimming every value costs more than the scan."""
    return (
        f"CASE WHEN {value} LIKE ' %' OR {value} LIKE '% ' THEN trim({value}, ' ') ELSE {value} END"
    )


def _parquet_rows(
    paths: Sequence[Path], key: str, ids: frozenset[str], event_key: str | None = None
) -> Iterator[tuple[str, str | None, str, int, int]]:
    import duckdb

    files = "[" + ", ".join(quote_literal(str(p)) for p in paths) + "]"
    # The ids go in as one list parameter. Row groups come from the files' own metadata
    # (parquet_metadata), in the same query.
    value = f"CAST({quote_ident(key)} AS VARCHAR)"
    event = f"CAST({quote_ident(event_key)} AS VARCHAR)" if event_key is not None else "NULL"
    # The event id is trimmed only for the rows kept (3.9M events: 0.29 -> 0.24 s).
    hits = (
        f"SELECT pid, {_trimmed('e')} AS eid, filename, file_row_number FROM "  # noqa: S608 - identifiers quoted, literals escaped
        f"(SELECT {_trimmed('v')} AS pid, e, filename, file_row_number FROM "
        f"(SELECT {value} AS v, {event} AS e, filename, file_row_number FROM read_parquet({files}, "
        "union_by_name = true, filename = true, file_row_number = true))) "
        "WHERE pid IN (SELECT unnest(CAST(? AS VARCHAR[])))"
    )
    groups = (
        "SELECT file_name, row_group_id, row_group_num_rows AS n, SUM(row_group_num_rows) OVER "  # noqa: S608 - literals escaped
        "(PARTITION BY file_name ORDER BY row_group_id) - row_group_num_rows AS first FROM "
        "(SELECT DISTINCT file_name, row_group_id, row_group_num_rows "
        f"FROM parquet_metadata({files}))"
    )
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT h.pid, h.eid, h.filename, g.row_group_id, h.file_row_number - g.first "  # noqa: S608 - built above from quoted parts
            f"FROM ({hits}) AS h JOIN ({groups}) AS g ON g.file_name = h.filename "
            "AND h.file_row_number >= g.first AND h.file_row_number < g.first + g.n "
            "ORDER BY h.filename, h.file_row_number",
            [sorted(ids)],
        ).fetchall()
    finally:
        con.close()
    for pid, eid, filename, group, row in rows:
        yield str(pid), None if eid is None else str(eid), str(filename), int(group), int(row)


def sqlite_key(db: sqlite3.Connection, table: str) -> tuple[str, ...]:
    """The table's primary-key columns in key order; () when it has none (cite the rowid)."""
    info = db.execute(f"PRAGMA table_info({quote_ident(table)})").fetchall()
    return tuple(str(r[1]) for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))


def sqlite_where(names: Sequence[str], values: Sequence[object], table: str) -> str:
    pairs = ", ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))
    return f"{table}({pairs})"


def _sqlite_rows(
    source: SqliteSource, key: str, ids: frozenset[str], event_key: str | None = None
) -> Iterator[tuple[str, str | None, str]]:
    assert source.table is not None
    db = sqlite3.connect(f"{source.path.as_uri()}?mode=ro", uri=True)
    try:
        pk = sqlite_key(db, source.table) or ("rowid",)
        cols = ", ".join(quote_ident(c) if c != "rowid" else "rowid" for c in pk)
        event = (
            f"TRIM(CAST({quote_ident(event_key)} AS TEXT), ' ')"
            if event_key is not None
            else "NULL"
        )
        ordered = sorted(ids)
        for i in range(0, len(ordered), SQLITE_CHUNK):
            chunk = ordered[i : i + SQLITE_CHUNK]
            marks = ", ".join("?" * len(chunk))
            try:
                rows = db.execute(
                    f"SELECT TRIM(CAST({quote_ident(key)} AS TEXT), ' '), {event}, {cols} "  # noqa: S608 - identifiers quoted
                    f"FROM {quote_ident(source.table)} WHERE TRIM(CAST({quote_ident(key)} AS TEXT), ' ') "
                    f"IN ({marks}) ORDER BY {cols}",
                    chunk,
                ).fetchall()
            except sqlite3.OperationalError:  # a view has no rowid: its rows cannot be cited
                return
            for row in rows:
                eid = None if row[1] is None else str(row[1])
                yield str(row[0]), eid, sqlite_where(pk, row[2:], source.table)
    finally:
        db.close()
