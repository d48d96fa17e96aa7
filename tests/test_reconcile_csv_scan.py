"""A CSV source is read once: the scan that records its unreadable lines stores its rows.

The relation a CSV source binds must hold exactly what the two reads it replaces gave: the files'
rows as `read_csv(..., union_by_name = true, ignore_errors = true)` reads them, plus one row per
rejected line. Hypothesis writes files of good and bad lines (short and long rows, bad UTF-8,
quotes, blank lines, CRLF, other delimiters and headers) and compares both, column order included.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gates.checks.reconcile import file_rejects
from gates.checks.reconcile.sources import (
    _CSV_OPTIONS,
    ERROR_COLUMN,
    REF_COLUMN,
    FileSource,
    SourceKind,
    _path_list,
)

COLUMNS = ("payment_id", "status", "amount", "currency", "region")
CELLS = st.sampled_from(
    ["p1", " p2 ", "", "completed", "10.00", "1,5", '"q,uoted"', '"un', "x\xe9", "EUR", "-7"]
)


@st.composite
def csv_file(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "|"]))
    header = draw(st.permutations(COLUMNS).map(lambda c: list(c[: 2 + len(c) // 2])))
    width = len(header)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [delimiter.join(header)]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["row", "row", "short", "long", "blank", "bad-utf8"]))
        size = {"row": width, "short": max(1, width - 2), "long": width + 1}.get(kind, 0)
        cells = [draw(CELLS).replace(",", delimiter) for _ in range(size)]
        lines.append("" if kind == "blank" else delimiter.join(cells))
        if kind == "bad-utf8":
            lines[-1] = "\udcff" + delimiter * (width - 1)  # a lone \xff byte once encoded
    return (newline.join(lines) + newline).encode("utf-8", "surrogateescape")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[str]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description or ()]
    return names, sorted(repr(r) for r in cur.fetchall())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(csv_file(), min_size=1, max_size=3))
def test_one_scan_holds_what_two_reads_gave(files: list[bytes]) -> None:
    # A directory per example: pytest's tmp_path is one per test, not per Hypothesis example.
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i, data in enumerate(files):
            (root / f"r{i}.csv").write_bytes(data)
        paths = tuple(sorted(root.glob("*.csv")))
        source = FileSource(kind=SourceKind.CSV, pattern="*.csv", paths=paths, root=root.resolve())
        con = duckdb.connect()
        try:
            source.bind_duckdb(con, "rp", COLUMNS)
            got = _rows(con, "SELECT * FROM rp")
            rejects = file_rejects.rows_sql("_rg_rej_rp_rows", (), ERROR_COLUMN, REF_COLUMN)
            want = _rows(
                con,
                f"SELECT * FROM read_csv({_path_list(paths)}, {_CSV_OPTIONS}, "  # noqa: S608 - paths escaped
                f"union_by_name = true, ignore_errors = true) UNION ALL BY NAME {rejects}",
            )
            # The plan's reads of the relation read stored rows, not the files.
            (view,) = con.execute(
                "SELECT sql FROM duckdb_views() WHERE view_name = 'rp'"
            ).fetchone() or ("",)
        finally:
            con.close()
    assert got == want
    assert "read_csv" not in view
