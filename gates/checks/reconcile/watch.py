"""The watch loop: consume the events topic, store, judge due payments, publish findings and metrics.

One iteration: consume up to `batch` messages; store them with the positions they reach in one
state transaction (watch_state.ingest); only then commit those positions to the consumer group
(Kafka's committed offsets follow the state, they never lead it); judge the payments that are due
(watch_judge) as of what every partition has been read up to (watch_clock); append new findings
lines (watch_feed); now and then write the metrics file.

Partitions come from the consumer group (subscribe, with rebalance callbacks): on assignment each
partition is sought to the position stored in the state (the source of truth; the beginning of
the partition when the state has none), on revocation its position is committed. The state holds
every payment's events, so one watcher (one state file) must see every partition: run one active
watcher per state; a second group member takes over partitions only as a standby.

Stops: SIGTERM / SIGINT finish the iteration, judge once more, write metrics and the feed, close
the consumer, and return 0; `exit_when_idle` returns 0 once every assigned partition is at its end
and no payment is due. A fatal error (the broker unreachable for the source's `timeout_s`, a fatal client error,
the state file unwritable) raises GateCannotRun naming the last durable offsets (exit 3).
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from gates.atomic import write_text_atomic
from gates.checks.reconcile.config import ReconcileConfig
from gates.checks.reconcile.outputs import dumps, masked
from gates.checks.reconcile.sources import Source
from gates.checks.reconcile.sources_kafka import (
    KafkaSpec,
    client_config,
    import_client,
    message_text,
)
from gates.checks.reconcile.watch_clock import EventClock
from gates.checks.reconcile.watch_feed import Feed
from gates.checks.reconcile.watch_judge import StoredEvents, judge
from gates.checks.reconcile.watch_state import RawMessage, WatchState
from gates.errors import GateCannotRun
from gates.record import record

GATE = "reconcile"


@record
class WatchOptions:
    state: Path
    findings: Path
    metrics: Path
    as_of: datetime | None = None  # a fixed clock (tests, replays); None: the system clock
    exit_when_idle: bool = False
    batch: int = 500  # messages per state transaction
    judge_limit: int = 1000  # payments per judgement
    metrics_interval_s: float = 5.0
    judge_interval_s: float = 1.0  # while messages stream in; at once when caught up
    poll_s: float = 0.2


@record
class WatchOutcome:
    positions: tuple[tuple[int, int], ...]
    counts: tuple[tuple[str, int], ...]
    messages: int
    reason: str  # "signal" | "idle"


class Watcher:
    """One run of the watch loop. Not reusable."""

    def __init__(
        self,
        spec: KafkaSpec,
        cfg: ReconcileConfig,
        report: Source,
        opts: WatchOptions,
        *,
        root: Path,
        file: str,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if spec.group is None:
            raise AssertionError("the command requires a group")
        self.spec = spec
        self.cfg = cfg
        self.report = report
        self.opts = opts
        self.root = root
        self.file = file
        self.env = env
        self._stop = False
        self._assigned: set[int] = set()
        self._eof: set[int] = set()
        self._durable: dict[int, int] = {}
        self._lag: dict[int, int | None] = {}
        self._clock = EventClock()
        self._last_broker_ok = time.monotonic()
        self._broker_error = ""

    def stop(self) -> None:
        self._stop = True

    def now(self) -> datetime:
        """The base clock: the fixed --as-of, or the system clock."""
        return self.opts.as_of if self.opts.as_of is not None else datetime.now(UTC)

    def judging_time(self) -> datetime | None:
        """The base clock held back to what every assigned partition has been read up to
        (watch_clock.py); None before every partition has been read at all."""
        return self._clock.time(self.now())

    def run(self) -> WatchOutcome:
        ck = import_client()
        state = WatchState(self.opts.state, topic=self.spec.topic, cfg=self.cfg, file=self.file)
        try:
            self._durable = state.positions()
            feed = Feed(self.opts.findings)
            if feed.seq > state.stats()["log_seq"]:
                raise GateCannotRun(
                    GATE,
                    f"{self.opts.findings} has lines the state {self.opts.state} never logged",
                    "use the findings file written with this state, or a new one",
                )
            self._publish(feed, state)
            config = client_config(self.spec, self.env, group=self.spec.group)
            consumer = ck.Consumer(config)
            try:
                return self._loop(ck, consumer, state, feed)
            finally:
                self._close(ck, consumer)
        finally:
            state.close()

    def _loop(self, ck: Any, consumer: Any, state: WatchState, feed: Feed) -> WatchOutcome:
        topic = self.spec.topic

        def on_assign(c: Any, partitions: list[Any]) -> None:
            stored = state.positions()
            for tp in partitions:
                tp.offset = stored.get(tp.partition, ck.OFFSET_BEGINNING)
            c.assign(partitions)
            self._assigned |= {tp.partition for tp in partitions}
            self._clock.assign(tp.partition for tp in partitions)

        def on_revoke(c: Any, partitions: list[Any]) -> None:
            gone = {tp.partition for tp in partitions}
            self._commit(ck, c, only=gone, wait=True)
            self._assigned -= gone
            self._eof -= gone
            self._clock.revoke(gone)

        consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
        previous = _install_signals(self.stop)
        try:
            next_metrics = next_judge = 0.0
            while not self._stop:
                consumed = self._consume(ck, consumer, state)
                # Judge on a timer while messages stream in, at once when caught up.
                if not consumed or time.monotonic() >= next_judge:
                    self._judge(state, feed)
                    next_judge = time.monotonic() + self.opts.judge_interval_s
                if time.monotonic() >= next_metrics:
                    self._check_broker(ck, consumer)
                    self._write_metrics(state, "running")
                    next_metrics = time.monotonic() + self.opts.metrics_interval_s
                if self.opts.exit_when_idle and self._idle(state):
                    return self._finish(ck, consumer, state, feed, "idle")
            return self._finish(ck, consumer, state, feed, "signal")
        except GateCannotRun:
            self._write_metrics_quietly(state, "failed")
            raise
        finally:
            _restore_signals(previous)

    def _consume(self, ck: Any, consumer: Any, state: WatchState) -> int:
        """Store the next messages; how many were stored."""
        msgs = consumer.consume(num_messages=self.opts.batch, timeout=self.opts.poll_s)
        raw: list[RawMessage] = []
        for msg in msgs:
            err = msg.error()
            partition = msg.partition()
            if err is not None:
                if err.code() == ck.KafkaError._PARTITION_EOF:
                    self._eof.add(int(partition))
                    self._clock.at_end(int(partition))
                    self._last_broker_ok = time.monotonic()
                    continue
                if err.fatal():
                    raise self._fatal(f"Kafka client error: {err.str()}")
                self._broker_error = err.str()  # retried by the client; _check_broker decides
                continue
            self._last_broker_ok = time.monotonic()
            self._eof.discard(int(partition))
            self._clock.message(int(partition))
            text, bad = message_text(msg.value())
            raw.append(
                RawMessage(partition=int(partition), offset=int(msg.offset()), value=text, bad=bad)
            )
        if not raw:
            return 0
        import duckdb

        try:
            latest = state.ingest(raw)
        except duckdb.Error as exc:
            raise self._fatal(f"cannot store messages in {self.opts.state}: {exc}") from exc
        for partition, event_time in latest.items():
            self._clock.read(partition, event_time)
        for m in raw:
            self._durable[m.partition] = max(self._durable.get(m.partition, 0), m.offset + 1)
        self._commit(ck, consumer, only=None)
        return len(raw)

    def _commit(self, ck: Any, consumer: Any, *, only: set[int] | None, wait: bool = False) -> None:
        """Commit the durable positions to the group (asynchronously unless `wait`: they only
        follow the state, which is what a restart resumes from)."""
        parts = sorted(p for p in self._durable if only is None or p in only)
        if not parts:
            return
        offsets = [ck.TopicPartition(self.spec.topic, p, self._durable[p]) for p in parts]
        try:
            consumer.commit(offsets=offsets, asynchronous=not wait)
        except ck.KafkaException as exc:
            self._broker_error = str(exc)

    def _judge(self, state: WatchState, feed: Feed) -> None:
        import duckdb

        now = self.judging_time()
        if now is None:
            return
        keys = state.due(now, self.opts.judge_limit, read_up_to=self._clock.watermark())
        if not keys:
            return
        events = StoredEvents(
            state.raw_for(keys), topic=self.spec.topic, label=self.spec.identity()
        )
        try:
            found = judge(self.cfg, events, self.report, as_of=now, root=self.root, file=self.file)
        except GateCannotRun as exc:  # e.g. the report file changed while it was read
            raise self._fatal(f"judging failed: {exc}") from exc
        try:
            state.apply(keys, found, now=now, as_of=now.isoformat().replace("+00:00", "Z"))
        except duckdb.Error as exc:
            raise self._fatal(f"cannot store findings in {self.opts.state}: {exc}") from exc
        self._publish(feed, state)

    def _publish(self, feed: Feed, state: WatchState) -> None:
        try:
            feed.catch_up(state)
        except OSError as exc:
            raise self._fatal(
                f"cannot write the findings file {self.opts.findings}: {exc}"
            ) from exc

    def _idle(self, state: WatchState) -> bool:
        now = self.judging_time()
        return (
            bool(self._assigned)
            and self._assigned <= self._eof
            and now is not None
            and not state.due(now, 1, read_up_to=self._clock.watermark())
        )

    def _check_broker(self, ck: Any, consumer: Any) -> None:
        """Lag per assigned partition (from the watermarks of recent fetches, no round trip);
        when the broker has been silent for a while, ask it for the topic's metadata. A broker
        unreachable for the source's `timeout_s` is fatal."""
        for p in sorted(self._assigned):
            tp = ck.TopicPartition(self.spec.topic, p)
            try:
                _low, high = consumer.get_watermark_offsets(tp, cached=True)
            except ck.KafkaException:
                high = None
            ok = high is not None and high >= 0
            self._lag[p] = max(0, int(high) - self._durable.get(p, 0)) if ok else None
        silent = time.monotonic() - self._last_broker_ok
        if silent < min(10.0, self.spec.timeout_s / 3):
            return
        try:
            consumer.list_topics(self.spec.topic, timeout=min(5.0, self.spec.timeout_s))
        except ck.KafkaException as exc:
            self._broker_error = str(exc)
        else:
            self._last_broker_ok = time.monotonic()
            return
        if time.monotonic() - self._last_broker_ok > self.spec.timeout_s:
            raise self._fatal(
                f"the broker did not answer for {self.spec.timeout_s:g}s ({self._broker_error})"
            )

    def _fatal(self, reason: str) -> GateCannotRun:
        return GateCannotRun(
            GATE,
            f"watch stopped: {reason}; last durable offsets: {self._offsets_text()}",
            "fix the cause and restart: the watcher resumes from those offsets",
        )

    def _offsets_text(self) -> str:
        if not self._durable:
            return "none"
        return ", ".join(f"{self.spec.topic}[{p}]@{o}" for p, o in sorted(self._durable.items()))

    def _finish(
        self, ck: Any, consumer: Any, state: WatchState, feed: Feed, reason: str
    ) -> WatchOutcome:
        self._judge(state, feed)  # what became due since the last judgement
        self._publish(feed, state)
        self._commit(ck, consumer, only=None, wait=True)
        self._check_broker(ck, consumer)
        self._write_metrics(state, "stopped")
        return WatchOutcome(
            positions=tuple(sorted(self._durable.items())),
            counts=tuple(state.counts().items()),
            messages=state.stats()["messages"],
            reason=reason,
        )

    def _close(self, ck: Any, consumer: Any) -> None:
        # Closing an unreachable client may fail: the state, not Kafka, is what we resume from.
        with contextlib.suppress(RuntimeError, ck.KafkaException):
            consumer.close()

    def metrics_doc(self, state: WatchState, status: str) -> dict[str, Any]:
        counts = state.counts()
        stats = state.stats()
        return {
            "status": status,
            "topic": self.spec.topic,
            "group": self.spec.group,
            "clock": "fixed (--as-of)" if self.opts.as_of is not None else "system",
            "as_of": _iso(self.now()),
            # What judgements are made as of: behind as_of while a partition is being read.
            "judging_as_of": _iso(judged) if (judged := self.judging_time()) else None,
            "events_consumed": stats["messages"],
            "unreadable": counts["unreadable"],
            "pending_payments": stats["pending_payments"],
            "findings_logged": stats["log_seq"],
            "findings": counts,
            "positions": {str(p): o for p, o in sorted(self._durable.items())},
            "lag": {str(p): self._lag.get(p) for p in sorted(self._assigned)},
            "assigned": sorted(self._assigned),
        }

    def _write_metrics(self, state: WatchState, status: str) -> None:
        try:
            write_text_atomic(self.opts.metrics, dumps(masked(self.metrics_doc(state, status))))
        except OSError as exc:
            raise self._fatal(f"cannot write the metrics file {self.opts.metrics}: {exc}") from exc

    def _write_metrics_quietly(self, state: WatchState, status: str) -> None:
        import duckdb

        # Already failing: the original error is the one to report.
        with contextlib.suppress(GateCannotRun, duckdb.Error):
            self._write_metrics(state, status)


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


_Handler = Callable[[int, FrameType | None], Any] | int | None


def _install_signals(stop: Callable[[], None]) -> dict[int, _Handler]:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop()

    previous: dict[int, _Handler] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, handler)
    return previous


def _restore_signals(previous: dict[int, _Handler]) -> None:
    for sig, old in previous.items():
        signal.signal(sig, old)
