"""The watcher's state store and findings feed, without a broker: redelivery is a no-op, a
payment is judged when fresh and again when its grace period has passed, findings are replaced
(not added to) when a payment is judged again, a torn feed line is cut off and rewritten, and
the command's usage errors are exit 2 before anything is created."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from gates import cli
from gates.checks.reconcile import config as config_mod
from gates.checks.reconcile.watch_feed import Feed
from gates.checks.reconcile.watch_findings import Discrepancy
from gates.checks.reconcile.watch_state import RawMessage, WatchState
from tests import reconcile_parity_data as data

EARLY = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # p01's events are at 10:0x that day
LATE = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def _state(tmp_path: Path) -> WatchState:
    cfg = config_mod.parse(data.SECTION, file="policy")
    return WatchState(tmp_path / "s.duckdb", topic="t", cfg=cfg, file="policy")


def _msgs() -> list[RawMessage]:
    rows = [r for r in data.events() if r["payment_id"] == "p01"]
    out = [
        RawMessage(partition=0, offset=i, value=json.dumps(r), bad=None) for i, r in enumerate(rows)
    ]
    out.append(RawMessage(partition=1, offset=0, value="{oops", bad=None))
    return out


def _finding(cls: str, pid: str) -> Discrepancy:
    return Discrepancy(
        cls=cls, payment_id=pid, detail="d", currency="EUR", amount=1, country="DE", day=None
    )


def test_a_redelivered_message_changes_nothing(tmp_path: Path) -> None:
    state = _state(tmp_path)
    try:
        state.ingest(_msgs())
        assert state.due(EARLY, 10) == ["o:t[1]@0", "p:p01"]
        state.apply(state.due(EARLY, 10), [], now=EARLY, as_of="x")
        # p01 is no longer fresh and its grace period (24h) has not passed; the bad row is done.
        assert state.due(EARLY, 10) == []
        state.ingest(_msgs()[1:])  # delivered again after a crash
        assert state.due(EARLY, 10) == []
        tombstone = RawMessage(partition=2, offset=0, value=None, bad="empty message")
        state.ingest([tombstone, tombstone])  # the same position twice in one batch
        assert state.due(EARLY, 10) == ["o:t[2]@0"]
        assert state.stats()["messages"] == 5
        assert state.positions() == {0: 3, 1: 1, 2: 1}
        assert state.due(LATE, 10) == ["o:t[2]@0", "p:p01"]
    finally:
        state.close()


def test_fresh_events_wait_for_the_watermark_and_ingest_reports_it(tmp_path: Path) -> None:
    """A payment with new events is judged only once every partition has been read up to its
    latest event; a message without an event time is judged at once; ingest returns the latest
    event time per partition, the watermark's input."""
    state = _state(tmp_path)
    try:
        rows = [r for r in data.events() if r["payment_id"] == "p01"]
        latest = state.ingest(_msgs())
        assert latest == {0: max(datetime.fromisoformat(r["ts"]) for r in rows)}
        last = latest[0]
        assert state.due(EARLY, 10, read_up_to=None) == ["o:t[1]@0"]
        assert state.due(EARLY, 10, read_up_to=last - timedelta(seconds=1)) == ["o:t[1]@0"]
        assert state.due(EARLY, 10, read_up_to=last) == ["o:t[1]@0", "p:p01"]
        assert state.due(LATE, 10, read_up_to=None) == ["o:t[1]@0", "p:p01"]  # grace passed
    finally:
        state.close()


def test_judging_again_replaces_findings_and_logs_what_changed(tmp_path: Path) -> None:
    state = _state(tmp_path)
    try:
        state.ingest(_msgs())
        keys = ["p:p01"]
        state.apply(
            keys, [_finding("stuck", "p01"), _finding("stuck", "p99")], now=EARLY, as_of="a"
        )
        assert state.counts()["stuck"] == 1  # p99 was not judged: not kept
        state.apply(keys, [_finding("stuck", "p01")], now=EARLY, as_of="b")
        assert state.counts()["stuck"] == 1
        state.apply(keys, [_finding("status_mismatch", "p01")], now=LATE, as_of="c")
        assert state.counts()["stuck"] == 0
        assert state.counts()["status_mismatch"] == 1
        events = [
            (json.loads(line)["event"], json.loads(line)["class"]) for _, line in state.log_after(0)
        ]
        assert events == [
            ("finding", "stuck"),
            ("finding", "status_mismatch"),
            ("cleared", "stuck"),
        ]
        assert state.due(LATE, 10) == ["o:t[1]@0"]  # the unreadable message was not judged yet
    finally:
        state.close()


def test_a_torn_feed_line_is_cut_off_and_written_again(tmp_path: Path) -> None:
    state = _state(tmp_path)
    feed_path = tmp_path / "findings.jsonl"
    try:
        state.ingest(_msgs())
        state.apply(
            ["p:p01"],
            [_finding("stuck", "p01"), _finding("tax_mismatch", "p01")],
            now=EARLY,
            as_of="a",
        )
        Feed(feed_path).catch_up(state)
        whole = feed_path.read_bytes()
        feed_path.write_bytes(whole[: len(whole) - 7])  # a crash in the middle of line 2
        assert Feed(feed_path).seq == 1
        assert feed_path.read_bytes() == whole[: whole.index(b"\n") + 1]
        Feed(feed_path).catch_up(state)
        assert feed_path.read_bytes() == whole
    finally:
        state.close()


@pytest.mark.parametrize(
    ("events", "extra", "message"),
    [
        ({"kind": "jsonl", "path": "e.jsonl"}, (), "events: the watcher reads a Kafka topic"),
        (
            {"kind": "kafka", "topic": "t", "bootstrap": "127.0.0.1:9"},
            (),
            "events.group: the watcher needs a consumer group",
        ),
        (
            {"kind": "kafka", "topic": "t", "bootstrap": "127.0.0.1:9", "group": "g"},
            ("--batch", "0"),
            "must be positive",
        ),
    ],
    ids=["not-kafka", "no-group", "batch-zero"],
)
def test_watch_usage_errors_are_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    events: dict[str, Any],
    extra: tuple[str, ...],
    message: str,
) -> None:
    section = {**data.SECTION, "events": events, "report": {"kind": "jsonl", "path": "r.jsonl"}}
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        yaml.safe_dump({"version": 1, "gates": {"reconcile": section}}), encoding="utf-8"
    )
    argv = ["reconcile", "watch", "--policy", str(policy), "--root", str(tmp_path)]
    argv += ["--state", str(tmp_path / "s.duckdb"), "--findings", str(tmp_path / "f.jsonl")]
    argv += ["--metrics", str(tmp_path / "m.json"), *extra]
    assert cli.main(argv, out=io.StringIO()) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "s.duckdb").exists()
