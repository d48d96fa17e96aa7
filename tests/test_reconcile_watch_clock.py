"""The watcher's event-time watermark and judging clock (watch_clock.py), as pure logic; the
real-broker behaviour is in test_reconcile_watch.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gates.checks.reconcile.watch_clock import END, EventClock

T0 = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 6, tzinfo=UTC)


def s(n: int) -> datetime:
    return T0 + timedelta(seconds=n)


def test_no_clock_until_every_partition_has_been_read() -> None:
    clock = EventClock()
    assert clock.time(NOW) is None  # nothing assigned
    clock.assign([0, 1])
    clock.read(0, s(5))
    assert clock.watermark() is None
    assert clock.time(NOW) is None
    clock.read(1, s(3))
    assert clock.watermark() == s(3)
    assert clock.time(NOW) == s(3)


def test_the_lowest_partition_bounds_the_clock_and_an_ended_one_does_not() -> None:
    clock = EventClock()
    clock.assign([0, 1, 2])
    clock.read(0, s(9))
    clock.read(1, s(4))
    clock.at_end(2)  # an empty partition, read to its end
    assert clock.time(NOW) == s(4)
    clock.at_end(1)
    assert clock.watermark() == s(9)
    clock.at_end(0)
    assert clock.watermark() == END
    assert clock.time(NOW) == NOW  # never later than the base clock


def test_the_clock_never_moves_back_but_the_watermark_does() -> None:
    clock = EventClock()
    clock.assign([0, 1])
    clock.at_end(0)
    clock.at_end(1)
    assert clock.time(NOW) == NOW
    clock.message(1)  # a new message: partition 1 is no longer at its end
    clock.read(1, s(1))  # ... and it is old
    assert clock.watermark() == s(1)  # fresh events newer than this wait
    assert clock.time(NOW + timedelta(seconds=5)) == NOW  # judged grace periods stay judged


def test_an_event_older_than_its_partitions_latest_does_not_lower_it() -> None:
    clock = EventClock()
    clock.assign([0])
    clock.read(0, s(7))
    clock.read(0, s(2))
    assert clock.watermark() == s(7)


def test_a_message_after_the_end_counts_even_when_unreadable() -> None:
    clock = EventClock()
    clock.assign([0, 1])
    clock.read(0, s(2))
    clock.at_end(1)
    assert clock.watermark() == s(2)
    clock.message(1)  # e.g. poison: no event time, but the partition is being read again
    assert clock.watermark() is None


def test_rebalance_a_new_partition_holds_the_clock_a_revoked_one_no_longer_counts() -> None:
    clock = EventClock()
    clock.assign([0])
    clock.read(0, s(6))
    assert clock.time(NOW) == s(6)
    clock.assign([1])
    assert clock.watermark() is None
    assert clock.time(NOW) == s(6)  # held where it was
    clock.revoke([1])
    clock.read(1, s(99))  # a message of the revoked partition, still in the batch
    clock.at_end(1)
    assert clock.watermark() == s(6)
    clock.at_end(0)
    assert clock.time(NOW) == NOW
