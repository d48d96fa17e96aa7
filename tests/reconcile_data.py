"""Test helpers for the reconcile gate: the shipped card-lifecycle policy and data writers."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from gates.checks.reconcile import config as config_mod
from gates.checks.reconcile.engine import reconcile
from gates.checks.reconcile.engine_duckdb import DuckDBEngine
from gates.checks.reconcile.model import ClassSummary, ReconcileResult
from gates.checks.reconcile.sources import parse_source

AS_OF = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
REPORT_FIELDS = ("payment_id", "status", "amount", "currency", "region", "updated_at")


def card_section() -> dict[str, Any]:
    """The `gates: reconcile:` section of the shipped card-lifecycle policy (a fresh copy)."""
    text = resources.files("gates").joinpath("policies/reconcile-card-lifecycle.yaml").read_text()
    doc = yaml.safe_load(text)
    section: dict[str, Any] = doc["gates"]["reconcile"]
    return section


def ev(
    pid: str | None, seq: int, kind: str, at: str = "2026-11-20T10:00", **extra: Any
) -> dict[str, Any]:
    """One event; `at` is minutes-resolution UTC, `seq` also sets a unique event id."""
    row: dict[str, Any] = {
        "payment_id": pid,
        "event_id": f"{pid}-{seq}",
        "seq": seq,
        "type": kind,
        "occurred_at": f"{at}:{seq:02d}Z",
    }
    row.update(extra)
    return row


def lifecycle(
    pid: str,
    kinds: Sequence[str],
    *,
    amount: int = 1000,
    currency: str = "EUR",
    country: str = "DE",
    region: str = "eu-central-1",
    at: str = "2026-11-20T10:00",
) -> list[dict[str, Any]]:
    """A payment's events in order; the first carries amount, currency and country."""
    rows = [ev(pid, i + 1, k, at, region=region) for i, k in enumerate(kinds)]
    rows[0].update(amount=amount, currency=currency, country=country)
    return rows


def rep(
    pid: str,
    status: str,
    amount: str = "10.00",
    currency: str = "EUR",
    region: str = "eu-central-1",
    updated_at: str = "2026-11-20T11:00:00Z",
) -> dict[str, str]:
    return {
        "payment_id": pid,
        "status": status,
        "amount": amount,
        "currency": currency,
        "region": region,
        "updated_at": updated_at,
    }


def jsonl(rows: Iterable[Mapping[str, Any] | str]) -> str:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, sort_keys=True)) + "\n" for r in rows
    )


def report_csv(rows: Iterable[Mapping[str, str]], fields: Sequence[str] = REPORT_FIELDS) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(dict(row))
    return buf.getvalue()


def write_data(
    root: Path, events: Iterable[Mapping[str, Any] | str], report: Iterable[Mapping[str, str]]
) -> None:
    (root / "data" / "events").mkdir(parents=True, exist_ok=True)
    (root / "data" / "events" / "part-1.jsonl").write_text(jsonl(events), encoding="utf-8")
    (root / "data" / "report.csv").write_text(report_csv(report), encoding="utf-8")


def run_section(
    root: Path, section: Mapping[str, Any], *, as_of: datetime = AS_OF
) -> ReconcileResult:
    cfg = config_mod.parse(section, file="policy.yaml")
    assert cfg.events_source is not None
    assert cfg.report_source is not None
    events = parse_source(cfg.events_source, root=root, file="policy.yaml", field="events")
    report = parse_source(cfg.report_source, root=root, file="policy.yaml", field="report")
    with DuckDBEngine() as engine:
        return reconcile(engine, cfg, events, report, as_of=as_of)


def bare_samples(result: ReconcileResult) -> dict[str, tuple[str, ...]]:
    """Class -> samples without the rows' positions (unreadable examples keep theirs), for
    classes with any discrepancy."""
    return {
        c.cls.value: tuple(s if c.cls.value == "unreadable" else unplaced(s) for s in c.samples)
        for c in result.classes
        if c.count
    }


def uncited(c: ClassSummary) -> ClassSummary:
    """A class summary without positions or citations: sources cite differently (file lines,
    ctids, offsets), so answers are compared across sources without them."""
    return replace(
        c,
        samples=tuple(sorted(unplaced(s) for s in c.samples)),
        listed=tuple(sorted(unplaced(s) for s in c.listed)),
        citations=(),
    )


def samples(result: ReconcileResult) -> dict[str, set[str]]:
    """Class -> sample ids, for classes with any discrepancy (without the citations of file
    rows, which citations.apply adds; unreadable examples keep theirs)."""
    return {
        c.cls.value: {s if c.cls.value == "unreadable" else unplaced(s) for s in c.samples}
        for c in result.classes
        if c.count
    }


# The networks of the test GeoIP database (documentation ranges, RFC 5737 and RFC 3849).
NETWORKS = {"192.0.2.0/24": "DE", "198.51.100.0/24": "US", "2001:db8::/32": "FR"}


def build_mmdb(path: Path) -> None:
    """A small MaxMind country database (IPv4 and IPv6) at `path`, built with mmdb-writer."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, database_type="GeoIP2-Country", ipv4_compatible=True)
    for network, country in NETWORKS.items():
        writer.insert_network(IPSet([network]), {"country": {"iso_code": country}})
    writer.to_db_file(str(path))


_POSITION = re.compile(r", at .*\)$| \(at .*\)$")


def unplaced(text: str) -> str:
    """A sample or example without the rows' positions: only some sources know them (Kafka
    offsets, PostgreSQL ctids), so answers are compared across sources without them."""
    return _POSITION.sub(lambda m: ")" if m.group().startswith(",") else "", text)
