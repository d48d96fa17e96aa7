"""Every reconcile discrepancy class on small hand-made data, with the exact payment ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gates.checks.reconcile.model import DiscrepancyClass, Side, UnreadableSummary
from tests.reconcile_data import (
    card_section,
    ev,
    lifecycle,
    rep,
    run_section,
    samples,
    write_data,
)

OK = ["created", "authorized", "captured"]


def scenario() -> tuple[list[Any], list[dict[str, str]]]:
    events: list[Any] = []
    report: list[dict[str, str]] = []
    events += lifecycle("ok1", OK)
    report.append(rep("ok1", "completed"))
    events += lifecycle("ok2", [*OK, "refunded"])
    events.append(ev("ok2", 5, "chargeback"))  # unknown type: unreadable, not replayed
    report.append(rep("ok2", "Refunded "))  # case and blanks do not matter
    events += lifecycle("sm1", OK)
    report.append(rep("sm1", "pending"))
    events += lifecycle("mr1", OK)
    report.append(rep("me1", "completed"))
    events += lifecycle("am1", OK)
    report.append(rep("am1", "completed", amount="10.01"))
    events += lifecycle("cm1", OK)
    report.append(rep("cm1", "completed", currency="GBP"))
    events += lifecycle("il1", ["created", "captured"])
    report.append(rep("il1", "completed"))
    gap = lifecycle("oo1", OK)
    gap[2]["seq"] = 4
    events += gap
    report.append(rep("oo1", "completed"))
    inv = lifecycle("oo2", OK)
    inv[2]["occurred_at"] = "2026-11-20T09:00:00Z"
    events += inv
    report.append(rep("oo2", "completed"))
    dup = lifecycle("du1", OK)
    events += [*dup, dict(dup[2])]
    report.append(rep("du1", "completed"))
    events += lifecycle("st1", ["created", "authorized"])
    report.append(rep("st1", "pending"))
    events += lifecycle("fl1", ["created", "authorized"], at="2026-11-25T11:00")  # in flight
    events += lifecycle("gc1", OK, currency="USD")
    report.append(rep("gc1", "completed", currency="USD"))
    events += lifecycle("gr1", OK, region="us-east-1")
    report.append(rep("gr1", "completed", region="us-east-1"))
    events += lifecycle("gr2", OK)
    report.append(rep("gr2", "completed", region="ap-northeast-1"))
    events += lifecycle("ba1", OK)
    events[-3]["amount"] = "12x"  # unreadable: ba1 is judged only as unreadable (one bad cell)
    report.append(rep("ba1", "completed"))
    events.append(ev(None, 1, "created"))  # no payment id
    events.append("{not json")
    report.append(rep("rb1", "completed", amount="1,00"))
    return events, report


EXPECTED = {
    "status_mismatch": {"sm1"},
    "missing_in_report": {"mr1"},
    "missing_events": {"me1"},
    "amount_mismatch": {"am1"},
    "currency_mismatch": {"cm1"},
    "illegal_transition": {"il1"},
    "out_of_order": {"oo1", "oo2"},
    "duplicate_event": {"du1"},
    "stuck": {"st1"},
    "geo_currency": {"gc1"},
    "geo_residency": {"gr1", "gr2"},
    "unreadable": {
        "events: bad amount (payment ba1, event ba1-1, at data/events/part-1.jsonl:46)",
        "events: malformed JSON (payment ?, at data/events/part-1.jsonl:50)",
        "events: missing payment id (payment ?, event None-1)",
        "events: unknown event type (payment ok2, event ok2-5, at data/events/part-1.jsonl:8)",
        "report: bad amount (payment rb1, at data/report.csv:17)",
    },
}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("scenario")
    events, report = scenario()
    write_data(root, events, report)
    return run_section(root, card_section())


def test_every_class_finds_exactly_the_planted_payments(result: Any) -> None:
    assert samples(result) == EXPECTED


@pytest.mark.parametrize("cls", list(DiscrepancyClass), ids=[c.value for c in DiscrepancyClass])
def test_counts_match_the_samples(result: Any, cls: DiscrepancyClass) -> None:
    assert result.count(cls) == len(EXPECTED.get(cls.value, set()))


def test_unreadable_rows_are_grouped_by_side_and_reason(result: Any) -> None:
    assert result.unreadable == (
        UnreadableSummary(
            side=Side.EVENTS,
            reason="bad amount",
            count=1,
            examples=(
                "events: bad amount (payment ba1, event ba1-1, at data/events/part-1.jsonl:46)",
            ),
            example_ids=(("ba1", "ba1-1"),),
        ),
        UnreadableSummary(
            side=Side.EVENTS,
            reason="malformed JSON",
            count=1,
            examples=("events: malformed JSON (payment ?, at data/events/part-1.jsonl:50)",),
            example_ids=((None, None),),
        ),
        UnreadableSummary(
            side=Side.EVENTS,
            reason="missing payment id",
            count=1,
            examples=("events: missing payment id (payment ?, event None-1)",),
            example_ids=((None, "None-1"),),
        ),
        UnreadableSummary(
            side=Side.EVENTS,
            reason="unknown event type",
            count=1,
            examples=(
                "events: unknown event type (payment ok2, event ok2-5, at data/events/part-1.jsonl:8)",
            ),
            example_ids=(("ok2", "ok2-5"),),
        ),
        UnreadableSummary(
            side=Side.REPORT,
            reason="bad amount",
            count=1,
            examples=("report: bad amount (payment rb1, at data/report.csv:17)",),
            example_ids=(("rb1", None),),
        ),
    )


def test_amounts_at_stake_are_exact_minor_units(result: Any) -> None:
    by_class = {c.cls.value: c.amounts for c in result.classes}
    assert by_class["amount_mismatch"] == (("EUR", 1),)  # |1000 - 1001|
    assert by_class["currency_mismatch"] == (("EUR", 1000),)
    assert by_class["geo_currency"] == (("USD", 1000),)
    assert by_class["status_mismatch"] == (("EUR", 1000),)


def test_audit_summary(result: Any) -> None:
    audit = result.audit
    # 17 payment ids (rb1's only row is unreadable); 15 readable report rows
    assert (audit.payments, audit.report_rows) == (17, 15)
    assert dict(audit.final_states) == {"authorized": 2, "captured": 13, "refunded": 1}
    assert dict(audit.statuses) == {"completed": 13, "pending": 2, "refunded": 1}


def test_timeline_and_geo(result: Any) -> None:
    assert ("2026-11-20", "status_mismatch", 1) in result.timeline
    assert result.geo == (("DE", "geo_currency", 1), ("DE", "geo_residency", 2))


def run_small(
    tmp_path: Path, events: list[Any], report: list[dict[str, str]], **overrides: Any
) -> dict[str, set[str]]:
    section = card_section()
    section.update(overrides)
    write_data(tmp_path, events, report)
    return samples(run_section(tmp_path, section))


@pytest.mark.parametrize(
    ("amount", "tolerance", "expected"),
    [
        ("10.01", 0, {"amount_mismatch": {"p"}}),
        ("10.01", 1, {}),
        ("10.02", 1, {"amount_mismatch": {"p"}}),
        ("10", 0, {}),
        ("10.000", 0, {}),
        (
            "10.001",
            0,
            {
                "unreadable": {"report: bad amount (payment p, at data/report.csv:2)"}
            },  # not also missing_in_report
        ),
    ],
    ids=[
        "off-by-one",
        "within-tolerance",
        "beyond-tolerance",
        "no-decimals",
        "trailing-zeros",
        "sub-minor-digit",
    ],
)
def test_amount_tolerance_and_decimal_text(
    tmp_path: Path, amount: str, tolerance: int, expected: dict[str, set[str]]
) -> None:
    section_amounts = {**card_section()["amounts"], "tolerance": tolerance}
    got = run_small(
        tmp_path,
        lifecycle("p", OK),
        [rep("p", "completed", amount=amount)],
        amounts=section_amounts,
    )
    assert got == expected


def test_currency_exponents_follow_iso_4217(tmp_path: Path) -> None:
    events = lifecycle("jp", OK, amount=1500, currency="JPY", country="JP", region="ap-northeast-1")
    events += lifecycle(
        "bh", OK, amount=1500, currency="BHD", country="JP", region="ap-northeast-1"
    )
    report = [
        rep("jp", "completed", amount="1500", currency="JPY", region="ap-northeast-1"),
        rep("bh", "completed", amount="1.500", currency="BHD", region="ap-northeast-1"),
    ]
    assert run_small(tmp_path, events, report) == {"geo_currency": {"bh"}}


def test_in_flight_payments_are_not_missing_or_mismatched_until_the_grace_period(
    tmp_path: Path,
) -> None:
    events = lifecycle("new", OK, at="2026-11-25T11:00") + lifecycle(
        "old", OK, at="2026-11-23T11:00"
    )
    report = [rep("new", "pending")]
    assert run_small(tmp_path, events, report) == {"missing_in_report": {"old"}}
    assert run_small(tmp_path, events, report, grace_period="72h") == {}


def test_events_after_a_terminal_state_are_illegal(tmp_path: Path) -> None:
    events = lifecycle("t", ["created", "cancelled", "authorized"])
    # the event still moves the state (it happened), so the payment also ends up stuck
    assert run_small(tmp_path, events, [rep("t", "pending")]) == {
        "illegal_transition": {"t"},
        "stuck": {"t"},
    }


def test_a_payment_reported_twice_is_ambiguous_not_compared(tmp_path: Path) -> None:
    report = [rep("p", "completed"), rep("p", "pending")]
    assert run_small(tmp_path, lifecycle("p", OK), report) == {
        "unreadable": {
            "report: payment id appears more than once (payment p, at data/report.csv:2,3)"
        },
    }


def test_sequence_must_start_at_sequence_start(tmp_path: Path) -> None:
    events = lifecycle("p", OK)
    for e in events:
        e["seq"] += 10
    assert run_small(tmp_path, events, [rep("p", "completed")]) == {"out_of_order": {"p"}}
    assert run_small(tmp_path, events, [rep("p", "completed")], sequence_start=11) == {}


def test_fractional_json_number_is_unreadable_never_rounded(tmp_path: Path) -> None:
    events = lifecycle("p", OK)
    events[0]["amount"] = 1000.5
    got = run_small(tmp_path, events, [rep("p", "completed")])
    assert got["unreadable"] == {
        "events: JSON number with a fraction in amount (payment p, event p-1, at data/events/part-1.jsonl)"
    }


def test_residency_with_more_region_sets_than_one_mask_holds(tmp_path: Path) -> None:
    """Each country its own allowed region: 70 distinct sets span two mask columns, and a
    payment is judged against its own country's set whichever column holds it."""
    section = card_section()
    countries = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(70)]
    section["geo"] = {"residency": {c: [f"region-{c.lower()}"] for c in countries}}
    section["sample_size"] = 100
    events: list[Any] = []
    report: list[dict[str, str]] = []
    for i, c in enumerate(countries):
        good, bad = f"ok{i}", f"bad{i}"
        events += lifecycle(good, OK, country=c, region=f"region-{c.lower()}")
        events += lifecycle(bad, OK, country=c, region=f"region-{c.lower()}")
        events[-1]["region"] = f"region-{countries[(i + 1) % 70].lower()}"  # another's region
        report += [rep(p, "completed", region=f"region-{c.lower()}") for p in (good, bad)]
    # The payment's country is its first event's: a later event naming another country with
    # its own region does not change the set that event's region is judged against.
    moved = lifecycle("moved", OK, country="AA", region="region-aa")
    moved[1].update(country="AB", region="region-ab")
    events += moved
    report.append(rep("moved", "completed", region="region-aa"))
    write_data(tmp_path, events, report)
    res = run_section(tmp_path, section)
    assert samples(res).get("geo_residency") == {f"bad{i}" for i in range(70)} | {"moved"}


def test_edge_spaces_are_trimmed_and_blank_ids_are_missing(tmp_path: Path) -> None:
    """' p1 ' in the events and 'p1' in the report are one payment; an id of spaces only is a
    missing id, not a payment called '   '."""
    events = lifecycle(" sp1", OK) + lifecycle("sp2 ", OK)
    events[0]["type"] = " created "
    events.append(ev("   ", 1, "created"))
    report = [rep("sp1 ", "completed"), rep(" sp2", "completed")]
    write_data(tmp_path, events, report)
    res = run_section(tmp_path, card_section())
    assert samples(res) == {"unreadable": {"events: missing payment id (payment ?, event -1)"}}
    assert res.audit.payments == 2
