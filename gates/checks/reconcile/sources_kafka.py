"""Kafka source: a bounded read of a topic's JSON events into Arrow, with a deferred offset commit.

Event-driven reconciliation reads a topic from the earliest offset (`start: earliest`) or from a
consumer group's committed offsets (`start: committed`) up to the end of every partition as seen
when the read reaches it (confluent-kafka partition-EOF events, not reported end offsets), then
stops: a bounded run, not a daemon. Partitions are assigned directly (no group join, so no
rebalance wait); the group, when named, is only where committed offsets are read from and written
to.

Messages become Arrow record batches of (partition, offset, value) with the value kept as text, so
JSON is parsed in bulk by the engine (DuckDB's JSON functions), not row by row in Python. A value
that is empty (a tombstone) or not UTF-8 text is kept as a null value with its position and the
reason, so the engine counts it as an
unreadable row with an example (`topic[partition]@offset`), never dropping it.

Offsets are never committed while reading. `KafkaSnapshot.commit()` commits the positions just
past the last message read, and the command calls it only when the policy asks (`commit: true`)
and only after the report is written, so a crash between reading and reporting loses nothing.

Spec keys: topic, bootstrap | bootstrap_env (the name of an environment variable holding the
bootstrap servers), group, start (earliest | committed), commit, timeout_s, options (librdkafka
settings without secrets), options_env (librdkafka setting -> environment variable name, for
credentials such as sasl.password). confluent-kafka is an optional dependency: a missing package is
a GateCannotRun naming `pip install 'release-gates[kafka]'`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

from gates.checks.reconcile.sources import (
    ERROR_COLUMN,
    SourceKind,
    json_key,
    quote_ident,
    quote_literal,
)
from gates.errors import GateCannotRun, InvalidInput
from gates.record import record

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from confluent_kafka import Consumer, Message, TopicPartition

GATE = "reconcile"
INSTALL_HINT = "pip install 'release-gates[kafka]'"
REF_COLUMN = "_rg_ref"  # where a row came from, for unreadable-row examples
BATCH_MESSAGES = 10_000
# consume() waits this long for a full batch: short, so a small topic ends quickly, and the loop is
# bounded by the spec's timeout_s, never by this.
POLL_S = 0.1
# Options a policy may not set: we decide them, because correctness depends on them.
_RESERVED = frozenset(
    {
        "bootstrap.servers",
        "group.id",
        "enable.auto.commit",
        "enable.auto.offset.store",
        "enable.partition.eof",
        "auto.offset.reset",
    }
)
_SECRET_WORDS = ("password", "secret", "token", "key")


def raw_schema() -> pa.Schema:
    """The raw messages: position, value, and why the value is null (empty, or not UTF-8)."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("partition", pa.int32(), nullable=False),
            pa.field("offset", pa.int64(), nullable=False),
            pa.field("value", pa.string()),
            pa.field("bad", pa.string()),
        ]
    )


class KafkaStart(StrEnum):
    EARLIEST = "earliest"
    COMMITTED = "committed"


@record
class KafkaSpec:
    """A Kafka source as the policy (or `--events kafka:...`) describes it."""

    topic: str
    bootstrap: str | None = None
    bootstrap_env: str | None = None
    group: str | None = None
    start: KafkaStart = KafkaStart.EARLIEST
    commit: bool = False
    timeout_s: float = 120.0
    options: tuple[tuple[str, str], ...] = ()
    options_env: tuple[tuple[str, str], ...] = ()

    def identity(self) -> str:
        """A stable, secret-free name for findings and reports."""
        return f"kafka:{self.topic}" + (f"?group={self.group}" if self.group else "")


