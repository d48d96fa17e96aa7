"""Reconcile findings: one Finding per discrepancy class over its threshold.

Each finding's location is a real file (the first data file of the events source, else the
policy), so code scanning can open it; its magnitude is the class's count, so a baseline entry or
the --diff base covers it only up to the size recorded there. The sampled payments' source rows
(citations.py) are its related locations.

The fingerprint is `fingerprint("reconcile", rule, location, events label + report label)`, where
`location` is the events source as written (its glob): it names the class and the two sources,
never counts, ids or the files a glob happens to match, so an approval can target "status
mismatches between these two sources" and keep covering it while the numbers move.
"""

from __future__ import annotations

from gates.checks.reconcile.config import ReconcileConfig
from gates.checks.reconcile.model import ClassSummary, DiscrepancyClass, ReconcileResult
from gates.checks.reconcile.rules import rule_for
from gates.fingerprint import fingerprint
from gates.model import Finding, Location, Severity

GATE_ID = "reconcile"


def money(minor: int, currency: str, exponents: dict[str, int]) -> str:
    """`12345, USD` -> `123.45 USD`, exactly (integer arithmetic, never floats)."""
    exp = exponents.get(currency, 2)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d} {currency}" if exp else f"{sign}{whole} {currency}"


def message(summary: ClassSummary, payments: int, exponents: dict[str, int]) -> str:
    noun = "rows" if summary.cls.value == "unreadable" else "payments"
    share = f" of {payments}" if noun == "payments" else ""
    parts = [f"{summary.cls.value}: {summary.count} {noun}{share}"]
    if summary.amounts:
        parts.append("at stake " + ", ".join(money(a, c, exponents) for c, a in summary.amounts))
    if summary.samples:
        parts.append("e.g. " + ", ".join(summary.samples))
    return "; ".join(parts)


def related(summary: ClassSummary) -> tuple[tuple[Location, str], ...]:
    """The sampled payments' data rows that name a file: code scanning shows them beside the
    finding (a JSONL or CSV line; a Parquet file or SQLite database as a whole)."""
    return tuple(
        (Location(path=c.path, line=c.line), f"{c.side.value} row {c.ref}")
        for c in summary.citations
        if c.path
    )


def class_severity(cfg: ReconcileConfig, cls: DiscrepancyClass) -> Severity:
    """A class's severity: its threshold's, else its rule's default (one rule for every output)."""
    return cfg.threshold(cls).severity or rule_for(cls).default_severity


def findings(
    result: ReconcileResult,
    cfg: ReconcileConfig,
    *,
    location: str,
    path: str,
    events_label: str,
    report_label: str,
) -> list[Finding]:
    exponents = dict(cfg.exponents)
    out = []
    for summary in result.classes:
        threshold = cfg.threshold(summary.cls)
        if summary.count == 0 or not threshold.exceeded(summary.count, result.audit.payments):
            continue
        rule = rule_for(summary.cls)
        out.append(
            Finding(
                gate=GATE_ID,
                rule=rule.id,
                severity=class_severity(cfg, summary.cls),
                message=message(summary, result.audit.payments, exponents),
                location=Location(path=path, line=1),
                fingerprint=fingerprint(
                    GATE_ID, rule.id, location, f"{events_label}\n{report_label}"
                ),
                properties=(
                    ("count", str(summary.count)),
                    ("payments", str(result.audit.payments)),
                    ("samples", "; ".join(summary.samples)),
                ),
                magnitude=summary.count,
                related=related(summary),
            )
        )
    return out
