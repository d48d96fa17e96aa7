"""`gates reconcile show ID`: a payment's source rows, each with where it is, masked."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gates.checks.reconcile import show
from gates.cli import main
from tests.reconcile_data import jsonl, lifecycle, rep, write_data
from tests.reconcile_servers import PostgresServer

OK = ["created", "authorized", "captured"]
PAN = "4111111111111111"
MASKED = "4111 11•• •••• 1111"
POLICY = str(Path(__file__).resolve().parent.parent / "policies" / "reconcile-card-lifecycle.yaml")


def _gates(root: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["reconcile", "--policy", POLICY, "--root", str(root), *args], out=out)
    return code, out.getvalue()


def test_show_prints_a_payments_cited_rows_and_its_discrepancies(tmp_path: Path) -> None:
    write_data(
        tmp_path,
        lifecycle("p1", OK) + lifecycle(PAN, OK),
        [rep("p1", "completed"), rep(PAN, "pending")],
    )
    out_dir = tmp_path / "out"
    code, _ = _gates(tmp_path, "--as-of", "2026-11-25T12:00:00Z", "--out", str(out_dir))
    assert code == 1
    code, text = _gates(tmp_path, "show", PAN, "--out", str(out_dir))
    assert code == 0
    ev = "data/events/part-1.jsonl"
    first = (
        f'{{"amount": 1000, "country": "DE", "currency": "EUR", "event_id": "{MASKED}-1", '
        f'"occurred_at": "2026-11-20T10:00:01Z", "payment_id": "{MASKED}", '
        f'"region": "eu-central-1", "seq": 1, "type": "created"}}'
    )
    assert text.splitlines()[:4] == [
        f"payment {MASKED}",
        f"discrepancies ({out_dir}/discrepancies.csv):",
        "  status_mismatch: report shows pending, events imply completed (captured)",
        "events rows (jsonl:data/events/*.jsonl): 3",
    ]
    assert text.splitlines()[4] == f"  {ev}:4  {first}"
    assert [line.split("  ")[1] for line in text.splitlines()[5:7]] == [f"{ev}:5", f"{ev}:6"]
    assert text.splitlines()[7:] == [
        "report rows (csv:data/report.csv): 1",
        f"  data/report.csv:3  payment_id={MASKED}, status=pending, amount=10.00, currency=EUR, "
        "region=eu-central-1, updated_at=2026-11-20T11:00:00Z",
    ]
    assert PAN not in text


def test_unknown_id_says_none_and_exits_1(tmp_path: Path) -> None:
    write_data(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    code, text = _gates(tmp_path, "show", "p9")
    assert code == 1
    assert text == (
        "payment p9\n"
        "events rows (jsonl:data/events/*.jsonl): none\n"
        "report rows (csv:data/report.csv): none\n"
    )


def test_sources_given_before_show_are_kept(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "e.jsonl").write_text(jsonl(lifecycle("p1", OK)))
    pq.write_table(pa.Table.from_pylist([rep("p1", "completed")]), tmp_path / "d" / "r.parquet")
    code, text = _gates(tmp_path, "--report", "d/r.parquet", "show", "p1", "--events", "d/e.jsonl")
    assert code == 0
    assert "events rows (jsonl:d/e.jsonl): 3" in text
    assert text.splitlines()[-2:] == [
        "report rows (parquet:d/r.parquet): 1",
        '  d/r.parquet row group 0 row 0  {"amount": "10.00", "currency": "EUR", '
        '"payment_id": "p1", "region": "eu-central-1", "status": "completed", '
        '"updated_at": "2026-11-20T11:00:00Z"}',
    ]


@pytest.mark.parametrize(
    ("spec", "where"),
    [("table=report", "report(rowid=2)"), ("query=SELECT * FROM report", "(query)")],
    ids=["table", "query"],
)
def test_sqlite_rows(tmp_path: Path, spec: str, where: str) -> None:
    write_data(tmp_path, lifecycle("p2", OK), [])
    db = sqlite3.connect(tmp_path / "pay.db")
    db.execute("CREATE TABLE report (payment_id TEXT, status TEXT, amount TEXT, currency TEXT)")
    db.executemany(
        "INSERT INTO report VALUES (?, ?, ?, ?)",
        [("p1", "completed", "10.00", "EUR"), ("p2", "pending", "10.00", "EUR")],
    )
    db.commit()
    db.close()
    code, text = _gates(tmp_path, "show", "p2", "--report", f"sqlite:pay.db?{spec}")
    assert code == 0
    assert text.splitlines()[-1] == (
        f'  pay.db {where}  {{"amount": "10.00", "currency": "EUR", "payment_id": "p2", '
        '"status": "pending"}'
    )


def test_kafka_is_not_re_read(tmp_path: Path) -> None:
    write_data(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    code, text = _gates(
        tmp_path, "show", "p1", "--report", "kafka:?bootstrap=127.0.0.1:9&topic=t&group=g"
    )
    assert code == 0  # the events rows were found
    assert text.splitlines()[-1] == (
        "  (not re-read)  kafka sources are not re-read; the run's samples cite their rows"
    )


def test_postgres_table_rows_cite_their_ctid(
    tmp_path: Path, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests import reconcile_parity_data as data

    url = postgres_server.create_database("show_rows")
    rows = [rep("p1", "completed"), rep("p2", "pending")]
    data.write_postgres(url, "report", rows, ("payment_id", "status", "currency"))
    monkeypatch.setenv("RG_TEST_SHOW_PG", url)
    write_data(tmp_path, lifecycle("p2", OK), [])
    code, text = _gates(
        tmp_path, "show", "p2", "--report", "postgres:?url_env=RG_TEST_SHOW_PG&table=report"
    )
    assert code == 0
    assert re.fullmatch(
        r'  report\(0,2\)  \{"currency": "EUR", "payment_id": "p2", "status": "pending"\}',
        text.splitlines()[-1],
    ), text


def test_line_at_counts_lines_past_an_over_long_one(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"a\n" + b"x" * (show.MAX_LINE_BYTES + 10) + b"\nthird\n")
    assert show.line_at(path, 1) == b"a\n"
    assert len(show.line_at(path, 2)) == show.MAX_LINE_BYTES  # capped
    assert show.line_at(path, 3) == b"third\n"
    assert show.line_at(path, 4) == b""


def test_a_symlinked_discrepancies_file_is_refused(tmp_path: Path) -> None:
    write_data(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere.csv").write_text("class,payment_id\n")
    (tmp_path / "out" / "discrepancies.csv").symlink_to(tmp_path / "elsewhere.csv")
    code, text = _gates(tmp_path, "show", "p1", "--out", str(tmp_path / "out"))
    assert (code, text) == (2, "")
