"""The watcher's findings: which rows of a judgement it keeps, their keys and their log lines.

A judgement runs the batch plan on the judged payments' events (watch_judge.py); the rows it
keeps are those of the judged payments, plus unreadable event rows without a readable payment id.
Each kept row is keyed by (class, subject): the subject is the payment id, or for an unreadable
row its description (which cites `topic[partition]@offset`), numbered when two rows read the same,
so every row counts once however often it is judged. A log line is the finding's JSON, masked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from gates import redact
from gates.checks.reconcile.model import DiscrepancyClass
from gates.record import record


@record
class Discrepancy:
    """One discrepancy row of the plan (plan.DISCREPANCY_COLUMNS)."""

    cls: str
    payment_id: str | None
    detail: str
    currency: str | None
    amount: int | None
    country: str | None
    day: str | None


def pkey_of(payment_id: str) -> str:
    return "p:" + payment_id


def belongs(f: Discrepancy, keys: set[str]) -> bool:
    """A discrepancy of a judged payment, or an event row without a readable payment id. Report
    rows of payments without events are the batch command's to judge (the watcher follows events)."""
    if f.payment_id is not None:
        return pkey_of(f.payment_id) in keys
    return f.cls == DiscrepancyClass.UNREADABLE.value and f.detail.startswith("events: ")


def with_subjects(found: Iterable[Discrepancy]) -> list[tuple[str, str, str | None, Discrepancy]]:
    """(class, subject, pkey, row): the subject is the payment id, or for unreadable rows their
    description, numbered when two rows read the same (so every row counts once)."""
    out: list[tuple[str, str, str | None, Discrepancy]] = []
    seen: dict[tuple[str, str], int] = {}
    for f in found:
        pkey = pkey_of(f.payment_id) if f.payment_id is not None else None
        if f.cls == DiscrepancyClass.UNREADABLE.value:
            base = f.detail
        else:
            assert f.payment_id is not None  # every other class is a payment's
            base = f.payment_id
        n = seen.get((f.cls, base), 0)
        seen[(f.cls, base)] = n + 1
        out.append((f.cls, base if n == 0 else f"{base} #{n + 1}", pkey, f))
    return out


def log_line(event: str, row: tuple[object, ...], as_of: str) -> str:
    cls, _subject, _pkey, pid, detail, currency, amount, country, day = row
    doc: Mapping[str, object] = {
        "event": event,
        "class": cls,
        "payment_id": pid,
        "detail": detail,
        "currency": currency,
        "amount": amount,
        "country": country,
        "day": day,
        "as_of": as_of,
    }
    return json.dumps(redact.DEFAULT.value(dict(doc)), sort_keys=True)


def with_seq(line: str, seq: int) -> str:
    doc = json.loads(line)
    doc["seq"] = seq
    return json.dumps(doc, sort_keys=True)
