"""`gates reconcile watch` on a real Kafka-protocol broker: parity with the batch command,
poison messages, out-of-order events across partitions, restarts that resume, a consumer group."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gates import cli
from tests import reconcile_parity_data as data
from tests.reconcile_servers import KafkaBroker, running_kafka

AS_OF = "2026-11-20T00:00:00Z"  # p14 is within its grace period then; everything else is due
PARTITIONS = 3
# Poison: not JSON, not UTF-8, a tombstone, a JSON array, a row without a payment id's fields,
# a float amount (money is never a float), and a card number as a payment id (masked on output).
POISON: list[bytes | None] = [
    b"{not json",
    b"\xff\xfe\x00garbage",
    None,
    b"[1, 2, 3]",
    json.dumps({"payment_id": "p20", "type": "created"}).encode(),
    json.dumps(
        {
            "payment_id": "p21",
            "event_id": "p21-e1",
            "seq": 1,
            "type": "created",
            "ts": "2026-11-10T10:00:00Z",
            "amount": 12.5,
            "currency": "EUR",
        }
    ).encode(),
]
PAN = "4111111111111111"


def _renamed(row: dict[str, Any], copy: int) -> dict[str, Any]:
    if copy == 0 or row["payment_id"] is None:
        return row
    pid = f"{row['payment_id']}-c{copy}"
    out = {**row, "payment_id": pid}
    if "event_id" in row:
        out["event_id"] = f"{pid}-e{row['seq']}"
    return out


def events(copies: int = 1) -> list[dict[str, Any]]:
    """The parity dataset `copies` times (payment ids suffixed), and a card-number payment id."""
    rows = [_renamed(r, c) for c in range(copies) for r in data.events()]
    rows += [
        {**r, "payment_id": PAN, "event_id": f"{PAN}-e{r['seq']}"}
        for r in data.events()
        if r["payment_id"] == "p02"
    ]  # a status mismatch whose id is a card number
    return rows


def report(copies: int = 1) -> list[dict[str, Any]]:
    # p04 (report row without events) is left out: the watcher follows events, and judging
    # report rows without events stays the batch command's job (docs/reconcile.md).
    base = [r for r in data.report() if r["payment_id"] != "p04"]
    rows = [_renamed(r, c) for c in range(copies) for r in base]
    rows.append({**next(r for r in base if r["payment_id"] == "p02"), "payment_id": PAN})
    return rows


def messages(seed: int, copies: int = 1) -> list[tuple[int, bytes | None, bytes | None]]:
    """Every event on a random partition, in a shuffled order (a payment's events cross
    partitions and arrive out of order), poison messages among them."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible test shuffle, not a secret
    out: list[tuple[int, bytes | None, bytes | None]] = [
        (rng.randrange(PARTITIONS), None, json.dumps(r, sort_keys=True).encode())
        for r in events(copies)
    ]
    out += [(rng.randrange(PARTITIONS), None, p) for p in POISON]
    rng.shuffle(out)
    return out


def produce(
    broker: KafkaBroker, topic: str, msgs: list[tuple[int, bytes | None, bytes | None]]
) -> None:
    broker.produce(topic, [(p, k, v if v is not None else b"") for p, k, v in msgs])


def write_policy(root: Path, broker: KafkaBroker, topic: str, group: str, copies: int = 1) -> Path:
    data.write_jsonl(root / "report.jsonl", report(copies))
    events_src = {
        "kind": "kafka",
        "topic": topic,
        "bootstrap": broker.bootstrap,
        "group": group,
        "timeout_s": 30,
        # A restarted watcher rejoins the group quickly once the killed member's session ends.
        "options": {"session.timeout.ms": "1000", "heartbeat.interval.ms": "200"},
    }
    doc = {
        "version": 1,
        "gates": {
            "reconcile": {
                **data.SECTION,
                "events": events_src,
                "report": {"kind": "jsonl", "path": "report.jsonl"},
            }
        },
    }
    path = root / "policy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def batch_counts(root: Path, policy: Path) -> dict[str, int]:
    """Per-class counts of the batch command over the whole topic, at AS_OF."""
    out_dir = root / "batch-out"
    code = cli.main(
        [
            "reconcile",
            "--policy",
            str(policy),
            "--root",
            str(root),
            "--as-of",
            AS_OF,
            "--out",
            str(out_dir),
        ],
        out=io.StringIO(),
    )
    assert code == 1  # the data plants discrepancies
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    return {name: c["count"] for name, c in summary["classes"].items()}


