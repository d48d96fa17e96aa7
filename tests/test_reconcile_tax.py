"""Tax rules: the expected tax is exact, and DuckDB, PostgreSQL and Spark round it the same way.

Every rounding mode, inclusive and exclusive, is swept over amounts that land on .5 boundaries,
refunds (negative amounts), zero and 18-digit amounts. The report states the reference tax (Python
`decimal`, 60 digits) plus one minor unit, so every payment is a mismatch whose detail carries the
engine's expected tax: each engine's answer is pinned to the reference, payment by payment.
"""

from __future__ import annotations

import copy
import decimal
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gates.checks.reconcile import config as config_mod
from gates.checks.reconcile.engine import reconcile
from gates.checks.reconcile.engine_duckdb import DuckDBEngine
from gates.checks.reconcile.model import DiscrepancyClass, ReconcileResult
from gates.checks.reconcile.plan import evaluated_classes
from gates.checks.reconcile.sources import parse_source
from gates.checks.reconcile.tax import HUNDRED, RATE_SCALE, Rounding, TaxRule, with_expected_tax
from gates.errors import InvalidInput
from tests import reconcile_parity_data as data
from tests.reconcile_servers import PostgresServer, engine_named

MODES = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
}
# country -> (rate, inclusive, rounding): every mode, both kinds, a fractional rate.
RULES = {
    "XA": ("10%", False, "half_up"),
    "XB": ("10%", False, "half_even"),
    "XC": ("10%", False, "down"),
    "XD": ("10%", False, "up"),
    "XE": ("20%", True, "half_up"),
    "XF": ("20%", True, "half_even"),
    "XG": ("20%", True, "down"),
    "XH": ("20%", True, "up"),
    "XI": ("8.875%", False, "half_even"),
    "XJ": ("8.875%", True, "half_up"),
    "XK": ("100%", True, "half_even"),
    "XM": ("0.000001%", False, "up"),  # the smallest remainder there is: 1 / 10^8
}
# Exclusive 10% is amount/10 (.5 at 5, 15, 25); inclusive 20% is amount/6 (.5 at 3, 9, 15);
# 8.875% exclusive is .5 at 400 and 1200; 100% inclusive is amount/2.
AMOUNTS = (
    *(0, 1, 3, 4, 5, 6, 9, 14, 15, 16, 25, 400, 1200, 12345, 999_999_999_999_999_999),
    *(-1, -3, -5, -9, -15, -25, -400, -12345, -999_999_999_999_999_999),
)


class ListSink:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def write(self, batch: Any) -> None:
        self.rows.extend(batch.to_pylist())


