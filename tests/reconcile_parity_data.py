"""One small payment dataset with planted discrepancies, written into every kind of source.

Used by the parity test: the same rows as JSONL, CSV, Parquet (typed columns), SQLite, PostgreSQL
(typed columns) and Kafka topics, so every engine over every source must give the same answer.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

AS_OF = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)

SECTION: Mapping[str, Any] = {
    "columns": {
        "events": {
            "payment_id": "payment_id",
            "event_id": "event_id",
            "sequence": "seq",
            "event_type": "type",
            "occurred_at": "ts",
            "amount": "amount",
            "currency": "currency",
            "country": "country",
            "region": "region",
        },
        "report": {
            "payment_id": "payment_id",
            "status": "status",
            "amount": "amount",
            "currency": "currency",
            "country": "country",
            "region": "region",
            "tax": "tax",
        },
    },
    "amounts": {"events": "minor_units", "report": "minor_units"},
    "state_machine": {
        "states": ["new", "created", "authorized", "captured", "refunded", "failed", "cancelled"],
        "initial": "new",
        "terminal": ["captured", "refunded", "failed", "cancelled"],
        "transitions": {
            "created": {"from": ["new"], "to": "created"},
            "authorized": {"from": ["created"], "to": "authorized"},
            "captured": {"from": ["authorized"], "to": "captured"},
            "refunded": {"from": ["captured"], "to": "refunded"},
            "failed": {"from": ["created", "authorized"], "to": "failed"},
            "cancelled": {"from": ["created", "authorized"], "to": "cancelled"},
        },
        "statuses": {
            "created": "pending",
            "authorized": "pending",
            "captured": "completed",
            "refunded": "refunded",
            "failed": "failed",
            "cancelled": "cancelled",
        },
    },
    "grace_period": "24h",
    "geo": {
        "currencies": {"DE": ["EUR"], "US": ["USD"]},
        "residency": {"DE": ["eu-west"], "US": ["us-east"]},
    },
    # 19% included in the amount: 1500 carries 239.49 -> 239, 1190 carries exactly 190.
    "tax": {"DE": {"rate": "19%", "inclusive": True, "rounding": "half_up"}},
}

# The same policy with the GeoIP check: the database is built into the dataset's root
# (reconcile_data.build_mmdb) and every engine joins the same lookups.
GEO_DATABASE = "geo/test.mmdb"
SECTION_GEO: Mapping[str, Any] = {
    **SECTION,
    "columns": {
        "events": {**SECTION["columns"]["events"], "ip": "ip"},
        "report": SECTION["columns"]["report"],
    },
    "geo": {**SECTION["geo"], "ip_database": GEO_DATABASE},
}

EVENT_FIELDS = (
    "payment_id",
    "event_id",
    "seq",
    "type",
    "ts",
    "amount",
    "currency",
    "country",
    "region",
    "ip",
)
REPORT_FIELDS = ("payment_id", "status", "amount", "currency", "country", "region", "tax")


def _flow(
    pid: str,
    types: list[str],
    *,
    day: int = 10,
    amount: int = 1500,
    currency: str = "EUR",
    country: str = "DE",
    region: str = "eu-west",
    seqs: list[int] | None = None,
    ip: str = "192.0.2.10",  # in DE in the test GeoIP database (reconcile_data.NETWORKS)
) -> list[dict[str, Any]]:
    out = []
    for i, etype in enumerate(types):
        seq = seqs[i] if seqs is not None else i + 1
        out.append(
            {
                "payment_id": pid,
                "event_id": f"{pid}-e{seq}",
                "seq": seq,
                "type": etype,
                "ts": f"2026-11-{day:02d}T10:{i:02d}:00Z",
                "amount": amount,
                "currency": currency,
                "country": country,
                "region": region,
                "ip": ip,
            }
        )
    return out


def _row(
    pid: str,
    status: str,
    *,
    amount: int = 1500,
    currency: str = "EUR",
    country: str = "DE",
    region: str = "eu-west",
    tax: int | None = 239,
) -> dict[str, Any]:
    return {
        "payment_id": pid,
        "status": status,
        "amount": amount,
        "currency": currency,
        "country": country,
        "region": region,
        "tax": tax,
    }


PAID = ["created", "authorized", "captured"]


def events() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    rows += _flow("p01", PAID)  # clean
    rows += _flow("p02", PAID)  # report says pending
    rows += _flow("p03", PAID)  # missing in report
    rows += _flow("p05", PAID)  # report amount differs
    rows += _flow("p06", PAID)  # report currency differs
    rows += _flow("p07", ["created", "refunded"])  # refund before capture
    rows += _flow("p08", PAID, seqs=[1, 2, 4])  # sequence gap
    dup = _flow("p09", PAID)
    rows += [*dup, dict(dup[1])]  # the authorisation delivered twice
    rows += _flow("p10", ["created", "authorized"], day=12)  # stuck
    rows += _flow("p11", PAID, currency="USD")  # USD in DE
    rows += _flow("p12", PAID, region="us-east")  # DE data stored in us-east
    rows += _flow("p13", ["created", "teleported"])  # unknown event type
    rows += _flow("p14", ["created", "authorized"], day=19)  # in flight, within the grace period
    rows += _flow(
        "p15",
        ["created", "authorized", "failed"],
        currency="USD",
        country="US",
        region="us-east",
        amount=990,
        ip="198.51.100.15",
    )  # clean, another currency
    rows += _flow("p16", PAID, amount=1190)  # report tax differs from the DE rule
    rows += _flow("p17", PAID, ip="2001:db8::17")  # paid from FR (IPv6), card from DE
    rows += _flow("p18", PAID, ip="203.0.113.18")  # an address the database does not hold
    missing_id = _flow("x", ["created"])[0]
    missing_id["payment_id"] = None
    rows.append(missing_id)  # no payment id
    return rows


def report() -> list[dict[str, Any]]:
    return [
        _row("p01", "completed"),
        _row("p02", "pending"),
        _row("p04", "completed", amount=700, tax=112),  # no events (tax of 700: 111.76)
        _row("p05", "completed", amount=1000),
        _row("p06", "completed", currency="USD"),
        _row("p07", "refunded"),
        _row("p08", "completed"),
        _row("p09", "completed"),
        _row("p10", "pending"),
        _row("p11", "completed", currency="USD"),
        _row("p12", "completed", region="us-east"),
        _row("p13", "pending"),
        _row("p14", "pending"),
        _row(
            "p15", "failed", currency="USD", country="US", region="us-east", amount=990, tax=None
        ),  # no tax rule for US
        _row("p16", "completed", amount=1190, tax=189),  # 1190 incl. 19% carries 190
        _row("p17", "completed"),
        _row("p18", "completed"),
    ]


def _parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")


def write_csv(path: Path, rows: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if r[k] is None else r[k] for k in fields})


def write_parquet(path: Path, rows: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "seq": pa.int64(),
        "amount": pa.int64(),
        "tax": pa.int64(),
        "ts": pa.timestamp("us", tz="UTC"),
    }
    cols = {}
    for f in fields:
        values = [r[f] for r in rows]
        if f == "ts":
            values = [_parse_ts(v) for v in values]
        cols[f] = pa.array(values, types.get(f, pa.string()))
    pq.write_table(pa.table(cols), path)


def write_sqlite(
    path: Path, table: str, rows: list[dict[str, Any]], fields: tuple[str, ...]
) -> None:
    types = {"seq": "INTEGER", "amount": "INTEGER", "tax": "INTEGER"}
    db = sqlite3.connect(path)
    try:
        cols = ", ".join(f"{f} {types.get(f, 'TEXT')}" for f in fields)
        db.execute(f"CREATE TABLE {table} ({cols})")
        marks = ", ".join("?" for _ in fields)
        db.executemany(
            f"INSERT INTO {table} VALUES ({marks})",  # noqa: S608 - test table names
            [tuple(r[f] for f in fields) for r in rows],
        )
        db.commit()
    finally:
        db.close()


def write_postgres(
    url: str, table: str, rows: list[dict[str, Any]], fields: tuple[str, ...]
) -> None:
    import psycopg
    from psycopg import sql

    types = {"seq": "bigint", "amount": "bigint", "tax": "bigint", "ts": "timestamptz"}
    with psycopg.connect(url) as conn:
        conn.execute(
            sql.SQL("CREATE TABLE {} ({})").format(
                sql.Identifier(table),
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(f), sql.SQL(types.get(f, "text")))
                    for f in fields
                ),
            )
        )
        with conn.cursor().copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(f) for f in fields)
            )
        ) as copy:
            for r in rows:
                copy.write_row(tuple(r[f] for f in fields))


def kafka_messages(
    rows: list[dict[str, Any]], partitions: int
) -> list[tuple[int, bytes | None, bytes]]:
    """Rows as JSON messages, keyed by payment id, spread over partitions by a stable hash."""
    out = []
    for r in rows:
        pid = r["payment_id"] or ""
        partition = sum(pid.encode()) % partitions
        out.append((partition, pid.encode() or None, json.dumps(r, sort_keys=True).encode()))
    return out
