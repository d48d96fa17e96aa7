"""Reconcile benchmark data: payments, their events and a report snapshot, with planted faults.

`generate(n, out_dir)` writes `events.parquet` and `report.parquet` for `n` payments (about 3.9
events each) with DuckDB, in seconds even for 10M payments. Every payment's lifecycle and fault
come from integer hashing of its index, so the data is the same on every run. About 0.2% of the
payments carry each planted fault; POLICY is the matching `gates: reconcile:` section and AS_OF
the time to judge the data at.

    python -m bench.reconcile_gen 1000000 /tmp/rec
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

AS_OF = "2026-11-25T00:00:00Z"
# The classes the benchmark's peers count, in their order (they do not implement tax or GeoIP).
CLASSES = (
    "status_mismatch",
    "missing_in_report",
    "missing_events",
    "amount_mismatch",
    "currency_mismatch",
    "illegal_transition",
    "out_of_order",
    "duplicate_event",
    "stuck",
    "geo_currency",
    "geo_residency",
    "unreadable",
)

POLICY: dict[str, Any] = {
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
            "region": "region",
        },
    },
    "state_machine": {
        "states": [
            "new",
            "created",
            "authorized",
            "captured",
            "settled",
            "refunded",
            "failed",
            "cancelled",
        ],
        "initial": "new",
        "terminal": ["captured", "settled", "refunded", "failed", "cancelled"],
        "transitions": {
            "created": {"from": ["new"], "to": "created"},
            "authorized": {"from": ["created"], "to": "authorized"},
            "captured": {"from": ["authorized"], "to": "captured"},
            "settled": {"from": ["captured"], "to": "settled"},
            "refunded": {"from": ["captured", "settled"], "to": "refunded"},
            "failed": {"from": ["created", "authorized"], "to": "failed"},
            "cancelled": {"from": ["created", "authorized"], "to": "cancelled"},
        },
        "statuses": {
            "created": "pending",
            "authorized": "pending",
            "captured": "completed",
            "settled": "completed",
            "refunded": "refunded",
            "failed": "failed",
            "cancelled": "cancelled",
        },
    },
    "as_of": AS_OF,
    "grace_period": "24h",
    "geo": {
        "currencies": {"DE": ["EUR"], "FR": ["EUR"], "US": ["USD"], "GB": ["GBP"], "JP": ["JPY"]},
        "residency": {
            "DE": ["eu-central-1"],
            "FR": ["eu-central-1"],
            "US": ["us-east-1"],
            "GB": ["eu-west-2"],
            "JP": ["ap-northeast-1"],
        },
    },
}

# Fault selector h = hash(i) % 10000; each fault owns a range of 20 (0.2%).
_PAYMENTS = """
SELECT i,
  'p' || lpad(CAST(i AS VARCHAR), 9, '0') AS pid,
  (i * 2654435761) % 10000 AS h,
  (i * 40503 + 17) % 100 AS kind,
  (i * 7) % 5 AS c,
  100 + (i * 7919) % 100000 AS amount
FROM range({n}) AS t(i)
"""

_SHAPED = """
SELECT pid, i, h, amount,
  ['DE', 'FR', 'US', 'GB', 'JP'][c + 1] AS country,
  CASE WHEN h >= 160 AND h < 180 THEN 'USD' ELSE ['EUR', 'EUR', 'USD', 'GBP', 'JPY'][c + 1] END AS currency,
  CASE WHEN h >= 180 AND h < 200 THEN CASE WHEN c = 2 THEN 'eu-central-1' ELSE 'us-east-1' END
       ELSE ['eu-central-1', 'eu-central-1', 'us-east-1', 'eu-west-2', 'ap-northeast-1'][c + 1] END AS region,
  CASE
    WHEN h >= 80 AND h < 100 THEN ['created', 'captured']
    WHEN h >= 140 AND h < 160 THEN ['created', 'authorized']
    WHEN kind < 55 THEN ['created', 'authorized', 'captured', 'settled']
    WHEN kind < 75 THEN ['created', 'authorized', 'captured', 'settled', 'refunded']
    WHEN kind < 85 THEN ['created', 'authorized', 'captured']
    WHEN kind < 93 THEN ['created', 'authorized', 'failed']
    WHEN kind < 98 THEN ['created', 'cancelled']
    ELSE ['created', 'authorized']
  END AS types,
  CASE
    WHEN h >= 140 AND h < 160 THEN TIMESTAMP '2026-11-15 00:00:00' + to_seconds(i % 86400)
    WHEN kind >= 98 THEN TIMESTAMP '2026-11-24 20:00:00' + to_seconds(i % 3600)
    ELSE TIMESTAMP '2026-10-26 00:00:00' + to_seconds((i * 7919) % (28 * 86400))
  END AS start
