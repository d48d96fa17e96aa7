"""The Kafka source on a real broker: bounded reads, unreadable messages, deferred commits."""

from __future__ import annotations

import json
import sys
from typing import Any

import duckdb
import pytest

from gates.checks.reconcile import config as config_mod
from gates.checks.reconcile import sources_kafka as sk
from gates.checks.reconcile.engine import reconcile
from gates.checks.reconcile.engine_duckdb import DuckDBEngine
from gates.checks.reconcile.model import ReconcileResult, Side, UnreadableSummary
from gates.checks.reconcile.sources import parse_source
from gates.errors import GateCannotRun, InvalidInput
from tests import reconcile_parity_data as data
from tests.reconcile_servers import KafkaBroker


def _spec(broker: KafkaBroker, topic: str, **extra: Any) -> sk.KafkaSpec:
    raw = {"kind": "kafka", "topic": topic, "bootstrap": broker.bootstrap, "timeout_s": 60, **extra}
    return sk.parse_spec(raw, file="policy.yaml", field="$.events")


def _event(pid: str, seq: int) -> bytes:
    return json.dumps({"payment_id": pid, "seq": seq}).encode()


def _reconcile_topics(broker: KafkaBroker, root: Any, prefix: str) -> ReconcileResult:
    """The parity data's policy over the topics `PREFIX-events` and `PREFIX-report`."""
    cfg = config_mod.parse(data.SECTION, file="policy.yaml")

    def src(topic: str) -> Any:
        spec = {"kind": "kafka", "topic": topic, "bootstrap": broker.bootstrap}
        return parse_source(spec, root=root, file="policy.yaml", field="$.events")

    with DuckDBEngine(threads=1) as engine:
        return reconcile(
            engine, cfg, src(f"{prefix}-events"), src(f"{prefix}-report"), as_of=data.AS_OF
        )


def _read(source: sk.KafkaSource) -> list[tuple[Any, ...]]:
    con = duckdb.connect()
    source.bind_duckdb(con, "events_raw", ["payment_id", "seq"])
    return con.execute("SELECT * FROM events_raw").fetchall()


def test_unreadable_messages_become_rows_with_their_position(kafka_broker: KafkaBroker) -> None:
    kafka_broker.create_topic("k-mixed", 2)
    kafka_broker.produce(
        "k-mixed",
        [
            (0, None, _event("p1", 1)),
            (0, None, b"{not json"),
            (1, None, b"\xff\xfe\x00"),
            (1, None, b"[1, 2]"),
            (1, None, _event("p2", 7)),
            (1, None, b'{"payment_id": "p3", "seq": 1.5}'),
            (1, b"p4", b""),
        ],
    )
    rows = _read(sk.KafkaSource(_spec(kafka_broker, "k-mixed")))
    assert rows == [
        ("p1", "1", None, "k-mixed[0]@0"),
        (None, None, "malformed JSON", "k-mixed[0]@1"),
        (None, None, "not UTF-8 text", "k-mixed[1]@0"),
        (None, None, "not a JSON object", "k-mixed[1]@1"),
        ("p2", "7", None, "k-mixed[1]@2"),
        ("p3", "1.5", "JSON number with a fraction in seq", "k-mixed[1]@3"),
        (None, None, "empty message", "k-mixed[1]@4"),
    ]


def test_committed_offsets_only_after_the_report(kafka_broker: KafkaBroker) -> None:
    kafka_broker.create_topic("k-commit", 2)
    kafka_broker.produce("k-commit", [(0, None, _event("a", 1)), (1, None, _event("b", 1))])
    spec = _spec(kafka_broker, "k-commit", group="recon", start="committed", commit=True)

    first = sk.KafkaSource(spec)
    assert [r[0] for r in _read(first)] == ["a", "b"]
    # A run that dies before its report commits nothing: the next run reads the same messages.
    assert [r[0] for r in _read(sk.KafkaSource(spec))] == ["a", "b"]
    first.after_report()

    kafka_broker.produce("k-commit", [(1, None, _event("c", 2))])
    second = sk.KafkaSource(spec)
    assert [r[0] for r in _read(second)] == ["c"]
    assert second.snapshot().next_offsets == ((0, 1), (1, 2))
    second.after_report()
    assert _read(sk.KafkaSource(spec)) == []


def test_no_commit_unless_the_policy_asks(kafka_broker: KafkaBroker) -> None:
    kafka_broker.create_topic("k-nocommit", 1)
    kafka_broker.produce("k-nocommit", [(0, None, _event("a", 1))])
    spec = _spec(kafka_broker, "k-nocommit", group="watch", start="committed")
    source = sk.KafkaSource(spec)
    assert [r[0] for r in _read(source)] == ["a"]
    source.after_report()
    assert [r[0] for r in _read(sk.KafkaSource(spec))] == ["a"]


def test_empty_partitions_end_the_read(kafka_broker: KafkaBroker) -> None:
    kafka_broker.create_topic("k-empty", 3)
    snapshot = sk.KafkaSource(_spec(kafka_broker, "k-empty")).snapshot()
    assert snapshot.table.num_rows == 0
    assert snapshot.next_offsets == ()