def reference_tax(amount: int, rate: str, inclusive: bool, rounding: str) -> int:
    """The exact tax in minor units, by Python's decimal arithmetic (independent of the SQL)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        r = Decimal(rate.rstrip("%")) / 100
        exact = Decimal(amount) * r / (1 + r) if inclusive else Decimal(amount) * r
        return int(exact.quantize(Decimal(1), rounding=MODES[rounding]))


@pytest.mark.parametrize(
    ("amount", "rate", "inclusive", "expected"),
    [
        # amount, rate, inclusive -> (half_up, half_even, down, up)
        (5, "10%", False, (1, 0, 0, 1)),  # 0.5
        (15, "10%", False, (2, 2, 1, 2)),  # 1.5
        (25, "10%", False, (3, 2, 2, 3)),  # 2.5
        (-5, "10%", False, (-1, 0, 0, -1)),  # refund: -0.5
        (-25, "10%", False, (-3, -2, -2, -3)),
        (14, "10%", False, (1, 1, 1, 2)),  # 1.4
        (16, "10%", False, (2, 2, 1, 2)),  # 1.6
        (3, "20%", True, (1, 0, 0, 1)),  # 3 - 3/1.2 = 0.5
        (9, "20%", True, (2, 2, 1, 2)),  # 1.5
        (-9, "20%", True, (-2, -2, -1, -2)),
        (400, "8.875%", False, (36, 36, 35, 36)),  # 35.5
        (1200, "8.875%", False, (107, 106, 106, 107)),  # 106.5
        (1, "0.000001%", False, (0, 0, 0, 1)),  # 0.00000001
        (-1, "0.000001%", False, (0, 0, 0, -1)),
    ],
)
def test_reference_rounds_half_cases_as_documented(
    amount: int, rate: str, inclusive: bool, expected: tuple[int, int, int, int]
) -> None:
    got = tuple(reference_tax(amount, rate, inclusive, m) for m in MODES)
    assert got == expected


def _section(report_tax: bool = True) -> dict[str, Any]:
    section = copy.deepcopy(dict(data.SECTION))
    section["geo"] = {}
    section["tax"] = {
        c: {"rate": rate, "inclusive": inc, "rounding": mode}
        for c, (rate, inc, mode) in RULES.items()
    }
    section["tax"]["XL"] = {"rate": "10%", "inclusive": False, "rounding": "up", "tolerance": 1}
    if report_tax:
        section["columns"]["report"]["tax"] = "tax"
    else:
        del section["columns"]["report"]["tax"]
    return section


def _pid(country: str, amount: int) -> str:
    return f"{country}{'m' if amount < 0 else 'p'}{abs(amount):019d}"


def _rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    report: list[dict[str, Any]] = []
    for country in [*RULES, "XL"]:
        rate, inc, mode = RULES.get(country, ("10%", False, "up"))
        for amount in AMOUNTS:
            pid = _pid(country, amount)
            for seq, etype in enumerate(("created", "authorized", "captured"), start=1):
                events.append(
                    {
                        "payment_id": pid,
                        "event_id": f"{pid}-{seq}",
                        "seq": str(seq),
                        "type": etype,
                        "ts": f"2026-11-10T10:0{seq}:00Z",
                        "amount": str(amount),
                        "currency": "EUR",
                        "country": country,
                        "region": "eu-west",
                    }
                )
            report.append(
                {
                    "payment_id": pid,
                    "status": "completed",
                    "amount": str(amount),
                    "currency": "EUR",
                    "country": country,
                    "region": "eu-west",
                    # one minor unit more than the reference: every payment is a mismatch whose
                    # detail shows the engine's expected tax (XL tolerates it: none there)
                    "tax": str(reference_tax(amount, rate, inc, mode) + 1),
                }
            )
    report.append({**report[0], "payment_id": "bad-tax", "tax": "1.5"})  # not minor units
    return events, report


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tax")
    events, report = _rows()
    for name, rows in (("events.jsonl", events), ("report.jsonl", report)):
        (root / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root


def _run(root: Path, engine: Any, section: dict[str, Any] | None = None) -> tuple[Any, ...]:
    cfg = config_mod.parse(section or _section(), file="policy.yaml")
    ev = parse_source({"kind": "jsonl", "path": "events.jsonl"}, root=root, file="p", field="e")
    rp = parse_source({"kind": "jsonl", "path": "report.jsonl"}, root=root, file="p", field="r")
    sink = ListSink()
    result = reconcile(engine, cfg, ev, rp, as_of=data.AS_OF, sink=sink)
    return result, [r for r in sink.rows if r["class"] == "tax_mismatch"]


@pytest.fixture(scope="module")
def reference(root: Path) -> tuple[ReconcileResult, list[dict[str, Any]]]:
    with DuckDBEngine(threads=2) as engine:
        result, rows = _run(root, engine)
    return result, rows


def _expected_rows() -> list[dict[str, Any]]:
    out = []
    for country, (rate, inc, mode) in RULES.items():
        label = f"{rate} {'inclusive' if inc else 'exclusive'}, {mode}"
        for amount in AMOUNTS:
            tax = reference_tax(amount, rate, inc, mode)
            out.append(
                {
                    "class": "tax_mismatch",
                    "payment_id": _pid(country, amount),
                    "detail": f"report tax {tax + 1}, expected {tax} ({country} {label})",
                    "currency": "EUR",
                    "amount": 1,
                    "country": country,
                    "day": "2026-11-10",
                }
            )
    return sorted(out, key=lambda r: r["payment_id"])


def test_duckdb_expected_tax_is_the_reference(
    reference: tuple[ReconcileResult, list[dict[str, Any]]],
) -> None:
    result, rows = reference
    assert rows == _expected_rows()
    tax = next(c for c in result.classes if c.cls is DiscrepancyClass.TAX_MISMATCH)
    assert tax.count == len(RULES) * len(AMOUNTS)
    assert tax.amounts == (("EUR", len(RULES) * len(AMOUNTS)),)
    assert [(u.side.value, u.reason, u.count) for u in result.unreadable] == [
        ("report", "bad tax", 1)
    ]


@pytest.mark.parametrize("engine_name", ["postgres", "spark"])
def test_engines_round_tax_like_duckdb(
    engine_name: str,
    root: Path,
    reference: tuple[ReconcileResult, list[dict[str, Any]]],
    postgres_server: PostgresServer,
    request: pytest.FixtureRequest,
) -> None:
    engine = engine_named(engine_name, postgres_server, request, label="tax")
    with engine:
        result, rows = _run(root, engine)
    assert rows == reference[1]
    assert (result.classes, result.unreadable, result.audit) == (
        reference[0].classes,
        reference[0].unreadable,
        reference[0].audit,
    )


def test_unmapped_tax_column_is_not_checked(root: Path) -> None:
    cfg = config_mod.parse(_section(report_tax=False), file="policy.yaml")
    assert DiscrepancyClass.TAX_MISMATCH not in evaluated_classes(cfg)
    with DuckDBEngine(threads=2) as engine:
        result, rows = _run(root, engine, _section(report_tax=False))
    assert rows == []
    assert result.count(DiscrepancyClass.TAX_MISMATCH) == 0


def test_decimal_tax_uses_the_currency_minor_unit(tmp_path: Path) -> None:
    section = copy.deepcopy(dict(data.SECTION))
    section["geo"] = {}
    section["amounts"] = {"events": "minor_units", "report": "decimal"}
    section["columns"]["report"]["tax"] = "tax"
    section["regions"] = {"EEA": ["DE", "FR"]}
    section["tax"] = {
        "EEA": {"rate": "19%", "inclusive": True, "rounding": "half_up"},
        "FR": {"rate": "20%", "inclusive": True, "rounding": "half_up"},
        "JP": {"rate": "10%", "inclusive": False, "rounding": "down"},
    }
    cases = [  # pid, country, currency, minor amount, reported tax text
        ("de-ok", "DE", "EUR", 11900, "19.00"),  # 119.00 incl. 19% = 19.00
        ("de-bad", "DE", "EUR", 11900, "19.01"),
        ("fr-ok", "FR", "EUR", 12000, "20.00"),  # own rule, not EEA's 19%
        ("jp-ok", "JP", "JPY", 1999, "199"),  # 199.9 yen, down -> 199 (exponent 0)
        ("jp-bad", "JP", "JPY", 1999, "200"),
        ("us-none", "US", "USD", 1000, "99.00"),  # no rule: not checked
    ]
    events, report = [], []
    for pid, country, cur, amount, tax in cases:
        for seq, etype in enumerate(("created", "authorized", "captured"), start=1):
            events.append(
                {
                    "payment_id": pid,
                    "event_id": f"{pid}-{seq}",
                    "seq": seq,
                    "type": etype,
                    "ts": f"2026-11-10T10:0{seq}:00Z",
                    "amount": amount,
                    "currency": cur,
                    "country": country,
                    "region": "eu-west" if country != "US" else "us-east",
                }
            )
        major = Decimal(amount).scaleb(0 if cur == "JPY" else -2)
        report.append(
            {
                "payment_id": pid,
                "status": "completed",
                "amount": str(major),
                "currency": cur,
                "country": country,
                "region": "eu-west" if country != "US" else "us-east",
                "tax": tax,
            }
        )
    for name, rows in (("events.jsonl", events), ("report.jsonl", report)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with DuckDBEngine(threads=2) as engine:
        result, rows = _run(tmp_path, engine, section)
    assert [(r["payment_id"], r["detail"], r["currency"], r["amount"]) for r in rows] == [
        ("de-bad", "report tax 1901, expected 1900 (DE 19% inclusive, half_up)", "EUR", 1),
        ("jp-bad", "report tax 200, expected 199 (JP 10% exclusive, down)", "JPY", 1),
    ]
    assert result.count(DiscrepancyClass.AMOUNT_MISMATCH) == 0


@pytest.mark.parametrize(
    ("tax", "regions", "message"),
    [
        ({"DE": {"rate": "19", "inclusive": True, "rounding": "half_up"}}, {}, "percentage"),
        ({"DE": {"rate": "100.5%", "inclusive": True, "rounding": "up"}}, {}, "percentage"),
        ({"DE": {"rate": 19, "inclusive": True, "rounding": "up"}}, {}, "percentage"),
        ({"DE": {"rate": "19%", "inclusive": "yes", "rounding": "up"}}, {}, "true or false"),
        ({"DE": {"rate": "19%", "inclusive": True, "rounding": "bankers"}}, {}, "unknown rounding"),
        ({"DE": {"rate": "19%", "inclusive": True}}, {}, "needs rounding"),
        ({"DE": {"rate": "19%", "inclusive": True, "rounding": "up"}}, {"EEA": [False]}, "quote"),
        ({"EUROPE": {"rate": "19%", "inclusive": True, "rounding": "up"}}, {}, "country code or"),
        (
            {
                "EEA": {"rate": "19%", "inclusive": True, "rounding": "up"},
                "DACH": {"rate": "20%", "inclusive": True, "rounding": "up"},
            },
            {"EEA": ["DE", "FR"], "DACH": ["AT", "DE", "CH"]},
            "DE is in regions DACH and EEA",
        ),
    ],
    ids=[
        *("no-percent", "over-100", "number", "inclusive-text"),
        *("rounding", "missing", "norway", "region", "overlap"),
    ],
)
def test_bad_tax_rules_name_the_fix(
    tax: dict[str, Any], regions: dict[str, Any], message: str
) -> None:
    section = _section()
    section["tax"] = tax
    section["regions"] = regions
    with pytest.raises(InvalidInput, match=message):
        config_mod.parse(section, file="policy.yaml")


def test_regions_expand_for_geo_rules_and_own_entries_win() -> None:
    section = copy.deepcopy(dict(data.SECTION))
    section["regions"] = {"EEA": ["DE", "FR", "NO"]}
    section["geo"] = {"currencies": {"EEA": ["EUR"], "NO": ["NOK"]}}
    cfg = config_mod.parse(section, file="policy.yaml")
    assert cfg.geo_currencies == (("DE", ("EUR",)), ("FR", ("EUR",)), ("NO", ("NOK",)))


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(
        st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1), min_size=1, max_size=40
    ),
    scaled=st.integers(min_value=0, max_value=HUNDRED),
    inclusive=st.booleans(),
    mode=st.sampled_from(list(MODES)),
)
@example(amounts=[1, -1, 99_999_999, 10**18 - 1], scaled=1, inclusive=False, mode="up")
@example(amounts=[1, -1, 119, -119], scaled=1, inclusive=True, mode="up")
def test_expected_tax_sql_is_exact_for_any_rate_and_amount(
    amounts: list[int], scaled: int, inclusive: bool, mode: str
) -> None:
    """The SQL (DuckDB) against the decimal reference: any rate to 6 decimals, 18-digit amounts."""
    import duckdb

    whole, frac = divmod(scaled, RATE_SCALE)
    rate = f"{whole}.{frac:06d}%"
    rule = TaxRule(scaled=scaled, inclusive=inclusive, rounding=Rounding(mode), tolerance=0)
    values = ", ".join(f"('XA', CAST({a} AS BIGINT))" for a in amounts)
    inner = f"SELECT * FROM (VALUES {values}) AS v(country, amt)"  # noqa: S608 - test literals
    sql = f"SELECT amt, exp_tax FROM ({with_expected_tax(inner, (('XA', rule),))}) AS q"  # noqa: S608 - test SQL
    con = duckdb.connect()
    try:
        got = con.execute(sql).fetchall()
    finally:
        con.close()
    assert got == [(a, reference_tax(a, rate, inclusive, mode)) for a in amounts]
