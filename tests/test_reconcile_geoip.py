"""GeoIP: the IP country comes from a real MaxMind database, the same on every engine.

A small `.mmdb` is built with mmdb-writer (reconcile_data.build_mmdb: an IPv4 network in DE, one
in US, an IPv6 network in FR); the payments' addresses fall in each, in no network, or are not
addresses at all.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gates.checks.reconcile import config as config_mod
from gates.checks.reconcile.engine import reconcile
from gates.checks.reconcile.engine_duckdb import DuckDBEngine
from gates.checks.reconcile.engine_postgres import PostgresEngine
from gates.checks.reconcile.model import ReconcileResult
from gates.checks.reconcile.sources import parse_source
from gates.checks.reconcile.sources_postgres import PostgresSource
from gates.errors import InvalidInput
from tests import reconcile_parity_data as data
from tests.reconcile_data import bare_samples, build_mmdb, uncited, unplaced
from tests.reconcile_servers import PostgresServer, engine_named

# payment id -> (address on its creation event, its card/billing country)
PAYMENTS = {
    "g01": ("192.0.2.7", "DE"),  # IPv4, same country
    "g02": ("198.51.100.9", "DE"),  # IPv4 in the US, card from DE
    "g03": ("2001:db8::1", "FR"),  # IPv6, same country
    "g04": ("2001:db8:ffff::5", "DE"),  # IPv6 in FR, card from DE
    "g05": ("203.0.113.5", "DE"),  # in no network of the database
    "g06": ("not-an-ip", "DE"),  # not an address: the row is unreadable
    "g07": (" 192.0.2.8 ", "DE"),  # padded: trimmed like every text value
    "g08": (None, "DE"),  # no address: not checked
}


class ListSink:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def write(self, batch: Any) -> None:
        self.rows.extend(batch.to_pylist())


def section(database: str = "geo/test.mmdb") -> dict[str, Any]:
    out = copy.deepcopy(dict(data.SECTION))
    out["geo"] = {"ip_database": database}
    del out["tax"]
    del out["columns"]["report"]["tax"]
    out["columns"]["events"]["ip"] = "ip"
    return out


def _rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    events, report = [], []
    for pid, (ip, country) in PAYMENTS.items():
        for seq, etype in enumerate(("created", "authorized", "captured"), start=1):
            events.append(
                {
                    "payment_id": pid,
                    "event_id": f"{pid}-{seq}",
                    "seq": seq,
                    "type": etype,
                    "ts": f"2026-11-10T10:0{seq}:00Z",
                    "amount": 1500,
                    "currency": "EUR",
                    "country": country,
                    "region": "eu-west",
                    "ip": ip if seq == 1 else None,
                }
            )
        report.append({**data._row(pid, "completed", country=country), "tax": None})
    return events, report


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("geoip")
    (root / "geo").mkdir()
    build_mmdb(root / "geo" / "test.mmdb")
    events, report = _rows()
    for name, rows in (("events.jsonl", events), ("report.jsonl", report)):
        (root / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root


JSONL = ({"kind": "jsonl", "path": "events.jsonl"}, {"kind": "jsonl", "path": "report.jsonl"})


def _run(
    root: Path,
    engine: Any,
    sec: dict[str, Any] | None = None,
    specs: tuple[dict[str, Any], dict[str, Any]] = JSONL,
) -> Any:
    cfg = config_mod.parse(sec or section(), file="policy.yaml")
    ev = parse_source(specs[0], root=root, file="p", field="e")
    rp = parse_source(specs[1], root=root, file="p", field="r")
    sink = ListSink()
    result = reconcile(engine, cfg, ev, rp, as_of=data.AS_OF, sink=sink, root=root)
    return result, sink.rows


@pytest.fixture(scope="module")
def reference(root: Path) -> tuple[ReconcileResult, list[dict[str, Any]]]:
    with DuckDBEngine(threads=2) as engine:
        result, rows = _run(root, engine)
    return result, rows


def test_duckdb_places_every_address(
    reference: tuple[ReconcileResult, list[dict[str, Any]]],
) -> None:
    result, rows = reference
    found = bare_samples(result)
    assert found == {
        # g06's creation event (the one with the address) is unreadable: g06 is judged only as
        # unreadable (its other events, starting mid-way, would only repeat that one bad cell)
        "geo_ip_mismatch": ("g02", "g04"),
        "geo_unknown_ip": ("g05",),
        "unreadable": ("events: bad ip (payment g06, event g06-1, at events.jsonl:16)",),
    }
    assert [(r["payment_id"], r["detail"]) for r in rows if r["class"].startswith("geo_")] == [
        ("g02", "IP address in US, payment country DE"),
        ("g04", "IP address in FR, payment country DE"),
        ("g05", "IP address not in the GeoIP database"),
    ]
    assert ("DE", "geo_ip_mismatch", 2) in result.geo


@pytest.mark.parametrize("engine_name", ["postgres", "spark"])
def test_engines_join_the_same_ip_map(
    engine_name: str,
    root: Path,
    reference: tuple[ReconcileResult, list[dict[str, Any]]],
    postgres_server: PostgresServer,
    request: pytest.FixtureRequest,
) -> None:
    engine = engine_named(engine_name, postgres_server, request, label="geoip")
    with engine:
        result, rows = _run(root, engine)
    ref, ref_rows = reference
    assert (result.classes, result.unreadable, result.geo, result.audit) == (
        ref.classes,
        ref.unreadable,
        ref.geo,
        ref.audit,
    )
    assert rows == ref_rows


def test_postgres_pushdown_uploads_only_the_ip_map(
    root: Path,
    reference: tuple[ReconcileResult, list[dict[str, Any]]],
    postgres_server: PostgresServer,
) -> None:
    """Both sources in one database: the plan runs there, with the mapping uploaded beside."""
    url = postgres_server.create_database("geoip")
    events, report = _rows()
    data.write_postgres(url, "events", events, data.EVENT_FIELDS)
    data.write_postgres(url, "report", report, data.REPORT_FIELDS)
    specs = (
        {"kind": "postgres", "url": url, "table": "events"},
        {"kind": "postgres", "url": url, "table": "report"},
    )
    server = PostgresSource(display_url="geoip", url=url, table="events")
    with PostgresEngine(server) as engine:
        result, rows = _run(root, engine, specs=specs)
    ref, ref_rows = reference
    # a table's rows cite their ctid in samples and examples; the JSONL reference's its lines
    ref = replace(
        ref,
        classes=tuple(uncited(c) for c in ref.classes),
        unreadable=tuple(
            replace(u, examples=tuple(unplaced(e) for e in u.examples)) for u in ref.unreadable
        ),
    )
    result = replace(
        result,
        classes=tuple(uncited(c) for c in result.classes),
        unreadable=tuple(
            replace(u, examples=tuple(unplaced(e) for e in u.examples)) for u in result.unreadable
        ),
    )
    assert (result.classes, result.unreadable, result.geo, result.audit) == (
        ref.classes,
        ref.unreadable,
        ref.geo,
        ref.audit,
    )
    assert [{**r, "detail": unplaced(r["detail"])} for r in rows] == ref_rows


@pytest.mark.parametrize(
    ("database", "problem"),
    [
        ("../test.mmdb", "leaves the repository"),
        ("geo/none.mmdb", "matches no file"),
        ("events.jsonl", "cannot open as a MaxMind database"),
    ],
    ids=["escape", "missing", "not-mmdb"],
)
def test_bad_database_is_invalid_input(root: Path, database: str, problem: str) -> None:
    with DuckDBEngine(threads=1) as engine, pytest.raises(InvalidInput, match=problem):
        _run(root, engine, section(database))


def test_database_needs_an_ip_column() -> None:
    sec = section()
    del sec["columns"]["events"]["ip"]
    with pytest.raises(InvalidInput, match="needs an ip column"):
        config_mod.parse(sec, file="policy.yaml")


def test_report_side_address_when_events_have_none(tmp_path: Path) -> None:
    (tmp_path / "geo").mkdir()
    build_mmdb(tmp_path / "geo" / "test.mmdb")
    events, report = [], []
    for pid, ip in (("r1", "192.0.2.1"), ("r2", "198.51.100.1"), ("r3", "203.0.113.1")):
        events += [
            {k: v for k, v in r.items() if k != "ip"}
            for r in _rows()[0]
            if r["payment_id"] == "g01"
        ]
        for r in events[-3:]:
            r["payment_id"], r["event_id"] = pid, r["event_id"].replace("g01", pid)
        report.append({**data._row(pid, "completed"), "tax": None, "ip": ip})
    for name, rows in (("events.jsonl", events), ("report.jsonl", report)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    sec = section()
    del sec["columns"]["events"]["ip"]
    sec["columns"]["report"]["ip"] = "ip"
    with DuckDBEngine(threads=1) as engine:
        result, _ = _run(tmp_path, engine, sec)
    assert bare_samples(result) == {
        "geo_ip_mismatch": ("r2",),
        "geo_unknown_ip": ("r3",),
    }


def test_command_resolves_the_database_in_the_repository(tmp_path: Path) -> None:
    import argparse
    import io

    from gates.checks.reconcile import command
    from tests.reconcile_data import lifecycle, rep, write_data

    ok = ["created", "authorized", "captured"]
    events = lifecycle("p1", ok) + lifecycle("p2", ok)
    events[0]["ip"], events[3]["ip"] = "192.0.2.10", "198.51.100.10"  # DE, US; both pay from DE
    write_data(tmp_path, events, [rep("p1", "completed"), rep("p2", "completed")])
    (tmp_path / "geo").mkdir()
    build_mmdb(tmp_path / "geo" / "test.mmdb")
    (tmp_path / "policy.yaml").write_text(
        "version: 1\nextends: reconcile-card-lifecycle\ngates:\n  reconcile:\n"
        "    columns: {events: {ip: ip}}\n    geo: {ip_database: geo/test.mmdb}\n",
        encoding="utf-8",
    )
    parser = argparse.ArgumentParser(prog="gates")
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(
        [
            *("reconcile", "--policy", str(tmp_path / "policy.yaml"), "--root", str(tmp_path)),
            *("--as-of", "2026-11-25T12:00:00Z"),
        ]
    )
    out = io.StringIO()
    code = command.run(args, out)
    lines = out.getvalue().splitlines()
    assert code == 0, lines  # geo_ip_mismatch is medium in the shipped policy: reported only
    assert "geo_ip_mismatch              1         10.00 EUR" in lines
    assert "geo_unknown_ip               0" in lines
    assert lines[-1] == "verdict: pass"


def test_missing_reader_cannot_run_and_names_the_extra(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from gates.errors import GateCannotRun

    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name == "maxminddb" else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with DuckDBEngine(threads=1) as engine, pytest.raises(GateCannotRun) as info:
        _run(root, engine)
    assert info.value.fix == "pip install 'release-gates[geoip]'"


def test_the_geoip_database_is_a_trust_file() -> None:
    """A change under review cannot swap the database that judges it without a sign-off."""
    from gates.trust import trust_files

    document = {"gates": {"reconcile": {"geo": {"ip_database": "geo/test.mmdb"}}}}
    files = trust_files(document, [])
    assert [(f.path, f.role) for f in files if f.path.startswith("geo/")] == [
        ("geo/test.mmdb", "GeoIP database")
    ]
    assert not [f for f in trust_files({}, []) if f.path.startswith("geo/")]
