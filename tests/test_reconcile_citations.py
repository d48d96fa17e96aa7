"""Every sampled discrepancy cites its source rows, for every file and SQLite source kind.

JSONL and CSV cite `file:line` (the physical line: blank lines, the CSV header and the lines of
a quoted multi-line value counted), Parquet `file row group G row R`, an SQLite table its primary
key or rowid. PostgreSQL (ctid) and Kafka (topic[partition]@offset) are cited in
test_reconcile_postgres.py / test_reconcile_parity.py and test_reconcile_kafka.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.checks.reconcile import citations, source_rows
from gates.checks.reconcile.model import Citation, DiscrepancyClass, ReconcileResult, Side
from gates.checks.reconcile.sources import parse_source
from tests.reconcile_data import card_section, jsonl, lifecycle, rep, report_csv, run_section

OK = ["created", "authorized", "captured"]
EVENTS = lifecycle("p1", OK) + lifecycle("p2", OK)
REPORT = [rep("p1", "completed"), rep("p2", "pending")]  # p2: status mismatch


def _status_mismatch(result: ReconcileResult) -> tuple[tuple[str, ...], tuple[Citation, ...]]:
    (c,) = [c for c in result.classes if c.cls is DiscrepancyClass.STATUS_MISMATCH]
    return c.samples, c.citations


def _run(root: Path, events: dict[str, Any], report: dict[str, Any]) -> ReconcileResult:
    section = card_section()
    section["events"], section["report"] = events, report
    return run_section(root, section)


def test_jsonl_and_csv_cite_the_physical_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    # a blank line and a line of spaces before p2's events: lines, not records, are counted
    text = jsonl(EVENTS[:3]) + "\n   \n" + jsonl(EVENTS[3:])
    (tmp_path / "data" / "e.jsonl").write_text(text)
    # p1's report row holds a quoted value over two lines: p2's row starts on line 4
    csv_text = report_csv(REPORT).replace("p1,completed,10.00,EUR,", 'p1,completed,10.00,EUR,"eu\n')
    csv_text = csv_text.replace('"eu\neu-central-1', '"eu\ncentral"', 1)
    (tmp_path / "data" / "r.csv").write_text(csv_text)
    assert csv_text.splitlines()[3].startswith("p2,")
    result = _run(
        tmp_path,
        {"kind": "jsonl", "path": "data/e.jsonl"},
        {"kind": "csv", "path": "data/r.csv"},
    )
    samples, cites = _status_mismatch(result)
    assert samples == ("p2 (at events data/e.jsonl:6,7,8, report data/r.csv:4)",)
    assert cites == (
        Citation(side=Side.EVENTS, ref="data/e.jsonl:6", path="data/e.jsonl", line=6),
        Citation(side=Side.EVENTS, ref="data/e.jsonl:7", path="data/e.jsonl", line=7),
        Citation(side=Side.EVENTS, ref="data/e.jsonl:8", path="data/e.jsonl", line=8),
        Citation(side=Side.REPORT, ref="data/r.csv:4", path="data/r.csv", line=4),
    )


def test_parquet_cites_file_row_group_and_row(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    pq.write_table(pa.Table.from_pylist(EVENTS), tmp_path / "data" / "e.parquet", row_group_size=2)
    pq.write_table(pa.Table.from_pylist(REPORT), tmp_path / "data" / "r.parquet")
    result = _run(
        tmp_path,
        {"kind": "parquet", "path": "data/e.parquet"},
        {"kind": "parquet", "path": "data/r.parquet"},
    )
    samples, cites = _status_mismatch(result)
    # p2's events are rows 3, 4, 5: row group 1 (rows 2-3) and 2 (rows 4-5)
    assert samples == (
        "p2 (at events data/e.parquet row group 1 row 1, data/e.parquet row group 2 row 0, "
        "data/e.parquet row group 2 row 1, report data/r.parquet row group 0 row 1)",
    )
    assert {(c.path, c.line) for c in cites} == {("data/e.parquet", 0), ("data/r.parquet", 0)}


@pytest.mark.parametrize(
    ("ddl", "where"),
    [
        ("payment_id TEXT, status TEXT", "report(rowid=2)"),
        ("payment_id TEXT PRIMARY KEY, status TEXT", "report(payment_id=p2)"),
        (
            "status TEXT, payment_id TEXT",
            "report(status=pending, payment_id=p2)",
        ),
    ],
    ids=["rowid", "primary-key", "composite-key"],
)
def test_sqlite_table_cites_its_key(tmp_path: Path, ddl: str, where: str) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "e.jsonl").write_text(jsonl(EVENTS))
    db = sqlite3.connect(tmp_path / "data" / "pay.db")
    db.execute(
        f"CREATE TABLE report ({ddl}, amount TEXT, currency TEXT, region TEXT, updated_at TEXT"
        + (", PRIMARY KEY (status, payment_id))" if "status=" in where else ")")
    )
    for row in REPORT:
        db.execute(
            "INSERT INTO report (payment_id, status, amount, currency, region, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [row[k] for k in ("payment_id", "status", "amount", "currency", "region")]
            + [row["updated_at"]],
        )
    db.commit()
    db.close()
    result = _run(
        tmp_path,
        {"kind": "jsonl", "path": "data/e.jsonl"},
        {"kind": "sqlite", "path": "data/pay.db", "table": "report"},
    )
    samples, cites = _status_mismatch(result)
    assert samples == (f"p2 (at events data/e.jsonl:4,5,6, report data/pay.db {where})",)
    assert cites[-1] == Citation(side=Side.REPORT, ref=f"data/pay.db {where}", path="data/pay.db")


def test_clean_data_runs_no_citation_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "e.jsonl").write_text(jsonl(EVENTS))
    (tmp_path / "data" / "r.csv").write_text(
        report_csv([rep("p1", "completed"), rep("p2", "completed")])
    )
    calls: list[object] = []
    monkeypatch.setattr(citations, "cited_rows", lambda *a, **k: calls.append(a) or iter(()))
    result = _run(
        tmp_path,
        {"kind": "jsonl", "path": "data/e.jsonl"},
        {"kind": "csv", "path": "data/r.csv"},
    )
    assert sum(c.count for c in result.classes) == 0
    assert calls == []


def test_line_numbers_count_blank_lines_and_a_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(
        b'\n{"payment_id": "p2", "note": "p1"}\n\n  \n'  # p1 only as another key's value
        b'{"payment_id":"p1","seq":1}\n'
        b'{"payment_id" :  "p1" , "seq":2}\n'
        b'{"note": "a \\" quote", "payment_id": "p3"}\n'  # a backslash: the line is parsed
        b'{"payment_id": "p1", "payment_id": "p9"}\n'  # the key twice: as DuckDB, the first wins
        b'{"payment_id": true}\n'
        b'{"payment_id": "p1"}'  # no newline at the end
    )
    source = parse_source({"kind": "jsonl", "path": "e.jsonl"}, root=tmp_path, file="t", field="e")
    found = source_rows.cite(source, "payment_id", Side.EVENTS, {"p1", "p3", "p9", "true"})
    assert {k: [c.ref for c in v] for k, v in found.items()} == {
        "p1": ["e.jsonl:5", "e.jsonl:6", "e.jsonl:8", "e.jsonl:10"],
        "p3": ["e.jsonl:7"],
        "true": ["e.jsonl:9"],
    }


def test_escaped_ids_and_nested_keys_are_found_by_parsing(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(
        '{"payment_id": "p\\u0031"}\n'
        '{"a": {"payment_id": "p1"}, "payment_id": "p2"}\n'
        '{"a": {"payment_id": "p1"}}\n'
        '{"payment_id": " p1 "}\n'
        '{"payment_id": 7}\n'
        '{"payment_id": 7.0}\n'
    )
    source = parse_source({"kind": "jsonl", "path": "e.jsonl"}, root=tmp_path, file="t", field="e")
    found = source_rows.cite(source, "payment_id", Side.EVENTS, {"p1", "p2", "7"})
    assert {k: [c.ref for c in v] for k, v in found.items()} == {
        "p1": ["e.jsonl:1", "e.jsonl:4"],
        "p2": ["e.jsonl:2"],
        "7": ["e.jsonl:5"],  # an integer id as its digits; 7.0 is not an id the plan reads
    }


def test_a_symlinked_data_file_is_not_read(tmp_path: Path) -> None:
    from gates.errors import GateCannotRun

    target = tmp_path / "real.jsonl"
    target.write_text('{"payment_id": "p1"}\n')
    (tmp_path / "link.jsonl").symlink_to(target)
    with pytest.raises(GateCannotRun, match=r"cannot open link\.jsonl"):
        source_rows.open_regular(tmp_path / "link.jsonl")


def test_unreadable_rows_the_reader_could_read_cite_their_line(tmp_path: Path) -> None:
    """A bad value (not a bad line): found again by its payment and event id (events) or its
    payment id (report), and cited as file:line like the lines the reader rejects."""
    (tmp_path / "data").mkdir()
    bad_event = {**EVENTS[4], "amount": "12x"}  # p2's second event, line 5
    events = [*EVENTS[:4], bad_event, *EVENTS[5:]]
    (tmp_path / "data" / "e.jsonl").write_text(jsonl(events))
    (tmp_path / "data" / "r.csv").write_text(
        report_csv([rep("p1", "completed", amount="ten")])  # line 2
    )
    result = _run(
        tmp_path,
        {"kind": "jsonl", "path": "data/e.jsonl"},
        {"kind": "csv", "path": "data/r.csv"},
    )
    assert [(u.reason, u.examples) for u in result.unreadable] == [
        ("bad amount", ("events: bad amount (payment p2, event p2-2, at data/e.jsonl:5)",)),
        ("bad amount", ("report: bad amount (payment p1, at data/r.csv:2)",)),
    ]
    (unreadable,) = [c for c in result.classes if c.cls is DiscrepancyClass.UNREADABLE]
    assert set(unreadable.samples) == {e for u in result.unreadable for e in u.examples}


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_csv_lines_without_quotes_are_searched_as_the_csv_module_reads_them(
    tmp_path: Path, newline: str
) -> None:
    # No quote character: each line is one record and the file is searched whole. With CRLF
    # line ends the csv module reads it; both ways cite the same lines.
    lines = [
        "payment_id;status;note",
        "p10;completed;p1",  # p1 only as a prefix of another id and in another column
        "",
        " p1 ;pending;x",
        "p2;completed;",
        "p1;;y",  # no status
        "p3;completed;x",
        "p2;failed;z",  # the last line has no line end
    ]
    (tmp_path / "r.csv").write_text(newline.join(lines))
    source = parse_source({"kind": "csv", "path": "r.csv"}, root=tmp_path, file="t", field="r")
    rows = list(
        source_rows.cited_rows(source, "payment_id", Side.REPORT, {"p1", "p2", "p3"}, "status")
    )
    assert [(pid, eid, c.ref) for pid, eid, c in rows] == [
        ("p1", "pending", "r.csv:4"),
        ("p2", "completed", "r.csv:5"),
        ("p1", None, "r.csv:6"),
        ("p3", "completed", "r.csv:7"),
        ("p2", "failed", "r.csv:8"),
    ]


def test_unreadable_parquet_rows_cite_row_group_and_row(tmp_path: Path) -> None:
    """Parquet has no lines: a row the plan cannot use is found by its payment and event id and
    cited by file, row group and row, like the rows behind a discrepancy."""
    (tmp_path / "data").mkdir()
    bad_event = {**EVENTS[4], "type": "teleported"}  # p2's second event: row group 2 row 0
    events = [*EVENTS[:4], bad_event, *EVENTS[5:]]
    pq.write_table(pa.Table.from_pylist(events), tmp_path / "data" / "e.parquet", row_group_size=2)
    report = [rep("p1", "completed"), rep("p2", "completed", amount="ten")]
    pq.write_table(pa.Table.from_pylist(report), tmp_path / "data" / "r.parquet")
    result = _run(
        tmp_path,
        {"kind": "parquet", "path": "data/e.parquet"},
        {"kind": "parquet", "path": "data/r.parquet"},
    )
    assert [(u.reason, u.examples) for u in result.unreadable] == [
        (
            "unknown event type",
            (
                "events: unknown event type (payment p2, event p2-2, "
                "at data/e.parquet row group 2 row 0)",
            ),
        ),
        (
            "bad amount",
            ("report: bad amount (payment p2, at data/r.parquet row group 0 row 1)",),
        ),
    ]


def test_unreadable_sqlite_rows_cite_their_key(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    db = sqlite3.connect(tmp_path / "data" / "pay.db")
    columns = list(dict.fromkeys(k for row in EVENTS for k in row))
    db.execute(f"CREATE TABLE events ({', '.join(columns)})")
    db.execute(
        "CREATE TABLE report (payment_id TEXT PRIMARY KEY, status TEXT, amount TEXT, "
        "currency TEXT, region TEXT, updated_at TEXT)"
    )
    for row in [*EVENTS[:4], {**EVENTS[4], "type": "teleported"}, *EVENTS[5:]]:
        db.execute(
            f"INSERT INTO events VALUES ({', '.join('?' * len(columns))})",  # noqa: S608 - test's own columns
            [row.get(c) for c in columns],
        )
    for row in [rep("p1", "completed", amount="ten"), rep("p2", "completed")]:
        db.execute(
            "INSERT INTO report VALUES (?, ?, ?, ?, ?, ?)",
            [
                row[k]
                for k in ("payment_id", "status", "amount", "currency", "region", "updated_at")
            ],
        )
    db.commit()
    db.close()
    result = _run(
        tmp_path,
        {"kind": "sqlite", "path": "data/pay.db", "table": "events"},
        {"kind": "sqlite", "path": "data/pay.db", "table": "report"},
    )
    assert [(u.reason, u.examples) for u in result.unreadable] == [
        (
            "unknown event type",
            (
                "events: unknown event type (payment p2, event p2-2, at data/pay.db events(rowid=5))",
            ),
        ),
        ("bad amount", ("report: bad amount (payment p1, at data/pay.db report(payment_id=p1))",)),
    ]


def test_the_pass_reads_lines_as_the_plan_does(tmp_path: Path) -> None:
    """Lines the plan reads differently from Python's `json` are cited as the plan read them: a
    key given twice counts with its first value, a line over DuckDB's 2 MB limit is no row (the
    reject scan cites it), and a line nested too deep for Python is no crash."""
    (tmp_path / "data").mkdir()
    twice = '{"payment_id": "p9", "payment_id": "p2", "event_id": "x-1", "seq": 9, "type": "x"}'
    deep = '{"payment_id": "p2", "event_id": "x-2", "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    huge = '{"payment_id": "p2", "event_id": "x-3", "pad": "' + "x" * 2_000_000 + '"}'
    (tmp_path / "data" / "e.jsonl").write_text(jsonl([*EVENTS, twice, deep, huge]))
    cited = [
        (pid, eid, c.line)
        for pid, eid, c in source_rows.cited_rows(
            parse_source(
                {"kind": "jsonl", "path": "data/e.jsonl"}, root=tmp_path, file="p", field="$.e"
            ),
            "payment_id",
            Side.EVENTS,
            {"p2", "p9"},
            "event_id",
        )
    ]
    assert cited == [
        ("p2", "p2-1", 4),
        ("p2", "p2-2", 5),
        ("p2", "p2-3", 6),
        ("p9", "x-1", 7),
    ]


def test_lines_that_are_json_but_no_object_cite_their_lines(tmp_path: Path) -> None:
    """Such a row has no payment or event id to be found by: its lines are found by shape."""
    (tmp_path / "data").mkdir()
    lines = [*EVENTS[:2], "[1]", *EVENTS[2:4], "  null", "{not json", *EVENTS[4:], '"p2"']
    (tmp_path / "data" / "e.jsonl").write_text(jsonl(lines))
    (tmp_path / "data" / "r.csv").write_text(
        report_csv([rep("p1", "completed"), rep("p2", "completed")])
    )
    result = _run(
        tmp_path,
        {"kind": "jsonl", "path": "data/e.jsonl"},
        {"kind": "csv", "path": "data/r.csv"},
    )
    assert sorted((u.reason, u.count, u.examples) for u in result.unreadable) == [
        ("malformed JSON", 1, ("events: malformed JSON (payment ?, at data/e.jsonl:7)",)),
        (
            "not a JSON object",
            3,
            ("events: not a JSON object (payment ?, at data/e.jsonl:3,6,10)",),
        ),
    ]


# Lines for the property below: ids as strings, integers and escapes, the key twice, values of
# other types, white space JSON allows (a \r before the newline too), blank and broken lines.
_LINE = st.sampled_from(
    [
        '{"payment_id": "p1", "event_id": "e1"}', '{"payment_id":"p2"}', '{ "payment_id" : 7 }',
        '{"payment_id": " p1 "}', '{"payment_id": "p\\u0031"}', '{"payment_id": "p3"}',
        '{"payment_id": "p9", "payment_id": "p1"}', '{"payment_id": "p1", "payment_id": "p9"}',
        '{"payment_id": ["p1"]}', '{"payment_id": 7.0}', '{"payment_id":\t"p2"}\r', "",
        '{"x": {"payment_id": "p1"}}', '{"payment_id": "p1"', "[1]", "null", '{"payment_id": 70}',
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE, max_size=40), st.booleans())
def test_a_file_searched_in_two_parts_cites_the_lines_parsing_every_line_cites(
    lines: list[str], final_newline: bool
) -> None:
    """A large JSONL file is searched in two processes that meet at a line start: the lines
    cited, and their numbers, are those a parse of every line gives (first key wins)."""
    import json
    import tempfile

    text = "\n".join(lines) + ("\n" if final_newline else "")
    ids = frozenset({"p1", "p2", "7"})
    expected = []
    for number, line in enumerate(text.split("\n"), start=1):
        try:
            doc = json.loads(line, object_pairs_hook=source_rows._first_wins)
        except ValueError:
            continue
        pid = source_rows._id_text(doc.get("payment_id")) if isinstance(doc, dict) else None
        if pid in ids:
            expected.append((pid, source_rows._id_text(doc.get("event_id")), number))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "events.jsonl")
        path.write_text(text, encoding="utf-8")
        whole = list(source_rows._jsonl_lines(path, "payment_id", ids, "event_id"))
        split_at, source_rows._SPLIT_MIN_BYTES = source_rows._SPLIT_MIN_BYTES, 0
        try:
            halves = list(source_rows._jsonl_lines(path, "payment_id", ids, "event_id"))
            parts = source_rows._spans(path)
        finally:
            source_rows._SPLIT_MIN_BYTES = split_at
    assert whole == expected
    assert halves == expected
    assert (
        len(parts) == 2 or len(text) < 2 or text.find("\n", len(text) // 2) in (-1, len(text) - 1)
    )
