"""The watcher's clocks: judge nothing later than what every partition has been read up to.

A payment is `stuck` (or its report status overdue) when no event followed its last one within the
grace period; its events make a legal sequence when none is missing. The watcher can only know
either about events it has read: when a payment's events are spread over several partitions and
one partition is read later than another (a consumer starting up, a rebalance, a lagging fetch),
judging on arrival and by the wall clock declares a payment `stuck`, or its sequence broken, while
the event that settles it is already in the topic, unread, and clears the finding a moment later.

So the watcher keeps an event-time watermark, as stream processors do:

- per assigned partition, the latest event time read from it (`read`); a partition at its end
  (`at_end`, until `message` reports one from it again) is read up to any time;
- the watermark is the lowest of those: every event up to it has been read. A payment is judged on
  its new events only once the watermark has reached its latest event time;
- the judging clock is the watermark, never later than the base clock (the system clock or the
  fixed `--as-of`), and never moving back (a judgement once made is not unmade by a late read):
  a grace period ends by that clock;
- a partition not read yet (just assigned) has no watermark: new events wait, and the clock stays
  where it was; at the start there is no clock, and nothing is judged.

The assumption, as with any watermark: within one partition, events arrive in event-time order. An
event older than its partition's latest (written late by its producer) may find its payment
already judged; the payment is judged again when it arrives, and the feed logs what cleared.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

END = datetime.max.replace(tzinfo=UTC)  # the watermark when every partition is at its end


class EventClock:
    """The watermark over the assigned partitions. Pure: the caller reports what it read."""

    def __init__(self) -> None:
        self._read_up_to: dict[int, datetime | None] = {}
        self._at_end: set[int] = set()
        self._last: datetime | None = None

    def assign(self, partitions: Iterable[int]) -> None:
        for p in partitions:
            self._read_up_to.setdefault(p, None)

    def revoke(self, partitions: Iterable[int]) -> None:
        for p in partitions:
            self._read_up_to.pop(p, None)
            self._at_end.discard(p)

    def message(self, partition: int) -> None:
        """A message was read from `partition`: it is no longer at its end."""
        self._at_end.discard(partition)

    def read(self, partition: int, event_time: datetime) -> None:
        """An event with this time was read from `partition`."""
        if partition not in self._read_up_to:  # revoked meanwhile
            return
        seen = self._read_up_to[partition]
        if seen is None or event_time > seen:
            self._read_up_to[partition] = event_time

    def at_end(self, partition: int) -> None:
        """`partition` has been read to its end (until `message` reports a new one)."""
        if partition in self._read_up_to:
            self._at_end.add(partition)

    def watermark(self) -> datetime | None:
        """Every event up to this time has been read (`END`: every partition is at its end);
        None while some assigned partition has not been read at all."""
        if not self._read_up_to:
            return None
        bound = END
        for p, seen in self._read_up_to.items():
            if p in self._at_end:
                continue
            if seen is None:
                return None
            bound = min(bound, seen)
        return bound

    def time(self, base: datetime) -> datetime | None:
        """The time to judge grace periods as of: the watermark, not later than `base`, never
        moving back; None before there has been a watermark."""
        mark = self.watermark()
        if mark is not None:
            now = min(mark, base)
            if self._last is None or now > self._last:
                self._last = now
        return self._last
