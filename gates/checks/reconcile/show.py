"""`gates reconcile show ID`: print the source rows behind a payment's discrepancies, masked.

ID is a payment id, as the samples, discrepancies.csv and the HTML report show it (a discrepancy
is a class and a payment id). The sources come from the policy (or --events/--report, as for
`gates reconcile`), and the payment's rows are found the way the run cites them (source_rows.py):

- JSONL / CSV: `file:line` and the line (CSV: `column=value` pairs, the header naming them);
- Parquet: `file row group G row R` and the row;
- SQLite table: `file table(key=value)` and the row; an SQLite or PostgreSQL query: the rows,
  without a position (a query's rows have none);
- PostgreSQL table: `table(page,item)` (the ctid) and the row;
- Kafka: not re-read (a topic is not a file to seek in); the run's samples cite
  `topic[partition]@offset`.

With --out DIR (a previous run's output directory) the payment's discrepancies are listed first,
from DIR/discrepancies.csv. Everything printed passes `gates.redact` (card-shaped ids and values,
secrets). Files are the sources' own, resolved inside the repository root; they are opened
without following symlinks, must be regular files, and a line is read at most MAX_LINE_BYTES
(DuckDB's own limit); a row is printed at most MAX_ROW_CHARS long.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from gates import redact
from gates.checks.reconcile import source_rows
from gates.checks.reconcile.cli_inputs import policy_section, source_spec
from gates.checks.reconcile.file_rejects import MAX_LINE_BYTES
from gates.checks.reconcile.model import Citation, Side
from gates.checks.reconcile.sources import (
    FileSource,
    Source,
    SourceKind,
    SqliteSource,
    quote_ident,
)
from gates.errors import GateCannotRun, InvalidInput
from gates.model import ExitCode

MAX_ROW_CHARS = 2_000


def add_parser(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = actions.add_parser(
        "show",
        help="print the source rows behind a payment's discrepancies (masked)",
        description="Find a payment's rows in the events and report sources and print each with "
        "where it is (file:line, row group/row, primary key, ctid), masked.",
    )
    p.add_argument("id", metavar="ID", help="payment id (as the samples show it)")
    p.add_argument(
        "--out", metavar="DIR", help="a previous run's --out: list the payment's discrepancies"
    )
    # SUPPRESS: given before `show`, the `gates reconcile` options keep their values
    for flag, meta, text in (
        ("--events", "SRC", "events source (default: the policy's)"),
        ("--report", "SRC", "report source (default: the policy's)"),
        ("--policy", "P", "policy file or shipped policy name"),
        ("--root", "DIR", "repository root for relative paths (default: .)"),
    ):
        p.add_argument(flag, metavar=meta, help=text, default=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from gates.checks.reconcile import config as config_mod
    from gates.checks.reconcile.sources import parse_source

    root = Path(args.root).resolve()
    section, file, _ = policy_section(args, root)
    cfg = config_mod.parse(section, file=file)
    lines: list[str] = [f"payment {args.id}"]
    if args.out:
        lines += discrepancy_lines(Path(args.out), args.id)
    found = 0
    for side, text, spec, cmap in (
        (Side.EVENTS, args.events, cfg.events_source, cfg.events),
        (Side.REPORT, args.report, cfg.report_source, cfg.report),
    ):
        if text:
            spec = source_spec(text)
        if spec is None:
            raise InvalidInput(
                file, "$.gates.reconcile", f"no {side.value} source", f"pass --{side.value}"
            )
        where = f"--{side.value}" if text else file
        source = parse_source(spec, root=root, file=where, field=side.value)
        rows = list(payment_rows(source, cmap.raw("payment_id") or "payment_id", side, args.id))
        found += len(rows)
        lines.append(f"{side.value} rows ({source.label}): {len(rows) or 'none'}")
        lines += [f"  {ref}  {_cap(row)}" for ref, row in rows]
    out.write(redact.DEFAULT.text("\n".join(lines) + "\n"))
    return int(ExitCode.PASS if found else ExitCode.BLOCKED)


def _cap(text: str) -> str:
    return text if len(text) <= MAX_ROW_CHARS else text[:MAX_ROW_CHARS] + "…"


def payment_rows(source: Source, key: str, side: Side, pid: str) -> Iterator[tuple[str, str]]:
    """(where, row text) of every row of `source` whose `key` holds `pid`."""
    if isinstance(source, FileSource):
        for cite in source_rows.cite(source, key, side, {pid}).get(pid, ()):
            yield cite.ref, read_cited(source, cite)
    elif isinstance(source, SqliteSource):
        yield from _sqlite_rows(source, key, pid)
    elif source.kind is SourceKind.POSTGRES:
        yield from _postgres_rows(source, key, pid)
    else:
        yield (
            "(not re-read)",
            f"{source.kind.value} sources are not re-read; the run's samples cite their rows",
        )


def read_cited(source: FileSource, cite: Citation) -> str:
    """The row a citation names, as text."""
    path = _source_file(source, cite.path)
    match source.kind:
        case SourceKind.JSONL:
            return line_at(path, cite.line).decode("utf-8", "replace").rstrip("\r\n")
        case SourceKind.CSV:
            return _csv_row(path, cite.line)
        case SourceKind.PARQUET:
            return _parquet_row(path, cite.ref)
        case _:
            raise AssertionError(f"{source.kind} is not a file source")


def _source_file(source: FileSource, rel: str) -> Path:
    """The source's own file named `rel`: never a path the citation could make up."""
    for path in source.paths:
        if source_rows.relative(path, source.root) == rel:
            return path
    raise AssertionError(f"{rel} is not one of the source's files")