def watch_args(root: Path, policy: Path, *extra: str) -> list[str]:
    return [
        "reconcile",
        "watch",
        "--policy",
        str(policy),
        "--root",
        str(root),
        "--state",
        str(root / "state" / "watch.duckdb"),
        "--findings",
        str(root / "findings.jsonl"),
        "--metrics",
        str(root / "metrics.json"),
        "--as-of",
        AS_OF,
        *extra,
    ]


def feed_counts(root: Path) -> dict[str, int]:
    """Per-class counts from the findings feed: appeared minus cleared; every seq once, in order."""
    lines = (root / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    docs = [json.loads(line) for line in lines]
    assert [d["seq"] for d in docs] == list(range(1, len(docs) + 1))
    counts: dict[str, int] = {}
    for d in docs:
        counts[d["class"]] = counts.get(d["class"], 0) + (1 if d["event"] == "finding" else -1)
    return {c: n for c, n in counts.items() if n}


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {c: n for c, n in counts.items() if n}


def test_watch_matches_the_batch_command(tmp_path: Path, kafka_broker: KafkaBroker) -> None:
    topic = "watch-parity"
    kafka_broker.create_topic(topic, PARTITIONS)
    produce(kafka_broker, topic, messages(seed=7))
    policy = write_policy(tmp_path, kafka_broker, topic, "watch-parity")
    expected = batch_counts(tmp_path, policy)

    out = io.StringIO()
    code = cli.main(
        ["--debug", *watch_args(tmp_path, policy, "--exit-when-idle", "--batch", "7")], out=out
    )
    assert code == 0, out.getvalue()
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["findings"] == expected
    assert feed_counts(tmp_path) == nonzero(expected)
    assert metrics["events_consumed"] == len(events()) + len(POISON)
    assert metrics["status"] == "stopped"
    assert out.getvalue().startswith("reconcile watch: stopped (idle) at watch-parity[0]@")
    # Every poison message is an unreadable finding citing where it is; nothing shows in clear.
    feed = (tmp_path / "findings.jsonl").read_text(encoding="utf-8")
    details = {json.loads(line)["detail"] for line in feed.splitlines()}
    for ref in poison_refs(topic, messages(seed=7)):
        assert any(d.startswith("events: ") and d.endswith(f"at {ref})") for d in details), ref
    for text in (feed, (tmp_path / "metrics.json").read_text(encoding="utf-8"), out.getvalue()):
        assert PAN not in text
    ids = {json.loads(line)["payment_id"] for line in feed.splitlines()}
    assert "4111 11\u2022\u2022 \u2022\u2022\u2022\u2022 1111" in ids  # masked, as in reports


def poison_refs(topic: str, msgs: list[tuple[int, bytes | None, bytes | None]]) -> list[str]:
    """`topic[partition]@offset` of each poison message (offsets follow produce order)."""
    next_offset = dict.fromkeys(range(PARTITIONS), 0)
    refs = []
    for partition, _key, value in msgs:
        if value in POISON:
            refs.append(f"{topic}[{partition}]@{next_offset[partition]}")
        next_offset[partition] += 1
    assert len(refs) == len(POISON)
    return refs


def test_kill_nine_at_random_points_loses_nothing_and_counts_nothing_twice(
    tmp_path: Path, kafka_broker: KafkaBroker
) -> None:
    """SIGKILL the watcher process at random points (seeded), many times, while messages keep
    arriving; restart it each time. The final counts equal the batch command's, the feed has
    every line once, and the state holds every message once."""
    topic = "watch-kill"
    copies = 10
    kafka_broker.create_topic(topic, PARTITIONS)
    policy = write_policy(tmp_path, kafka_broker, topic, "watch-kill", copies)
    msgs = messages(seed=11, copies=copies)
    rng = random.Random(20261205)  # noqa: S311 - reproducible kill points, not a secret
    runs = 21
    step = -(-len(msgs) // runs)
    argv = [
        sys.executable,
        "-m",
        "gates",
        *watch_args(
            tmp_path,
            policy,
            *("--batch", "3", "--metrics-interval", "0.1", "--judge-interval", "0.2"),
        ),
    ]
    metrics = tmp_path / "metrics.json"
    kills = 0
    for run in range(runs):
        produce(kafka_broker, topic, msgs[run * step : (run + 1) * step])
        metrics.unlink(missing_ok=True)
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Kill at a random point once this run has its partitions (before that it has done
        # nothing a kill could interrupt): the wait is for readiness, never a timed assert.
        wait_until_assigned(proc, metrics)
        try:
            _, err = proc.communicate(timeout=rng.uniform(0.0, 0.6))
        except subprocess.TimeoutExpired:
            proc.kill()  # SIGKILL: no handler, no flush
            proc.communicate()
            kills += 1
            if os.environ.get("RG_WATCH_TRACE"):
                seen = json.loads(metrics.read_text(encoding="utf-8"))
                print("kill", run, seen.get("events_consumed"), seen.get("findings_logged"))
        else:
            raise AssertionError(f"the watcher exited by itself ({proc.returncode}): {err!r}")
    assert kills == runs

    expected = batch_counts(tmp_path, policy)
    out = io.StringIO()
    code = cli.main(watch_args(tmp_path, policy, "--exit-when-idle"), out=out)
    assert code == 0, out.getvalue()
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["findings"] == expected
    assert metrics["events_consumed"] == len(msgs)
    assert feed_counts(tmp_path) == nonzero(expected)
    assert_state_exact(tmp_path / "state" / "watch.duckdb", len(msgs))


def assert_state_exact(path: Path, messages: int) -> None:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute(
            "SELECT COUNT(*), COUNT(DISTINCT (part, off)) FROM messages"
        ).fetchall() == [(messages, messages)]
        assert con.execute(
            "SELECT COUNT(*) - COUNT(DISTINCT (class, subject)) FROM findings"
        ).fetchall() == [(0,)]
        # Only payments waiting for their grace period stay pending (p14 of every copy).
        assert con.execute("SELECT COUNT(*) FROM dirty WHERE fresh").fetchall() == [(0,)]
    finally:
        con.close()


def start_watcher(root: Path, policy: Path, *extra: str) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable,
        "-m",
        "gates",
        *watch_args(root, policy, "--metrics-interval", "0.1", *extra),
    ]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigterm_stops_cleanly_with_a_final_flush(
    tmp_path: Path, kafka_broker: KafkaBroker
) -> None:
    topic = "watch-term"
    kafka_broker.create_topic(topic, PARTITIONS)
    msgs = messages(seed=5)
    produce(kafka_broker, topic, msgs)
    policy = write_policy(tmp_path, kafka_broker, topic, "watch-term")
    expected = batch_counts(tmp_path, policy)
    proc = start_watcher(tmp_path, policy)
    wait_until_assigned(proc, tmp_path / "metrics.json")
    wait_until_consumed(proc, tmp_path / "metrics.json", len(msgs))
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.decode().startswith("reconcile watch: stopped (signal) at watch-term[0]@"), out
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["status"] == "stopped"
    assert metrics["findings"] == expected
    assert metrics["lag"] == {"0": 0, "1": 0, "2": 0}


def wait_for_metrics(
    proc: subprocess.Popen[bytes], metrics: Path, ready: Callable[[dict[str, Any]], bool], what: str
) -> None:
    """Until the metrics file (rewritten every 0.1 s) satisfies `ready`, or 60 s: a readiness
    deadline, not an assertion on speed. The watcher exiting by itself fails the test."""
    for _ in range(1200):
        try:
            proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass
        else:
            err = proc.stderr.read() if proc.stderr else b""
            raise AssertionError(f"the watcher exited by itself ({proc.returncode}): {err!r}")
        try:
            doc = json.loads(metrics.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            continue
        if ready(doc):
            return
    raise AssertionError(f"the watcher {what} within 60 s")


def wait_until_assigned(proc: subprocess.Popen[bytes], metrics: Path) -> None:
    wait_for_metrics(proc, metrics, lambda doc: bool(doc["assigned"]), "got no partitions")


def wait_until_consumed(proc: subprocess.Popen[bytes], metrics: Path, n: int) -> None:
    """Until `n` events are stored, no partition lags, and every partition has been read to its
    end (the judging clock has caught up with --as-of)."""
    wait_for_metrics(
        proc,
        metrics,
        lambda doc: (
            doc["events_consumed"] == n
            and all(v == 0 for v in doc["lag"].values())
            and doc["judging_as_of"] == AS_OF
        ),
        "did not consume every message",
    )


def test_broker_gone_is_fatal_and_names_the_offsets(tmp_path: Path) -> None:
    """Its own broker, stopped under the watcher: exit 3 with the last durable offsets."""
    with running_kafka() as broker:
        topic = "watch-gone"
        broker.create_topic(topic, 2)
        broker.produce(topic, [(0, None, b"{}"), (0, None, b"{}"), (1, None, b"{}")])
        policy = write_policy(tmp_path, broker, topic, "watch-gone")
        doc = yaml.safe_load(policy.read_text(encoding="utf-8"))
        doc["gates"]["reconcile"]["events"]["timeout_s"] = 3
        policy.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        proc = start_watcher(tmp_path, policy)
        wait_until_consumed(proc, tmp_path / "metrics.json", 3)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, (out, err)
    line = err.decode().strip().splitlines()[-1]
    assert "the broker did not answer for 3s" in line, line
    assert "last durable offsets: watch-gone[0]@2, watch-gone[1]@1" in line, line
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["status"] == "failed"


def test_a_state_file_that_cannot_be_created_is_exit_3(
    tmp_path: Path, kafka_broker: KafkaBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_policy(tmp_path, kafka_broker, "watch-nostate", "watch-nostate")
    (tmp_path / "state").write_text("a file, not a directory", encoding="utf-8")
    code = cli.main(watch_args(tmp_path, policy), out=io.StringIO())
    assert code == 3
    err = capsys.readouterr().err
    assert "cannot open the watch state" in err
    assert "watch.duckdb" in err


def test_rebalance_hands_partitions_away_and_back(
    tmp_path: Path, kafka_broker: KafkaBroker
) -> None:
    """A second member joins the group (the watcher gives up partitions), messages arrive, the
    member leaves (the watcher gets them back and resumes from its own stored positions)."""
    from confluent_kafka import Consumer

    topic = "watch-rebalance"
    kafka_broker.create_topic(topic, PARTITIONS)
    msgs = messages(seed=13)
    half = len(msgs) // 2
    produce(kafka_broker, topic, msgs[:half])
    policy = write_policy(tmp_path, kafka_broker, topic, "watch-rebalance")
    expected = batch_counts_on_copy(tmp_path, policy, kafka_broker, msgs)
    metrics = tmp_path / "metrics.json"
    proc = start_watcher(tmp_path, policy)
    try:
        wait_until_consumed(proc, metrics, half)
        other = Consumer(
            {
                "bootstrap.servers": kafka_broker.bootstrap,
                "group.id": "watch-rebalance",
                "enable.auto.commit": False,
                "session.timeout.ms": 1000,
                "heartbeat.interval.ms": 200,
            }
        )
        got: list[int] = []
        other.subscribe([topic], on_assign=lambda _c, ps: got.extend(p.partition for p in ps))
        for _ in range(1200):  # a readiness deadline, polled through the member's own poll()
            other.poll(0.05)
            doc = json.loads(metrics.read_text(encoding="utf-8"))
            if got and len(doc["assigned"]) + len(got) == PARTITIONS:
                break
        else:
            raise AssertionError("the group did not rebalance within 60 s")
        assert 0 < len(got) < PARTITIONS
        # Messages for every partition while the other member holds some of them.
        produce(kafka_broker, topic, msgs[half:])
        for _ in range(10):
            other.poll(0.05)
        other.close()  # leaves the group: the watcher is assigned everything again
        wait_until_consumed(proc, metrics, len(msgs))
        assert json.loads(metrics.read_text(encoding="utf-8"))["assigned"] == [0, 1, 2]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    doc = json.loads(metrics.read_text(encoding="utf-8"))
    assert doc["findings"] == expected
    assert feed_counts(tmp_path) == nonzero(expected)


def batch_counts_on_copy(
    root: Path,
    policy: Path,
    broker: KafkaBroker,
    msgs: list[tuple[int, bytes | None, bytes | None]],
) -> dict[str, int]:
    """The batch command's counts on `msgs`, written to a topic of their own."""
    doc = yaml.safe_load(policy.read_text(encoding="utf-8"))
    copy = doc["gates"]["reconcile"]["events"]["topic"] + "-all"
    broker.create_topic(copy, PARTITIONS)
    produce(broker, copy, msgs)
    doc["gates"]["reconcile"]["events"]["topic"] = copy
    other = root / "batch-policy.yaml"
    other.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return batch_counts(root, other)


def test_a_partition_not_read_yet_holds_judgement_back(
    tmp_path: Path, kafka_broker: KafkaBroker
) -> None:
    """x's created and authorized events are in partition 0; its captured event comes last in
    partition 1, behind more than one fetch of other payments' events. Judged by the clock alone,
    x would be `stuck` as soon as partition 0 is read (its grace period ended long before
    AS_OF), then cleared. Judged as of what both partitions have been read up to, x is never
    stuck: the feed never shows it."""
    topic = "watch-hold"
    kafka_broker.create_topic(topic, 2)
    policy = write_policy(tmp_path, kafka_broker, topic, "watch-hold")
    data.write_jsonl(
        tmp_path / "report.jsonl",
        [{"payment_id": "x", "status": "completed", "amount": 1500, "currency": "EUR"}],
    )

    def event(pid: str, seq: int, etype: str, ts: str, **extra: str) -> bytes:
        row = {"payment_id": pid, "event_id": f"{pid}-e{seq}", "seq": seq, "type": etype}
        row |= {"ts": ts, "amount": 1500, "currency": "EUR", **extra}
        return json.dumps(row).encode()

    # 2 MB of other payments first: more than one fetch (1 MB per partition by default).
    filler = [
        (1, None, event(f"f{i}", 1, "created", "2026-11-10T10:00:00Z", note="n" * 16_000))
        for i in range(128)
    ]
    produce(
        kafka_broker,
        topic,
        [
            (0, None, event("x", 1, "created", "2026-11-10T10:00:00Z")),
            (0, None, event("x", 2, "authorized", "2026-11-10T10:00:01Z")),
            *filler,
            (1, None, event("x", 3, "captured", "2026-11-10T10:00:02Z")),
        ],
    )
    out = io.StringIO()
    argv = ["--exit-when-idle", "--batch", "1", "--judge-interval", "0.001"]
    code = cli.main(watch_args(tmp_path, policy, *argv), out=out)
    assert code == 0, out.getvalue()
    lines = [
        json.loads(x)
        for x in (tmp_path / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [d for d in lines if d["payment_id"] == "x"] == []
    # The fillers are judged (never reported, left in created): the watcher did judge.
    assert {d["class"] for d in lines if d["payment_id"] == "f0"} >= {"stuck"}
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["judging_as_of"] == AS_OF  # every partition at its end: the clock itself


def test_system_clock_judges_a_payment_once_its_grace_period_has_passed(
    tmp_path: Path, kafka_broker: KafkaBroker
) -> None:
    """Under the system clock, a payment left in `authorized` becomes `stuck`, and a completed
    payment the report still shows as pending a `status_mismatch`, only once the grace period
    (2 s here) after their last event has passed: never earlier, by the findings' own clock."""
    from datetime import UTC, datetime, timedelta

    topic = "watch-clock"
    kafka_broker.create_topic(topic, PARTITIONS)
    policy = write_policy(tmp_path, kafka_broker, topic, "watch-clock")
    doc = yaml.safe_load(policy.read_text(encoding="utf-8"))
    doc["gates"]["reconcile"]["grace_period"] = "2s"
    policy.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    data.write_jsonl(
        tmp_path / "report.jsonl",
        [
            {"payment_id": "s1", "status": "pending", "amount": 1500, "currency": "EUR"},
            {"payment_id": "c1", "status": "pending", "amount": 1500, "currency": "EUR"},
        ],
    )
    last = datetime.now(UTC).replace(microsecond=0)
    rows = []
    for pid, types in (
        ("s1", ["created", "authorized"]),
        ("c1", ["created", "authorized", "captured"]),
    ):
        for i, etype in enumerate(types):
            ts = last - timedelta(seconds=len(types) - 1 - i)
            rows.append(
                {
                    "payment_id": pid,
                    "event_id": f"{pid}-e{i + 1}",
                    "seq": i + 1,
                    "type": etype,
                    "ts": ts.isoformat().replace("+00:00", "Z"),
                    "amount": 1500,
                    "currency": "EUR",
                }
            )
    produce(
        kafka_broker,
        topic,
        [(i % PARTITIONS, None, json.dumps(r).encode()) for i, r in enumerate(rows)],
    )
    argv = [
        sys.executable,
        "-m",
        "gates",
        *watch_args(tmp_path, policy, "--metrics-interval", "0.1"),
    ]
    argv.remove("--as-of")
    argv.remove(AS_OF)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    metrics = tmp_path / "metrics.json"
    try:
        for _ in range(1200):  # a readiness deadline of 60 s, not an assertion on speed
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
            else:
                raise AssertionError(proc.stderr.read() if proc.stderr else b"")
            try:
                found = json.loads(metrics.read_text(encoding="utf-8"))["findings"]
            except (FileNotFoundError, ValueError):
                continue
            if found["stuck"] and found["status_mismatch"]:
                break
        else:
            raise AssertionError("no stuck payment within 60 s")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
    lines = [
        json.loads(x)
        for x in (tmp_path / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert sorted((d["event"], d["class"], d["payment_id"]) for d in lines) == [
        ("finding", "status_mismatch", "c1"),
        ("finding", "stuck", "s1"),
    ]
    for d in lines:
        judged_at = datetime.fromisoformat(d["as_of"].replace("Z", "+00:00"))
        assert judged_at >= last + timedelta(seconds=2)