def parse_spec(raw: Mapping[str, Any], *, file: str, field: str) -> KafkaSpec:
    """Turn a `{kind: kafka, ...}` source mapping into a KafkaSpec, or raise InvalidInput."""
    known = {
        "kind",
        "topic",
        "bootstrap",
        "bootstrap_env",
        "group",
        "start",
        "commit",
        "timeout_s",
        "options",
        "options_env",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInput(
            file, f"{field}.{unknown[0]}", "unknown key", f"use one of {sorted(known)}"
        )
    topic = raw.get("topic")
    if not isinstance(topic, str) or not topic:
        raise InvalidInput(file, f"{field}.topic", "missing or empty", "name the topic to read")
    bootstrap, bootstrap_env = raw.get("bootstrap"), raw.get("bootstrap_env")
    if (bootstrap is None) == (bootstrap_env is None):
        raise InvalidInput(
            file,
            field,
            "needs exactly one of bootstrap and bootstrap_env",
            "write bootstrap: host:9092, or bootstrap_env: NAME_OF_ENV_VAR",
        )
    for key in ("bootstrap", "bootstrap_env", "group"):
        val = raw.get(key)
        if val is not None and (not isinstance(val, str) or not val):
            raise InvalidInput(file, f"{field}.{key}", "must be a non-empty string", "quote it")
    try:
        start = KafkaStart(raw.get("start", "earliest"))
    except ValueError:
        raise InvalidInput(
            file,
            f"{field}.start",
            f"unknown start {raw.get('start')!r}",
            "use earliest or committed",
        ) from None
    group = raw.get("group")
    commit = raw.get("commit", False)
    if not isinstance(commit, bool):
        raise InvalidInput(file, f"{field}.commit", "must be true or false", "write commit: true")
    if (start is KafkaStart.COMMITTED or commit) and group is None:
        raise InvalidInput(
            file,
            f"{field}.group",
            "start: committed and commit: true need a consumer group",
            "add group: <consumer group id>",
        )
    timeout = raw.get("timeout_s", 120)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise InvalidInput(file, f"{field}.timeout_s", "must be a positive number", "e.g. 120")
    options = _string_map(raw.get("options", {}), file=file, field=f"{field}.options")
    for key, _ in options:
        if key in _RESERVED:
            raise InvalidInput(
                file, f"{field}.options.{key}", "is set by the gate", "remove it from options"
            )
        if any(word in key for word in _SECRET_WORDS):
            raise InvalidInput(
                file,
                f"{field}.options.{key}",
                "a credential does not belong in the policy file",
                f"put it in an environment variable and write options_env: {{{key}: VAR_NAME}}",
            )
    options_env = _string_map(raw.get("options_env", {}), file=file, field=f"{field}.options_env")
    for key, _ in options_env:
        if key in _RESERVED:
            raise InvalidInput(
                file, f"{field}.options_env.{key}", "is set by the gate", "remove it"
            )
    return KafkaSpec(
        topic=topic,
        bootstrap=bootstrap,
        bootstrap_env=bootstrap_env,
        group=group,
        start=start,
        commit=commit,
        timeout_s=float(timeout),
        options=options,
        options_env=options_env,
    )


def _string_map(raw: object, *, file: str, field: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise InvalidInput(file, field, "must map names to strings", "quote every value")
    return tuple(sorted(raw.items()))


@record
class KafkaSnapshot:
    """What one bounded read saw: the raw messages and where each partition's read ended."""

    spec: KafkaSpec
    table: pa.Table  # raw_schema()
    next_offsets: tuple[tuple[int, int], ...]  # (partition, offset just past the last message read)

    def commit(self, env: Mapping[str, str] | None = None) -> None:
        """Commit `next_offsets` for the spec's group. Call only after the report is written."""
        if self.spec.group is None:
            raise GateCannotRun(GATE, "no consumer group to commit offsets for", "add group:")
        ck = import_client()
        consumer = ck.Consumer(client_config(self.spec, env, group=self.spec.group))
        try:
            offsets = [ck.TopicPartition(self.spec.topic, p, o) for p, o in self.next_offsets]
            if not offsets:
                return
            try:
                result = consumer.commit(offsets=offsets, asynchronous=False)
            except ck.KafkaException as exc:
                raise GateCannotRun(
                    GATE, f"could not commit offsets to {self.spec.identity()}: {exc}", _NET_FIX
                ) from exc
            failed = [tp for tp in result or [] if tp.error is not None]
            if failed:
                raise GateCannotRun(
                    GATE,
                    f"commit to {self.spec.identity()} failed for partition "
                    f"{failed[0].partition}: {failed[0].error}",
                    _NET_FIX,
                )
        finally:
            consumer.close()


_NET_FIX = "check that the broker is reachable and the group may commit (ACLs)"


def import_client() -> Any:
    try:
        import confluent_kafka
    except ImportError:
        raise GateCannotRun(GATE, "the Kafka client is not installed", INSTALL_HINT) from None
    return confluent_kafka


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401 - only checking that it is there
    except ImportError:
        raise GateCannotRun(GATE, "pyarrow is not installed", INSTALL_HINT) from None


def client_config(
    spec: KafkaSpec, env: Mapping[str, str] | None, *, group: str | None
) -> dict[str, Any]:
    environ = os.environ if env is None else env
    if spec.bootstrap is not None:
        bootstrap = spec.bootstrap
    else:
        assert spec.bootstrap_env is not None  # parse_spec guarantees one of the two
        bootstrap = environ.get(spec.bootstrap_env, "")
        if not bootstrap:
            raise GateCannotRun(
                GATE,
                f"environment variable {spec.bootstrap_env} (Kafka bootstrap servers) is not set",
                f"export {spec.bootstrap_env}=host:9092",
            )
    config: dict[str, Any] = dict(spec.options)
    for key, var in spec.options_env:
        value = environ.get(var)
        if value is None:
            raise GateCannotRun(
                GATE, f"environment variable {var} (Kafka option {key}) is not set", f"export {var}"
            )
        config[key] = value
    config.update(
        {
            "bootstrap.servers": bootstrap,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "enable.partition.eof": True,
            "auto.offset.reset": "earliest",
        }
    )
    # librdkafka needs a group id to fetch or commit group offsets; a plain earliest read has none.
    config["group.id"] = group if group is not None else "release-gates-reconcile-unused"
    return config


def read_topic(
    spec: KafkaSpec,
    *,
    env: Mapping[str, str] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> KafkaSnapshot:
    """Read every partition of the topic from its start position to its end, then stop."""
    ck = import_client()
    _require_pyarrow()
    consumer = ck.Consumer(client_config(spec, env, group=spec.group))
    try:
        partitions = _partitions(ck, consumer, spec)
        starts = _start_offsets(ck, consumer, spec, partitions)
        consumer.assign([ck.TopicPartition(spec.topic, p, o) for p, o in starts])
        return _drain(ck, consumer, spec, starts, on_batch)
    finally:
        consumer.close()


def _partitions(ck: Any, consumer: Consumer, spec: KafkaSpec) -> list[int]:
    try:
        meta = consumer.list_topics(spec.topic, timeout=spec.timeout_s)
    except ck.KafkaException as exc:
        raise GateCannotRun(
            GATE, f"could not reach Kafka for {spec.identity()}: {exc}", _NET_FIX
        ) from exc
    topic = meta.topics.get(spec.topic)
    if topic is None or topic.error is not None:
        why = "not found" if topic is None else str(topic.error)
        raise GateCannotRun(
            GATE, f"topic {spec.topic!r}: {why}", "check the topic name and the client's ACLs"
        )
    if not topic.partitions:
        raise GateCannotRun(GATE, f"topic {spec.topic!r} has no partitions", "check the topic")
    return sorted(topic.partitions)


def _start_offsets(
    ck: Any, consumer: Consumer, spec: KafkaSpec, partitions: list[int]
) -> list[tuple[int, int]]:
    match spec.start:
        case KafkaStart.EARLIEST:
            return [(p, ck.OFFSET_BEGINNING) for p in partitions]
        case KafkaStart.COMMITTED:
            asked = [ck.TopicPartition(spec.topic, p) for p in partitions]
            try:
                got: list[TopicPartition] = consumer.committed(asked, timeout=spec.timeout_s)
            except ck.KafkaException as exc:
                raise GateCannotRun(
                    GATE, f"could not read committed offsets of {spec.identity()}: {exc}", _NET_FIX
                ) from exc
            out = []
            for tp in got:
                if tp.error is not None:
                    raise GateCannotRun(
                        GATE,
                        f"committed offset of {spec.topic}[{tp.partition}]: {tp.error}",
                        _NET_FIX,
                    )
                # No committed offset yet (a new group): start from the beginning.
                out.append((tp.partition, tp.offset if tp.offset >= 0 else ck.OFFSET_BEGINNING))
            return sorted(out)
        case _:
            assert_never(spec.start)


def _drain(
    ck: Any,
    consumer: Consumer,
    spec: KafkaSpec,
    starts: list[tuple[int, int]],
    on_batch: Callable[[int], None] | None,
) -> KafkaSnapshot:
    import pyarrow as pa

    schema = raw_schema()
    deadline = time.monotonic() + spec.timeout_s
    next_offsets = dict(starts)
    open_parts = {p for p, _ in starts}
    batches: list[pa.RecordBatch] = []
    while open_parts:
        left = deadline - time.monotonic()
        if left <= 0:
            raise GateCannotRun(
                GATE,
                f"{spec.identity()}: partitions {sorted(open_parts)} did not reach their end "
                f"within {spec.timeout_s:g}s",
                "raise timeout_s in the source, or check the broker",
            )
        msgs: list[Message] = consumer.consume(
            num_messages=BATCH_MESSAGES, timeout=min(left, POLL_S)
        )
        parts: list[int] = []
        offs: list[int] = []
        vals: list[str | None] = []
        bads: list[str | None] = []
        for msg in msgs:
            err = msg.error()
            partition = msg.partition()
            assert partition is not None  # every consumed message or event names its partition
            if err is not None:
                if err.code() == ck.KafkaError._PARTITION_EOF:
                    if partition in open_parts:
                        open_parts.discard(partition)
                        # Messages produced after we reached the end belong to the next run.
                        consumer.pause([ck.TopicPartition(spec.topic, partition)])
                    continue
                raise GateCannotRun(GATE, f"{spec.identity()}: {err.str()}", _NET_FIX)
            if partition not in open_parts:
                continue  # fetched before the pause took effect: the next run reads it
            offset = msg.offset()
            assert offset is not None
            parts.append(partition)
            offs.append(offset)
            text, bad = message_text(msg.value())
            vals.append(text)
            bads.append(bad)
            next_offsets[partition] = offset + 1
        if parts:
            batches.append(
                pa.RecordBatch.from_arrays(
                    [
                        pa.array(parts, pa.int32()),
                        pa.array(offs, pa.int64()),
                        pa.array(vals, pa.string()),
                        pa.array(bads, pa.string()),
                    ],
                    schema=schema,
                )
            )
            if on_batch is not None:
                on_batch(len(parts))
    table = pa.Table.from_batches(batches, schema=schema)
    committed = tuple(sorted((p, o) for p, o in next_offsets.items() if o >= 0))
    return KafkaSnapshot(spec=spec, table=table, next_offsets=committed)


def message_text(value: bytes | str | None) -> tuple[str | None, str | None]:
    """The message value as text, or None and why not."""
    if value is None or len(value) == 0:
        return None, "empty message"
    if isinstance(value, str):
        return value, None
    try:
        return value.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"


class KafkaSource:
    """A topic as a reconcile source. Holds what it read until `after_report()` commits it.

    Not frozen on purpose: the read happens once, when an engine binds the source, and the
    snapshot's offsets are what `after_report()` commits.
    """

    __slots__ = ("_snapshot", "env", "spec")

    def __init__(self, spec: KafkaSpec, env: Mapping[str, str] | None = None) -> None:
        self.spec = spec
        self.env = env
        self._snapshot: KafkaSnapshot | None = None

    @property
    def kind(self) -> SourceKind:
        return SourceKind.KAFKA

    @property
    def label(self) -> str:
        return self.spec.identity()

    def snapshot(self) -> KafkaSnapshot:
        """Read the topic (once per source object) and return what was read."""
        if self._snapshot is None:
            self._snapshot = read_topic(self.spec, env=self.env)
        return self._snapshot

    def bind_duckdb(
        self, con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str]
    ) -> None:
        raw = self.snapshot().table
        con.register("_rg_kafka_raw", raw)
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS {json_select(columns, self.spec.topic)}"
            )
        finally:
            con.unregister("_rg_kafka_raw")

    def after_report(self) -> None:
        """Commit the offsets read, when the policy asks; call only after the report is written."""
        if self.spec.commit and self._snapshot is not None:
            self._snapshot.commit(self.env)


def json_select(columns: Sequence[str], topic: str) -> str:
    """Parse the raw messages in bulk: one column per raw name, the unreadable reason, and
    `_rg_ref` (`topic[partition]@offset`), the message's position for examples.

    As for JSONL files: values are their JSON text, and a number with a fraction or an exponent
    (already rounded through a double by the parser) makes the row unreadable, since money is
    never a float."""
    paths = [quote_literal("$." + json_key(c)) for c in columns]
    extract = "".join(
        f"o ->> {p} AS {quote_ident(c)}, " for p, c in zip(paths, columns, strict=True)
    )
    fractions = "".join(
        f"WHEN json_type(o, {p}) = 'DOUBLE' "
        f"THEN {quote_literal('JSON number with a fraction in ' + c)} "
        for p, c in zip(paths, columns, strict=True)
    )
    return (
        f"SELECT {extract}"  # noqa: S608 - identifiers and the topic are quoted
        f"CASE WHEN v IS NULL THEN bad WHEN j IS NULL THEN 'malformed JSON' "
        f"WHEN o IS NULL THEN 'not a JSON object' {fractions}END AS {ERROR_COLUMN}, "
        f"{quote_literal(topic)} || '[' || CAST(p AS VARCHAR) || ']@' || CAST(n AS VARCHAR) "
        f"AS {REF_COLUMN} FROM ("
        "SELECT v, bad, j, CASE WHEN json_type(j) = 'OBJECT' THEN j END AS o, p, n FROM ("
        "SELECT value AS v, bad, CASE WHEN json_valid(value) THEN value END AS j, "
        '"partition" AS p, "offset" AS n FROM _rg_kafka_raw)) '
        "ORDER BY p, n"
    )


def parse(spec: Mapping[str, Any], *, root: Path, file: str, field: str) -> KafkaSource:
    """The `parse_source` hook: a `{kind: kafka, ...}` mapping as a KafkaSource."""
    del root  # a topic is not under the repository
    return KafkaSource(parse_spec(spec, file=file, field=field))
