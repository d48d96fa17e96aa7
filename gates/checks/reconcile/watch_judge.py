"""Judging a set of payments for the watcher: the batch plan, run on the payments' stored events.

The watcher does not replay events itself: it hands the stored messages of the payments to judge
to the same `engine.reconcile()` the batch command runs (an in-memory DuckDB engine, the policy's
report source, the GeoIP mapping when configured), so every class means exactly what it means in
`gates reconcile`. Every payment is judged on all of its events, whatever partition they came
from, in the plan's order (sequence, then event time): events that arrive out of order across
partitions only make a payment judged again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gates.checks.reconcile.config import ReconcileConfig
from gates.checks.reconcile.engine import reconcile
from gates.checks.reconcile.engine_duckdb import DuckDBEngine
from gates.checks.reconcile.sources import Source, SourceKind, quote_ident
from gates.checks.reconcile.sources_kafka import json_select
from gates.checks.reconcile.watch_findings import Discrepancy

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


class StoredEvents:
    """Stored Kafka messages as an events source (what a Kafka read would have returned)."""

    __slots__ = ("label", "table", "topic")

    def __init__(self, table: pa.Table, *, topic: str, label: str) -> None:
        self.table = table
        self.topic = topic
        self.label = label

    @property
    def kind(self) -> SourceKind:
        return SourceKind.KAFKA

    def bind_duckdb(
        self, con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str]
    ) -> None:
        con.register("_rg_kafka_raw", self.table)
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS {json_select(columns, self.topic)}"
            )
        finally:
            con.unregister("_rg_kafka_raw")

    def after_report(self) -> None:
        return None


class _Collect:
    def __init__(self) -> None:
        self.rows: list[Discrepancy] = []

    def write(self, batch: pa.RecordBatch) -> None:
        for r in batch.to_pylist():
            amount = r["amount"]
            self.rows.append(
                Discrepancy(
                    cls=str(r["class"]),
                    payment_id=None if r["payment_id"] is None else str(r["payment_id"]),
                    detail=str(r["detail"]),
                    currency=r["currency"],
                    amount=None if amount is None else int(amount),
                    country=r["country"],
                    day=r["day"],
                )
            )


def judge(
    cfg: ReconcileConfig,
    events: StoredEvents,
    report: Source,
    *,
    as_of: datetime,
    root: Path,
    file: str,
) -> list[Discrepancy]:
    """Every discrepancy the batch plan finds for these events at `as_of` (the caller keeps
    those of the payments it judged)."""
    sink = _Collect()
    with DuckDBEngine(threads=1) as engine:
        reconcile(engine, cfg, events, report, as_of=as_of, sink=sink, root=root, file=file)
    return sink.rows