FROM ({payments}) AS p
"""

_EVENTS = """
SELECT
  CASE WHEN x AND h >= 200 AND h < 205 THEN NULL ELSE pid END AS payment_id,
  pid || '-' || CAST(kk AS VARCHAR) || CASE WHEN x AND h >= 200 THEN 'x' ELSE '' END AS event_id,
  CAST(CASE WHEN x AND h >= 200 THEN 99 WHEN h >= 100 AND h < 120 AND kk > 1 THEN kk + 1
            ELSE kk END AS BIGINT) AS seq,
  CASE WHEN x AND h >= 205 THEN 'chargeback_v2' ELSE types[kk] END AS type,
  start + to_seconds(kk * 60) AS ts,
  CASE WHEN kk = 1 AND NOT x THEN amount END AS amount,
  CASE WHEN kk = 1 AND NOT x THEN currency END AS currency,
  CASE WHEN kk = 1 AND NOT x THEN country END AS country,
  region
FROM (
  SELECT *, k > len(types) AS x,
    CASE WHEN k <= len(types) THEN k WHEN h >= 200 THEN 1 ELSE len(types) END AS kk
  FROM (
    SELECT *, unnest(range(1, len(types) + 1
      + CASE WHEN h >= 120 AND h < 140 OR h >= 200 AND h < 210 THEN 1 ELSE 0 END)) AS k
    FROM shaped
  ) AS u
) AS e
"""

_REPORT = """
SELECT pid AS payment_id,
  CASE
    WHEN h < 20 THEN 'pending'
    WHEN types[len(types)] IN ('captured', 'settled') THEN 'completed'
    WHEN types[len(types)] IN ('created', 'authorized') THEN 'pending'
    ELSE types[len(types)]
  END AS status,
  CAST(CASE WHEN h >= 40 AND h < 60 THEN amount + 7 ELSE amount END AS BIGINT) AS amount,
  CASE WHEN h >= 60 AND h < 80 THEN 'CHF' ELSE currency END AS currency,
  region
FROM shaped WHERE NOT (h >= 20 AND h < 40)
UNION ALL
SELECT 'q' || substr(pid, 2) AS payment_id, 'completed', CAST(amount AS BIGINT), currency, region
FROM shaped WHERE h >= 210 AND h < 230
"""


def generate(n: int, out_dir: Path, *, threads: int | None = None) -> tuple[Path, Path]:
    import duckdb

    out_dir.mkdir(parents=True, exist_ok=True)
    events, report = out_dir / "events.parquet", out_dir / "report.parquet"
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {threads}")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"CREATE TEMP VIEW shaped AS {_SHAPED.format(payments=_PAYMENTS.format(n=int(n)))}")
    con.execute(f"COPY ({_EVENTS}) TO '{events}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    con.execute(f"COPY ({_REPORT}) TO '{report}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    con.close()
    return events, report


def write_text_copies(out_dir: Path) -> tuple[Path, Path]:
    """`events.jsonl` and `report.csv` beside the Parquet files, as an event log would hold them.

    Events are in time order across payments (a payment's events are far apart, interleaved with
    everyone else's), times in RFC 3339 with `Z`, absent values as JSON null; the report is a CSV
    export with a header. The same rows as the Parquet files, so every implementation must find
    the same counts."""
    import duckdb

    events, report = out_dir / "events.jsonl", out_dir / "report.csv"
    con = duckdb.connect(":memory:")
    con.execute(
        "COPY (SELECT payment_id, event_id, seq, type, strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ts, "
        f"amount, currency, country, region FROM read_parquet('{out_dir / 'events.parquet'}') "
        f"ORDER BY ts, event_id) TO '{events}' (FORMAT json)"
    )
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{out_dir / 'report.parquet'}')) TO '{report}' (HEADER)"
    )
    con.close()
    return events, report


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n, out = int(args[0]), Path(args[1])
    t0 = time.perf_counter()
    ev, rp = generate(n, out)
    print(
        f"{n} payments -> {ev} ({ev.stat().st_size >> 20} MiB), {rp} in {time.perf_counter() - t0:.1f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
