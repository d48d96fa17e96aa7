"""The watcher's durable state: consumed messages, positions, pending payments and findings.

`gates reconcile watch` keeps everything it knows in one DuckDB file (see watch.py for the loop):

- `messages`  every consumed message, keyed by (partition, offset), with the payment it belongs
              to (`pkey`: `p:<payment id>`, or `o:<topic[partition]@offset>` for a message whose
              payment id cannot be read) and its event time when the row is readable;
- `positions` per partition, the offset just past the last message stored: the source of truth
              for where to resume (Kafka's committed offsets only follow it);
- `dirty`     payments to judge: `fresh` (a message arrived since the last judgement) or
              waiting for `due` (last readable event time + the grace period);
- `findings`  the current discrepancies, keyed by (class, subject): the payment id, or for an
              unreadable row its description (which cites topic[partition]@offset);
- `log`       the findings feed: one masked JSON line per finding that appeared or cleared,
              numbered by `seq`; the JSON-lines file is a copy of it (watch_feed.py).

Each batch of messages and its positions are stored in one transaction (`ingest`), and each
judgement replaces the judged payments' findings, appends to the log and clears their `dirty`
rows in one transaction (`apply`). Storing a message twice is a no-op (primary key), so a message
delivered again after a crash changes nothing: at-least-once delivery, counted exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from gates.checks.reconcile.config import ReconcileConfig
from gates.checks.reconcile.model import DiscrepancyClass, Side, SourceSchema
from gates.checks.reconcile.parse_sql import parsed_select
from gates.checks.reconcile.sources import quote_literal
from gates.checks.reconcile.sources_kafka import json_select, raw_schema
from gates.checks.reconcile.watch_clock import END
from gates.checks.reconcile.watch_findings import (
    Discrepancy,
    belongs,
    log_line,
    with_seq,
    with_subjects,
)
from gates.errors import GateCannotRun, InvalidInput
from gates.record import record

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

GATE = "reconcile"
SCHEMA_VERSION = "1"
_EPOCH = "1970-01-01 00:00:00"  # `due` of a payment without a readable event time: judge now

_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "CREATE TABLE IF NOT EXISTS messages (part INTEGER NOT NULL, off BIGINT NOT NULL, "
    "value VARCHAR, bad VARCHAR, pkey VARCHAR NOT NULL, ts TIMESTAMP, PRIMARY KEY (part, off))",
    "CREATE INDEX IF NOT EXISTS messages_pkey ON messages (pkey)",
    "CREATE TABLE IF NOT EXISTS positions (part INTEGER PRIMARY KEY, next_offset BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dirty (pkey VARCHAR PRIMARY KEY, due TIMESTAMP NOT NULL, "
    "fresh BOOLEAN NOT NULL)",
    "CREATE TABLE IF NOT EXISTS findings (class VARCHAR NOT NULL, subject VARCHAR NOT NULL, "
    "pkey VARCHAR, payment_id VARCHAR, detail VARCHAR, currency VARCHAR, amount BIGINT, "
    "country VARCHAR, day VARCHAR, PRIMARY KEY (class, subject))",
    "CREATE TABLE IF NOT EXISTS log (seq BIGINT PRIMARY KEY, line VARCHAR NOT NULL)",
)


@record
class RawMessage:
    """One consumed message: its position, its value as text, or why it has none."""

    partition: int
    offset: int
    value: str | None
    bad: str | None  # "empty message" | "not UTF-8 text" | None


class WatchState:
    """The state file, open for one watcher. Not thread-safe; one process at a time (DuckDB
    holds a lock on the file)."""

    def __init__(self, path: Path, *, topic: str, cfg: ReconcileConfig, file: str) -> None:
        import duckdb

        self.topic = topic
        self._grace_s = int(cfg.grace / timedelta(seconds=1))
        # Only the payment id and the event time are read at ingest: no GeoIP lookups there.
        self._cfg = replace(cfg, ip_database=None)
        self._file = file
        self._columns = cfg.events.raw_columns()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.con: duckdb.DuckDBPyConnection = duckdb.connect(str(path))
            self.con.execute("SET TimeZone = 'UTC'")
            for ddl in _DDL:
                self.con.execute(ddl)
            self._check_meta(path)
        except (duckdb.Error, OSError) as exc:
            raise GateCannotRun(
                GATE,
                f"cannot open the watch state {path}: {_first_line(exc)}",
                "check the path and its permissions; only one watcher may use a state file",
            ) from exc
        self._parse_sql = self._ingest_parse_sql()

    def _check_meta(self, path: Path) -> None:
        want = {"schema": SCHEMA_VERSION, "topic": self.topic}
        have = {str(k): str(v) for k, v in self._rows("SELECT key, value FROM meta")}
        for key, value in want.items():
            if key not in have:
                self.con.execute("INSERT INTO meta VALUES (?, ?)", [key, value])
            elif have[key] != value:
                raise InvalidInput(
                    str(path),
                    key,
                    f"the state was written for {key} {have[key]!r}, not {value!r}",
                    "use a new --state file for another topic",
                )

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def close(self) -> None:
        self.con.close()

    # --- reading -------------------------------------------------------------------------------

    def positions(self) -> dict[int, int]:
        """Partition -> the offset to resume from (just past the last stored message)."""
        return {
            int(str(p)): int(str(o))
            for p, o in self._rows("SELECT part, next_offset FROM positions")
        }

    def counts(self) -> dict[str, int]:
        """Findings per class, every class listed (zero counts too)."""
        got = {
            str(c): int(str(n))
            for c, n in self._rows("SELECT class, COUNT(*) FROM findings GROUP BY class")
        }
        return {c.value: got.get(c.value, 0) for c in DiscrepancyClass}

    def stats(self) -> dict[str, int]:
        row = self._rows(
            "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM dirty), "
            "(SELECT COALESCE(MAX(seq), 0) FROM log)"
        )[0]
        messages, pending, last_seq = (int(str(v)) for v in row)
        return {"messages": messages, "pending_payments": pending, "log_seq": last_seq}

    def duplicate_findings(self) -> int:
        """Rows sharing a (class, subject): zero unless the primary key is broken (a test hook)."""
        row = self._rows("SELECT COUNT(*) - COUNT(DISTINCT (class, subject)) FROM findings")[0]
        return int(str(row[0]))

    def due(self, now: datetime, limit: int, *, read_up_to: datetime | None = END) -> list[str]:
        """Payments to judge now: those whose grace period has passed by `now`, and fresh ones
        (new events since their last judgement) whose latest event time is at most `read_up_to`
        (the watermark, watch_clock.py: their events up to then have all been read; None: fresh
        payments wait). A payment without a readable event time is due at once."""
        params: list[object] = [_naive(now), limit]
        fresh = "FALSE"
        if read_up_to is not None:
            fresh = "fresh AND due - to_seconds(?) <= ?"
            params[:0] = [self._grace_s, _naive(read_up_to)]
        return [
            str(r[0])
            for r in self._rows(
                f"SELECT pkey FROM dirty WHERE ({fresh}) OR due <= ? ORDER BY pkey LIMIT ?",  # noqa: S608 - fixed text
                params,
            )
        ]

    def raw_for(self, pkeys: Sequence[str]) -> pa.Table:
        """The stored messages of these payments, as the Kafka source's raw table."""
        import pyarrow as pa

        self.con.register("_rg_keys", pa.table({"pkey": pa.array(list(pkeys), pa.string())}))
        try:
            rows = self._rows(
                "SELECT part, off, value, bad FROM messages "
                "WHERE pkey IN (SELECT pkey FROM _rg_keys) ORDER BY part, off"
            )
        finally:
            self.con.unregister("_rg_keys")
        cols = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
        return pa.Table.from_arrays(
            [pa.array(list(c), f.type) for c, f in zip(cols, raw_schema(), strict=True)],
            schema=raw_schema(),
        )

    def log_after(self, seq: int) -> list[tuple[int, str]]:
        return [
            (int(str(s)), str(line))
            for s, line in self._rows("SELECT seq, line FROM log WHERE seq > ? ORDER BY seq", [seq])
        ]

    # --- writing -------------------------------------------------------------------------------

    def _ingest_parse_sql(self) -> str:
        """Per raw message: its pkey and, when readable, its event time (the plan's parsing)."""
        import pyarrow as pa

        self.con.register("_rg_kafka_raw", pa.Table.from_batches([], schema=raw_schema()))
        try:
            described = self._rows(f"DESCRIBE {json_select(self._columns, self.topic)}")
        finally:
            self.con.unregister("_rg_kafka_raw")
        from gates.checks.reconcile.engine_duckdb import column_type

        schema = SourceSchema(columns=tuple((str(r[0]), column_type(str(r[1]))) for r in described))
        parsed = parsed_select(
            Side.EVENTS, self._cfg.events, schema, self._cfg, self._file, "_rg_events_raw"
        )
        topic = quote_literal(self.topic)
        return (
            f"WITH _rg_events_raw AS ({json_select(self._columns, self.topic)}), "  # noqa: S608 - quoted
            f"parsed AS ({parsed}) "
            'SELECT r."partition" AS part, r."offset" AS off, r.value, r.bad, '
            "CASE WHEN p.pid IS NULL THEN 'o:' || p.src_ref ELSE 'p:' || p.pid END AS pkey, "
            "CASE WHEN p.err IS NULL THEN p.ts END AS ts "
            "FROM _rg_kafka_raw AS r JOIN parsed AS p ON p.src_ref = "
            f"{topic} || '[' || CAST(r.\"partition\" AS VARCHAR) || ']@' || CAST(r.\"offset\" AS VARCHAR)"
        )

    def ingest(self, messages: Sequence[RawMessage]) -> dict[int, datetime]:
        """Store messages and advance positions, in one transaction. Already-stored messages
        (a redelivery after a crash) are ignored. Returns, per partition, the latest readable
        event time among the messages (the watcher's clock, watch_clock.py)."""
        import pyarrow as pa

        # The same position twice in one batch (a redelivery after a seek) is stored once.
        messages = list({(m.partition, m.offset): m for m in messages}.values())
        if not messages:
            return {}
        raw = pa.table(
            {
                "partition": pa.array([m.partition for m in messages], pa.int32()),
                "offset": pa.array([m.offset for m in messages], pa.int64()),
                "value": pa.array([m.value for m in messages], pa.string()),
                "bad": pa.array([m.bad for m in messages], pa.string()),
            },
            schema=raw_schema(),
        )
        ends: dict[int, int] = {}
        for m in messages:
            ends[m.partition] = max(ends.get(m.partition, -1), m.offset + 1)
        self.con.register("_rg_kafka_raw", raw)
        try:
            self.con.execute("BEGIN TRANSACTION")
            try:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE _rg_new AS {self._parse_sql}")
                latest = {
                    int(str(part)): ts.replace(tzinfo=UTC)
                    for part, ts in self._rows(
                        "SELECT part, MAX(CAST(ts AS TIMESTAMP)) FROM _rg_new GROUP BY part"
                    )
                    if isinstance(ts, datetime)
                }
                # Only messages not stored before make their payment dirty: a redelivery is a no-op.
                self.con.execute(
                    "DELETE FROM _rg_new AS n WHERE EXISTS (SELECT 1 FROM messages AS m "
                    "WHERE m.part = n.part AND m.off = n.off)"
                )
                self.con.execute(
                    "INSERT INTO messages SELECT part, off, value, bad, pkey, ts FROM _rg_new"
                )
                self.con.execute(
                    "INSERT INTO dirty SELECT DISTINCT pkey, TIMESTAMP '1970-01-01', TRUE FROM _rg_new "
                    "ON CONFLICT (pkey) DO UPDATE SET fresh = TRUE"
                )
                self.con.execute(
                    "UPDATE dirty SET due = COALESCE((SELECT MAX(m.ts) FROM messages AS m "
                    "WHERE m.pkey = dirty.pkey) + to_seconds(?), CAST(? AS TIMESTAMP)) "
                    "WHERE pkey IN (SELECT pkey FROM _rg_new)",
                    [self._grace_s, _EPOCH],
                )
                for part, end in sorted(ends.items()):
                    self.con.execute(
                        "INSERT INTO positions VALUES (?, ?) ON CONFLICT (part) DO UPDATE "
                        "SET next_offset = GREATEST(positions.next_offset, excluded.next_offset)",
                        [part, end],
                    )
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        finally:
            self.con.unregister("_rg_kafka_raw")
        return latest

    def apply(
        self, pkeys: Sequence[str], found: Sequence[Discrepancy], *, now: datetime, as_of: str
    ) -> int:
        """Replace the findings of the judged payments, log what appeared or cleared, and clear
        the payments from `dirty` (or keep them, no longer fresh, until their grace passes).
        One transaction. Returns how many log lines were added."""
        import pyarrow as pa

        keyset = set(pkeys)
        rows = with_subjects(f for f in found if belongs(f, keyset))
        new = pa.table(
            {
                "class": pa.array([r[0] for r in rows], pa.string()),
                "subject": pa.array([r[1] for r in rows], pa.string()),
                "pkey": pa.array([r[2] for r in rows], pa.string()),
                "payment_id": pa.array([r[3].payment_id for r in rows], pa.string()),
                "detail": pa.array([r[3].detail for r in rows], pa.string()),
                "currency": pa.array([r[3].currency for r in rows], pa.string()),
                "amount": pa.array([r[3].amount for r in rows], pa.int64()),
                "country": pa.array([r[3].country for r in rows], pa.string()),
                "day": pa.array([r[3].day for r in rows], pa.string()),
            }
        )
        keys = pa.table({"pkey": pa.array(sorted(keyset), pa.string())})
        self.con.register("_rg_found", new)
        self.con.register("_rg_keys", keys)
        cols = "class, subject, pkey, payment_id, detail, currency, amount, country, day"
        try:
            self.con.execute("BEGIN TRANSACTION")
            try:
                added = self._rows(
                    f"SELECT {cols} FROM _rg_found AS n WHERE NOT EXISTS (SELECT 1 FROM findings "  # noqa: S608 - fixed column list
                    "AS f WHERE f.class = n.class AND f.subject = n.subject) ORDER BY class, subject"
                )
                cleared = self._rows(
                    f"SELECT {cols} FROM findings AS f WHERE pkey IN (SELECT pkey FROM _rg_keys) "  # noqa: S608 - fixed column list
                    "AND NOT EXISTS (SELECT 1 FROM _rg_found AS n WHERE f.class = n.class "
                    "AND f.subject = n.subject) ORDER BY class, subject"
                )
                self.con.execute(
                    "DELETE FROM findings AS f WHERE pkey IN (SELECT pkey FROM _rg_keys) AND NOT "
                    "EXISTS (SELECT 1 FROM _rg_found AS n WHERE f.class = n.class "
                    "AND f.subject = n.subject)"
                )
                self.con.execute(
                    f"INSERT INTO findings SELECT {cols} FROM _rg_found "  # noqa: S608 - fixed column list
                    "ON CONFLICT (class, subject) DO UPDATE SET detail = excluded.detail, "
                    "currency = excluded.currency, amount = excluded.amount, "
                    "country = excluded.country, day = excluded.day"
                )
                seq = int(str(self._rows("SELECT COALESCE(MAX(seq), 0) FROM log")[0][0]))
                lines = [log_line("finding", r, as_of) for r in added]
                lines += [log_line("cleared", r, as_of) for r in cleared]
                for i, line in enumerate(lines, seq + 1):
                    self.con.execute("INSERT INTO log VALUES (?, ?)", [i, with_seq(line, i)])
                self.con.execute(
                    "DELETE FROM dirty WHERE pkey IN (SELECT pkey FROM _rg_keys) AND due <= ?",
                    [_naive(now)],
                )
                self.con.execute(
                    "UPDATE dirty SET fresh = FALSE WHERE pkey IN (SELECT pkey FROM _rg_keys)"
                )
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        finally:
            self.con.unregister("_rg_found")
            self.con.unregister("_rg_keys")
        return len(lines)


def _naive(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(tzinfo=None)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