def line_at(path: Path, number: int) -> bytes:
    """Line `number` (1-based) of the file, at most MAX_LINE_BYTES of it."""
    with source_rows.open_regular(path) as fh:
        current, at_start = 1, True
        while chunk := fh.readline(MAX_LINE_BYTES + 1):
            if current == number and at_start:
                return chunk[:MAX_LINE_BYTES]
            at_start = chunk.endswith(b"\n")  # False: the rest of an over-long line follows
            if at_start:
                current += 1
    return b""


def _csv_row(path: Path, number: int) -> str:
    with source_rows.open_regular(path) as fh:
        reader = source_rows.csv_reader(fh, source_rows.csv_dialect(path))
        header: list[str] = next(reader, [])
        start = reader.line_num + 1
        for row in reader:
            if start == number:
                return ", ".join(f"{k}={v}" for k, v in zip(header, row, strict=False))
            if start > number:
                break
            start = reader.line_num + 1
    return ""


def _parquet_row(path: Path, ref: str) -> str:
    import pyarrow.parquet as pq

    group, row = (int(x) for x in ref.rsplit(" row group ", 1)[1].split(" row "))
    table = pq.ParquetFile(path).read_row_group(group).slice(row, 1)
    return _json(table.to_pylist()[0])


def _json(row: dict[str, Any]) -> str:
    return json.dumps(row, default=str, ensure_ascii=False, sort_keys=True)


def _sqlite_rows(source: SqliteSource, key: str, pid: str) -> Iterator[tuple[str, str]]:
    """A table's rows cite their primary key (else rowid), as the run does; a query's nothing."""
    db = sqlite3.connect(f"{source.path.as_uri()}?mode=ro", uri=True)
    try:
        if source.table is not None:
            pk = source_rows.sqlite_key(db, source.table) or ("rowid",)
            keys = ", ".join(quote_ident(c) if c != "rowid" else "rowid" for c in pk)
            relation = quote_ident(source.table)
        else:
            pk, keys, relation = (), "", f"({source.query})"
        cur = db.execute(
            f"SELECT {keys + ', ' if keys else ''}* FROM {relation} "  # noqa: S608 - identifiers quoted; a query is the policy's own, read-only; the id is a parameter
            f"WHERE TRIM(CAST({quote_ident(key)} AS TEXT), ' ') = ?",
            [pid],
        )
        names = [d[0] for d in cur.description][len(pk) :]
        for row in cur.fetchall():
            where = (
                source_rows.sqlite_where(pk, row[: len(pk)], source.table)
                if source.table is not None
                else "(query)"
            )
            yield f"{source.display} {where}", _json(dict(zip(names, row[len(pk) :], strict=True)))
    finally:
        db.close()


def _postgres_rows(source: Source, key: str, pid: str) -> Iterator[tuple[str, str]]:
    from gates.checks.reconcile.sources import REF_COLUMN
    from gates.checks.reconcile.sources_postgres import PostgresSource

    assert isinstance(source, PostgresSource)
    ref = quote_ident(REF_COLUMN) if source.table is not None else "'(query)'"
    with source.connect() as conn:
        rows = conn.execute(
            f"SELECT {ref}, row_to_json(s)::text FROM {source.relation_sql()} AS s "  # noqa: S608 - identifiers quoted; the id is a parameter
            f"WHERE trim(CAST(s.{quote_ident(key)} AS text), ' ') = %s ORDER BY 1",
            [pid],
        ).fetchall()
    for where, row in rows:
        doc = json.loads(row)
        doc.pop(REF_COLUMN, None)
        yield str(where), _json(doc)


def discrepancy_lines(out_dir: Path, pid: str) -> Sequence[str]:
    """The payment's rows of a previous run's discrepancies.csv (class: detail)."""
    import csv
    import io

    path = out_dir / "discrepancies.csv"
    lines = [f"discrepancies ({path}):"]
    try:
        fh = source_rows.open_regular(path)
    except GateCannotRun as exc:  # the user named the directory: their input
        raise InvalidInput(
            str(path), "--out", exc.reason, "pass the --out directory of `gates reconcile`"
        ) from None
    with fh:
        text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="")
        # the file holds ids masked as every output does: a card-shaped id matches its mask
        wanted = {pid, redact.DEFAULT.text(pid)}
        for row in csv.DictReader(text):
            if row.get("payment_id") in wanted:
                lines.append(f"  {row.get('class')}: {row.get('detail')}")
    if len(lines) == 1:
        lines.append("  none")
    return lines
