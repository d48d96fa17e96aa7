"""The bad-file table: lines DuckDB cannot read are unreadable rows citing file:line, on every engine.

Each case writes real files (two good payments, then the bad lines) and checks the exact
unreadable rows (side, reason, example with its file and line) and that the good payments still
reconcile: nothing is dropped and nothing fails the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gates.checks.reconcile import config as config_mod
from gates.checks.reconcile.engine import Engine, reconcile
from gates.checks.reconcile.engine_duckdb import DuckDBEngine
from gates.checks.reconcile.engine_postgres import PostgresEngine
from gates.checks.reconcile.engine_spark import SparkEngine
from gates.checks.reconcile.model import ReconcileResult
from gates.checks.reconcile.sources import parse_source
from gates.checks.reconcile.sources_postgres import PostgresSource
from gates.errors import InvalidInput
from tests.reconcile_data import AS_OF, card_section, jsonl, lifecycle, rep, report_csv
from tests.reconcile_servers import PostgresServer

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

OK = ["created", "authorized", "captured"]
EV = "data/events/part-1.jsonl"
RP = "data/report.csv"
GOOD_REPORT = "p1,completed,10.00,EUR,eu-central-1,2026-11-20T11:00:00Z\n"
LONG = b'{"payment_id": "p9", "pad": "' + b"x" * 2_100_000 + b'"}\n'

# id, bytes appended to the events file, bytes appended to the report, expected unreadable
# (side, reason, example). The events file has 6 lines before the appended ones, the report 3.
CASES = [
    (
        "jsonl-not-utf8",
        b'{"payment_id": "p9", "type": "created\xff"}\n',
        b"",
        {("events", "not UTF-8 text", f"events: not UTF-8 text (payment ?, at {EV}:7)")},
    ),
    (
        "jsonl-line-over-2mb",
        LONG,
        b"",
        {
            (
                "events",
                "line longer than 2000000 bytes",
                f"events: line longer than 2000000 bytes (payment ?, at {EV}:7)",
            )
        },
    ),
    (
        "jsonl-blank-lines-counted",
        b"\n\n" + LONG + b"\n\xfe\n",
        b"",
        {
            (
                "events",
                "line longer than 2000000 bytes",
                f"events: line longer than 2000000 bytes (payment ?, at {EV}:9)",
            ),
            ("events", "not UTF-8 text", f"events: not UTF-8 text (payment ?, at {EV}:11)"),
        },
    ),
    (
        "jsonl-malformed-after-white-space-lines",
        b"   \n\t\n{not json\n[1]\n",
        b"",
        {
            ("events", "malformed JSON", f"events: malformed JSON (payment ?, at {EV}:9)"),
            ("events", "not a JSON object", f"events: not a JSON object (payment ?, at {EV}:10)"),
        },
    ),
    (
        "csv-short-row",
        b"",
        b"p7,completed\n",
        {
            (
                "report",
                "missing columns: amount, currency, region, updated_at",
                "report: missing columns: amount, currency, region, updated_at "
                f"(payment ?, at {RP}:4)",
            )
        },
    ),
    (
        "csv-not-utf8",
        b"",
        b"p7,compl\xe9ted,10.00,EUR,eu-central-1,2026-11-20T11:00:00Z\n",
        {("report", "not UTF-8 text", f"report: not UTF-8 text (payment ?, at {RP}:4)")},
    ),
    (
        "csv-too-many-values",
        b"",
        b"p7,completed,10.00,EUR,eu-central-1,2026-11-20T11:00:00Z,extra\n",
        {
            (
                "report",
                "more values than the header has columns",
                f"report: more values than the header has columns (payment ?, at {RP}:4)",
            )
        },
    ),
]


def _write(root: Path, events_tail: bytes, report_tail: bytes) -> None:
    (root / "data" / "events").mkdir(parents=True)
    rows = lifecycle("p1", OK) + lifecycle("p2", OK)
    (root / EV).write_bytes(jsonl(rows).encode() + events_tail)
    report = report_csv([rep("p1", "completed"), rep("p2", "completed")]).encode()
    (root / RP).write_bytes(report + report_tail)


def _run(root: Path, engine: Engine) -> ReconcileResult:
    cfg = config_mod.parse(card_section(), file="policy.yaml")
    assert cfg.events_source is not None
    assert cfg.report_source is not None
    events = parse_source(cfg.events_source, root=root, file="policy.yaml", field="events")
    report = parse_source(cfg.report_source, root=root, file="policy.yaml", field="report")
    return reconcile(engine, cfg, events, report, as_of=AS_OF)


def _unreadable(result: ReconcileResult) -> set[tuple[str, str, str]]:
    return {(u.side.value, u.reason, e) for u in result.unreadable for e in u.examples}


def _classes(result: ReconcileResult) -> dict[str, int]:
    return {c.cls.value: c.count for c in result.classes if c.count}


@pytest.mark.parametrize(
    ("events_tail", "report_tail", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_file_table_duckdb(
    tmp_path: Path,
    events_tail: bytes,
    report_tail: bytes,
    expected: set[tuple[str, str, str]],
) -> None:
    _write(tmp_path, events_tail, report_tail)
    with DuckDBEngine(threads=1) as engine:
        result = _run(tmp_path, engine)
    assert _unreadable(result) == expected
    assert _classes(result) == {"unreadable": len(expected)}
    assert result.audit.payments == 2


@pytest.mark.parametrize(
    ("events_tail", "report_tail", "expected"),
    [CASES[2][1:], CASES[3][1:]],
    ids=[CASES[2][0], CASES[3][0]],
)
def test_bad_file_table_postgres(
    tmp_path: Path,
    postgres_server: PostgresServer,
    events_tail: bytes,
    report_tail: bytes,
    expected: set[tuple[str, str, str]],
) -> None:
    _write(tmp_path, events_tail, report_tail)
    source = PostgresSource(display_url="bad-files", url=postgres_server.url(), table="x")
    with PostgresEngine(source) as engine:
        result = _run(tmp_path, engine)
    assert _unreadable(result) == expected
    assert _classes(result) == {"unreadable": len(expected)}


@pytest.mark.parametrize(
    ("events_tail", "report_tail", "expected"),
    [CASES[2][1:], CASES[4][1:]],
    ids=[CASES[2][0], CASES[4][0]],
)
def test_bad_file_table_spark(
    tmp_path: Path,
    spark: SparkSession,
    events_tail: bytes,
    report_tail: bytes,
    expected: set[tuple[str, str, str]],
) -> None:
    _write(tmp_path, events_tail, report_tail)
    with SparkEngine(spark) as engine:
        result = _run(tmp_path, engine)
    assert _unreadable(result) == expected
    assert _classes(result) == {"unreadable": len(expected)}


def test_an_empty_report_file_has_no_rows(tmp_path: Path) -> None:
    _write(tmp_path, b"", b"")
    (tmp_path / RP).write_bytes(b"")
    with DuckDBEngine(threads=1) as engine, pytest.raises(InvalidInput) as info:
        _run(tmp_path, engine)
    assert str(info.value) == (
        "csv:data/report.csv: data: no rows: every file it matches is empty (not even a header "
        "line). Fix: write the header line and the rows, or point the source at the right files"
    )


def test_an_empty_part_among_others_is_left_out(tmp_path: Path) -> None:
    _write(tmp_path, b"", b"")
    section = card_section()
    section["report"] = {"kind": "csv", "path": "data/*.csv"}
    (tmp_path / "data" / "empty.csv").write_bytes(b"\n")
    cfg = config_mod.parse(section, file="policy.yaml")
    assert cfg.events_source is not None
    events = parse_source(cfg.events_source, root=tmp_path, file="policy.yaml", field="events")
    report = parse_source(section["report"], root=tmp_path, file="policy.yaml", field="report")
    with DuckDBEngine(threads=1) as engine:
        result = reconcile(engine, cfg, events, report, as_of=AS_OF)
    assert _classes(result) == {}
    assert result.audit.report_rows == 2


def test_cited_rows_reach_every_output_masked(tmp_path: Path) -> None:
    import io
    import json

    from gates.checks.reconcile import command
    from tests.test_reconcile_command import parse
    from tests.test_reconcile_gate import config, repo_with
    from tests.test_reconcile_gate import run as run_gate

    pan = "4111111111111111"
    bad_amount = {**lifecycle(pan, OK)[0], "amount": "12x"}
    _write(tmp_path, jsonl([bad_amount]).encode() + b'{"payment_id": "p9\xff"}\n', b"")
    out = tmp_path / "out"
    args = parse(
        [
            "--policy",
            str(Path(__file__).resolve().parent.parent / "policies")
            + "/reconcile-card-lifecycle.yaml",
            "--root",
            str(tmp_path),
            "--as-of",
            "2026-11-25T12:00:00Z",
            "--out",
            str(out),
        ]
    )
    assert command.run(args, io.StringIO()) == 1
    summary = (out / "summary.json").read_text()
    html = (out / "report.html").read_text()
    for text in (summary, html):
        assert f"events: not UTF-8 text (payment ?, at {EV}:8)" in text
        assert pan not in text
        assert (
            "events: bad amount (payment 4111 11•• •••• 1111, event 4111 11•• •••• 1111-1, "
            f"at {EV}:7)" in text
        )
    examples = {e for u in json.loads(summary)["unreadable"] for e in u["examples"]}
    assert f"events: not UTF-8 text (payment ?, at {EV}:8)" in examples

    root = repo_with(tmp_path / "gate", lifecycle("p1", OK), [rep("p1", "completed")])
    (root / EV).write_bytes((root / EV).read_bytes() + b'{"payment_id": "p9\xff"}\n')
    (finding,) = run_gate(root, config())
    assert finding.rule == "reconcile.unreadable"
    assert dict(finding.properties)["samples"] == (f"events: not UTF-8 text (payment ?, at {EV}:4)")


def test_a_reject_without_file_and_line_fails_closed(tmp_path: Path) -> None:
    import duckdb

    from gates.checks.reconcile import file_rejects
    from gates.errors import GateCannotRun

    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE rj (scan_id UBIGINT, file_id UBIGINT, line UBIGINT, "
        "error_type VARCHAR, column_idx UBIGINT, column_name VARCHAR, csv_line VARCHAR)"
    )
    con.execute("CREATE TEMP TABLE rj_scan (scan_id UBIGINT, file_id UBIGINT, file_path VARCHAR)")
    con.execute("INSERT INTO rj VALUES (1, 0, NULL, 'INVALID ENCODING', NULL, NULL, 'x')")
    with pytest.raises(GateCannotRun) as info:
        file_rejects.collect(con, "(SELECT 1 AS x)", "rj", label="jsonl:e.jsonl", root=tmp_path)
    assert "jsonl:e.jsonl: DuckDB rejected a line it cannot attribute" in str(info.value)


def test_a_data_file_changed_during_the_run_fails_closed(tmp_path: Path) -> None:
    """Files are read more than once (the rows, then the citation pass): a line written in
    between could be counted from one version and cited from another, so a file that changed
    under the run is an error."""
    from gates.errors import GateCannotRun

    OK = ["created", "authorized", "captured"]
    events_path = tmp_path / "data" / "events" / "part-1.jsonl"
    events_path.parent.mkdir(parents=True)
    events_path.write_text(jsonl(lifecycle("p1", OK)), encoding="utf-8")
    (tmp_path / "data" / "report.csv").write_text(report_csv([rep("p1", "completed")]))
    cfg = config_mod.parse(card_section(), file="policy.yaml")
    assert cfg.events_source is not None
    assert cfg.report_source is not None
    events = parse_source(cfg.events_source, root=tmp_path, file="p", field="events")
    report = parse_source(cfg.report_source, root=tmp_path, file="p", field="report")

    class Writer(DuckDBEngine):
        def execute(self, plan: object, *, sink: object = None) -> object:  # type: ignore[override]
            with events_path.open("ab") as fh:  # someone appends a line, not UTF-8
                fh.write(b'{"payment_id": "p\\xff"}\n')
            return super().execute(plan, sink=sink)  # type: ignore[arg-type]

    with Writer() as engine, pytest.raises(GateCannotRun, match="changed while it was being"):
        reconcile(engine, cfg, events, report, as_of=AS_OF)
