"""The reconcile gate as the runner calls it: findings per class over threshold, failing closed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gates.checks.reconcile import GATE
from gates.checks.reconcile.model import DiscrepancyClass
from gates.errors import InvalidInput
from gates.fingerprint import fingerprint
from gates.model import Finding, Location, Severity
from tests.gatekit import context, make_repo
from tests.reconcile_data import (
    card_section,
    jsonl,
    lifecycle,
    rep,
    report_csv,
    run_section,
    samples,
)

OK = ["created", "authorized", "captured"]


def config(**overrides: Any) -> dict[str, Any]:
    section = {k: v for k, v in card_section().items() if k not in ("enabled", "timeout")}
    section.update(overrides)
    return section


def repo_with(tmp_path: Path, events: list[Any], report: list[dict[str, str]]) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            "data/events/part-1.jsonl": jsonl(events),
            "data/report.csv": report_csv(report),
        },
    )


def run(root: Path, cfg: dict[str, Any]) -> list[Finding]:
    return sorted(GATE.run(context("reconcile", root, cfg)), key=Finding.sort_key)


def test_one_finding_per_class_over_threshold(tmp_path: Path) -> None:
    events = lifecycle("p1", OK) + lifecycle("p2", OK) + lifecycle("p3", OK)
    events += [dict(events[-1])]  # p3's capture delivered twice
    root = repo_with(
        tmp_path, events, [rep("p1", "pending"), rep("p2", "pending"), rep("p3", "completed")]
    )
    findings = run(root, config())
    ident = "jsonl:data/events/*.jsonl\ncsv:data/report.csv"
    ev, rp = "data/events/part-1.jsonl", "data/report.csv"
    p1 = f"p1 (at events {ev}:1,2,3, report {rp}:2)"
    p2 = f"p2 (at events {ev}:4,5,6, report {rp}:3)"
    p3 = f"p3 (at events {ev}:7,8,9,10, report {rp}:4)"  # the header is line 1 of the report

    def rows(lines: list[int], report_line: int) -> tuple[tuple[Location, str], ...]:
        cited = [(Location(path=ev, line=n), f"events row {ev}:{n}") for n in lines]
        cited.append((Location(path=rp, line=report_line), f"report row {rp}:{report_line}"))
        return tuple(cited)

    # duplicate_event allows 0.1% by the shipped policy: 1 of 3 payments is over it
    assert findings == [
        Finding(
            gate="reconcile",
            rule="reconcile.duplicate_event",
            severity=Severity.LOW,
            # every sample cites its rows: file:line, blank lines and the header counted
            message=f"duplicate_event: 1 payments of 3; at stake 10.00 EUR; e.g. {p3}",
            # a real file code scanning can open; the fingerprint keeps the glob
            location=Location(path="data/events/part-1.jsonl", line=1),
            fingerprint=fingerprint(
                "reconcile", "reconcile.duplicate_event", "data/events/*.jsonl", ident
            ),
            properties=(("count", "1"), ("payments", "3"), ("samples", p3)),
            magnitude=1,
            related=rows([7, 8, 9, 10], 4),
        ),
        Finding(
            gate="reconcile",
            rule="reconcile.status_mismatch",
            severity=Severity.HIGH,
            message=f"status_mismatch: 2 payments of 3; at stake 20.00 EUR; e.g. {p1}, {p2}",
            location=Location(path="data/events/part-1.jsonl", line=1),
            fingerprint=fingerprint(
                "reconcile", "reconcile.status_mismatch", "data/events/*.jsonl", ident
            ),
            properties=(("count", "2"), ("payments", "3"), ("samples", f"{p1}; {p2}")),
            magnitude=2,
            related=rows([1, 2, 3], 2) + rows([4, 5, 6], 3),
        ),
    ]


def test_thresholds_decide_what_blocks(tmp_path: Path) -> None:
    root = repo_with(
        tmp_path,
        lifecycle("p1", OK) + lifecycle("p2", OK),
        [rep("p1", "pending"), rep("p2", "completed")],
    )
    assert run(root, config(thresholds={"status_mismatch": {"max_count": 1}})) == []
    [finding] = run(
        root, config(thresholds={"status_mismatch": {"max_ratio": 0.4, "severity": "critical"}})
    )
    assert (finding.rule, finding.severity) == ("reconcile.status_mismatch", Severity.CRITICAL)


def test_fingerprint_survives_changing_numbers(tmp_path: Path) -> None:
    a = run(repo_with(tmp_path / "a", lifecycle("p1", OK), [rep("p1", "pending")]), config())
    b = run(
        repo_with(
            tmp_path / "b",
            lifecycle("p9", OK) + lifecycle("p8", OK),
            [rep("p9", "pending"), rep("p8", "failed")],
        ),
        config(),
    )
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]


def test_empty_sources_fail_closed(tmp_path: Path) -> None:
    root = repo_with(tmp_path, [], [])
    with pytest.raises(InvalidInput) as info:
        run(root, config())
    assert str(info.value) == (
        "jsonl:data/events/*.jsonl: data: no rows: every file it matches is empty. "
        "Fix: write the rows, or point the source at the right files"
    )
    (root / "data" / "events" / "part-1.jsonl").write_text("\n")  # blank lines are no rows
    with pytest.raises(InvalidInput, match="no rows: every file it matches is empty"):
        run(root, config())


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        ({"kind": "jsonl", "path": "../outside/*.jsonl"}, "leaves the repository"),
        ({"kind": "jsonl", "path": "/etc/*.jsonl"}, "leaves the repository"),
        ({"kind": "jsonl", "path": "data/none/*.jsonl"}, "matches no file"),
        ({"kind": "xml", "path": "data/report.csv"}, "unknown source kind 'xml'"),
        ({"kind": "sqlite", "path": "data/report.csv"}, "needs exactly one of table or query"),
    ],
    ids=["dotdot", "absolute", "no-match", "unknown-kind", "sqlite-without-table"],
)
def test_bad_source_specs(tmp_path: Path, events: dict[str, str], problem: str) -> None:
    root = repo_with(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    with pytest.raises(InvalidInput, match=problem):
        run(root, config(events=events))


def test_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    root = repo_with(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    (tmp_path / "secret.jsonl").write_text("{}\n")
    (root / "data" / "events" / "link.jsonl").symlink_to(tmp_path / "secret.jsonl")
    with pytest.raises(InvalidInput, match="resolves outside the repository"):
        run(root, config())


def test_float_amount_column_is_refused(tmp_path: Path) -> None:
    root = repo_with(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    table = pa.table(
        {
            "payment_id": ["p1"],
            "status": ["completed"],
            "amount": [10.0],
            "currency": ["EUR"],
            "region": ["eu-central-1"],
            "updated_at": [None],
        }
    )
    pq.write_table(table, root / "data" / "report.parquet")
    with pytest.raises(InvalidInput, match="floating point, which cannot hold money exactly"):
        run(root, config(report={"kind": "parquet", "path": "data/report.parquet"}))


def test_missing_mapped_column_names_the_mapping(tmp_path: Path) -> None:
    root = repo_with(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    (root / "data" / "report.csv").write_text("payment_id,status\np1,completed\n")
    with pytest.raises(InvalidInput) as info:
        run(root, config())
    assert info.value.field == "$.gates.reconcile.columns.report.amount"
    assert "has no column 'amount' (it has: payment_id, status)" in info.value.problem


def test_sqlite_source(tmp_path: Path) -> None:
    import sqlite3

    root = repo_with(tmp_path, lifecycle("p1", OK) + lifecycle("p2", OK), [])
    db = sqlite3.connect(root / "data" / "pay.db")
    db.execute(
        "CREATE TABLE report (payment_id TEXT, status TEXT, amount TEXT, currency TEXT, region TEXT, updated_at TEXT)"
    )
    db.executemany(
        "INSERT INTO report VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("p1", "completed", "10.00", "EUR", "eu-central-1", None),
            ("p2", "pending", "10.00", "EUR", "eu-central-1", None),
        ],
    )
    db.commit()
    db.close()
    before = (root / "data" / "pay.db").read_bytes()
    for spec in (
        {"kind": "sqlite", "path": "data/pay.db", "table": "report"},
        {
            "kind": "sqlite",
            "path": "data/pay.db",
            "query": "SELECT * FROM report WHERE status <> 'x'",
        },
    ):
        [finding] = run(root, config(report=spec))
        cite = "events data/events/part-1.jsonl:4,5,6"
        if "table" in spec:  # a table's rows cite their rowid (or primary key); a query's not
            cite += ", report data/pay.db report(rowid=2)"
        assert finding.message == (
            f"status_mismatch: 1 payments of 2; at stake 10.00 EUR; e.g. p2 (at {cite})"
        )
    assert (root / "data" / "pay.db").read_bytes() == before  # reading never modifies a source


def test_demo_sample_plants_every_class() -> None:
    demo = Path(__file__).resolve().parent.parent / "policies" / "demo" / "repo"
    section = card_section()
    section["columns"]["report"]["tax"] = "tax"  # as policies/demo/release-gates/policy.yaml
    result = run_section(demo, section, as_of=datetime(2026, 1, 20, 12, 0, tzinfo=UTC))
    found = samples(result)
    # The demo ships no GeoIP database (an .mmdb is binary data every gate would scan), so the
    # two GeoIP classes are planted in tests/test_reconcile_geoip.py instead.
    geoip = {DiscrepancyClass.GEO_IP_MISMATCH.value, DiscrepancyClass.GEO_UNKNOWN_IP.value}
    assert set(found) == {c.value for c in DiscrepancyClass} - geoip
    assert found["status_mismatch"] == {"pay_0035", "pay_0036"}
    assert found["tax_mismatch"] == {"pay_0001"}  # 2.89 reported, 17.37 incl. 20% is 2.895 -> 2.90
    assert result.audit.payments == 49


@pytest.mark.parametrize(
    ("name", "expected"),
    [(None, "duckdb"), ("duckdb", "duckdb"), ("spark", "spark"), ("postgres", "postgres")],
    ids=["default-for-files", "duckdb", "spark", "postgres"],
)
def test_engine_choice_for_file_sources(tmp_path: Path, name: str | None, expected: str) -> None:
    from gates.checks.reconcile.engines import choose
    from gates.checks.reconcile.sources import parse_source

    root = repo_with(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    ev = parse_source(
        {"kind": "jsonl", "path": "data/events/*.jsonl"}, root=root, file="p", field="e"
    )
    rp = parse_source({"kind": "csv", "path": "data/report.csv"}, root=root, file="p", field="r")
    assert choose(name, events=ev, report=rp).value == expected


def test_unknown_engine_is_invalid_input(tmp_path: Path) -> None:
    root = repo_with(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    with pytest.raises(InvalidInput, match="unknown engine 'oracle'"):
        run(root, {**config(), "engine": "oracle"})