def test_malformed_messages_are_counted_by_the_gate(
    kafka_broker: KafkaBroker, tmp_path: Any
) -> None:
    kafka_broker.create_topic("k-gate-events", 1)
    kafka_broker.create_topic("k-gate-report", 1)
    ev = [r for r in data.events() if r["payment_id"] == "p01"]
    messages = [*data.kafka_messages(ev, 1), (0, None, b"{oops")]
    kafka_broker.produce("k-gate-events", messages)
    rp = [r for r in data.report() if r["payment_id"] == "p01"]
    kafka_broker.produce("k-gate-report", data.kafka_messages(rp, 1))
    result = _reconcile_topics(kafka_broker, tmp_path, "k-gate")
    assert {k: v for k, v in result.counts().items() if v} == {"unreadable": 1}
    assert result.unreadable == (
        UnreadableSummary(
            side=Side.EVENTS,
            reason="malformed JSON",
            count=1,
            examples=result.unreadable[0].examples,
            example_ids=((None, None),),
        ),
    )
    assert result.audit.events == 3


def test_missing_topic_cannot_run(kafka_broker: KafkaBroker) -> None:
    with pytest.raises(GateCannotRun) as err:
        sk.KafkaSource(_spec(kafka_broker, "k-does-not-exist")).snapshot()
    assert str(err.value).startswith("gate reconcile: topic 'k-does-not-exist': ")


def test_unreachable_broker_cannot_run() -> None:
    from tests.reconcile_servers import free_port

    raw = {"kind": "kafka", "topic": "t", "bootstrap": f"127.0.0.1:{free_port()}", "timeout_s": 2}
    spec = sk.parse_spec(raw, file="p", field="$.events")
    with pytest.raises(GateCannotRun) as err:
        sk.read_topic(spec)
    assert "could not reach Kafka for kafka:t" in str(err.value)


def test_bootstrap_from_the_environment(kafka_broker: KafkaBroker) -> None:
    raw = {"kind": "kafka", "topic": "k-mixed", "bootstrap_env": "RG_TEST_KAFKA"}
    spec = sk.parse_spec(raw, file="p", field="$.events")
    with pytest.raises(GateCannotRun) as err:
        sk.read_topic(spec, env={})
    assert str(err.value) == (
        "gate reconcile: environment variable RG_TEST_KAFKA (Kafka bootstrap servers) is not set. "
        "Fix: export RG_TEST_KAFKA=host:9092"
    )


def test_missing_client_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "confluent_kafka", None)
    spec = sk.parse_spec({"topic": "t", "bootstrap": "127.0.0.1:1"}, file="p", field="f")
    with pytest.raises(GateCannotRun) as err:
        sk.read_topic(spec)
    assert str(err.value) == (
        "gate reconcile: the Kafka client is not installed. Fix: pip install 'release-gates[kafka]'"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"bootstrap": "h:1"}, "policy.yaml: $.events.topic: missing or empty"),
        (
            {"topic": "t"},
            "policy.yaml: $.events: needs exactly one of bootstrap and bootstrap_env",
        ),
        (
            {"topic": "t", "bootstrap": "h:1", "bootstrap_env": "X"},
            "policy.yaml: $.events: needs exactly one of bootstrap and bootstrap_env",
        ),
        (
            {"topic": "t", "bootstrap": "h:1", "start": "committed"},
            "policy.yaml: $.events.group: start: committed and commit: true need a consumer group",
        ),
        (
            {"topic": "t", "bootstrap": "h:1", "commit": True},
            "policy.yaml: $.events.group: start: committed and commit: true need a consumer group",
        ),
        (
            {"topic": "t", "bootstrap": "h:1", "start": "latest"},
            "policy.yaml: $.events.start: unknown start 'latest'",
        ),
        (
            {"topic": "t", "bootstrap": "h:1", "timeout_s": 0},
            "policy.yaml: $.events.timeout_s: must be a positive number",
        ),
        (
            {"topic": "t", "bootstrap": "h:1", "options": {"group.id": "x"}},
            "policy.yaml: $.events.options.group.id: is set by the gate",
        ),
        (
            {"topic": "t", "bootstrap": "h:1", "options": {"sasl.password": "hunter2"}},
            "policy.yaml: $.events.options.sasl.password: a credential does not belong in the "
            "policy file",
        ),
        (
            {"topic": "t", "bootstrap": "h:1", "partitions": 3},
            "policy.yaml: $.events.partitions: unknown key",
        ),
    ],
    ids=[
        "no-topic",
        "no-bootstrap",
        "two-bootstraps",
        "committed-no-group",
        "commit-no-group",
        "bad-start",
        "zero-timeout",
        "reserved-option",
        "secret-option",
        "unknown-key",
    ],
)
def test_spec_errors(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        sk.parse_spec({"kind": "kafka", **raw}, file="policy.yaml", field="$.events")
    assert str(err.value).split(". Fix: ")[0] == message


def test_samples_cite_topic_partition_and_offset(kafka_broker: KafkaBroker, tmp_path: Any) -> None:
    kafka_broker.create_topic("k-cite-events", 1)
    kafka_broker.create_topic("k-cite-report", 1)
    ev = [r for r in data.events() if r["payment_id"] in ("p01", "p02")]
    kafka_broker.produce("k-cite-events", data.kafka_messages(ev, 1))
    rp = [r for r in data.report() if r["payment_id"] in ("p01", "p02")]
    kafka_broker.produce("k-cite-report", data.kafka_messages(rp, 1))
    result = _reconcile_topics(kafka_broker, tmp_path, "k-cite")
    first = next(i for i, r in enumerate(ev) if r["payment_id"] == "p02")
    last = max(i for i, r in enumerate(ev) if r["payment_id"] == "p02")
    report_at = next(i for i, r in enumerate(rp) if r["payment_id"] == "p02")
    assert {c.cls.value: c.samples for c in result.classes if c.count} == {
        "status_mismatch": (
            f"p02 (at events k-cite-events[0]@{first} to k-cite-events[0]@{last}, "
            f"report k-cite-report[0]@{report_at})",
        )
    }
