"""Reconciliation values: discrepancy classes, canonical columns and the result an engine returns.

Every engine (DuckDB, PostgreSQL, Spark) returns the same `ReconcileResult`; amounts are integers in
minor units of their currency (never floats), payment ids are strings, days are `YYYY-MM-DD`.
"""

from __future__ import annotations

from enum import StrEnum

from gates.record import record


class DiscrepancyClass(StrEnum):
    """The classes the gate reports, in report order. Each is the rule `reconcile.<value>`."""

    STATUS_MISMATCH = "status_mismatch"
    MISSING_IN_REPORT = "missing_in_report"
    MISSING_EVENTS = "missing_events"
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    TAX_MISMATCH = "tax_mismatch"
    ILLEGAL_TRANSITION = "illegal_transition"
    OUT_OF_ORDER = "out_of_order"
    DUPLICATE_EVENT = "duplicate_event"
    STUCK = "stuck"
    GEO_CURRENCY = "geo_currency"
    GEO_RESIDENCY = "geo_residency"
    GEO_IP_MISMATCH = "geo_ip_mismatch"
    GEO_UNKNOWN_IP = "geo_unknown_ip"
    UNREADABLE = "unreadable"


class Side(StrEnum):
    EVENTS = "events"
    REPORT = "report"


class ColumnType(StrEnum):
    """A source column's type as the plan needs to know it (engine-neutral)."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    STRING = "string"
    TIMESTAMP = "timestamp"  # with or without zone; naive values are read as UTC
    DATE = "date"
    OTHER = "other"


# Canonical column names after mapping. Required ones must be mapped in the policy.
EVENT_COLUMNS = (
    "payment_id",  # required
    "event_type",  # required
    "event_id",
    "sequence",
    "occurred_at",  # required
    "amount",
    "currency",
    "country",
    "region",
    "ip",
)
REPORT_COLUMNS = (
    "payment_id",  # required
    "status",  # required
    "amount",
    "currency",
    "country",
    "region",
    "updated_at",
    "tax",
    "ip",
)
REQUIRED_COLUMNS = {
    Side.EVENTS: ("payment_id", "event_type", "occurred_at"),
    Side.REPORT: ("payment_id", "status"),
}


@record
class SourceSchema:
    """Raw column name -> type, for the columns a source exposes (as the engine sees them)."""

    columns: tuple[tuple[str, ColumnType], ...]
    # True when the source's values are text (JSONL, CSV): every read of the plan's parsed rows
    # would validate and convert each value again, so the plan parses them once into a table.
    parse_once: bool = False

    def type_of(self, name: str) -> ColumnType | None:
        for col, typ in self.columns:
            if col == name:
                return typ
        return None


@record
class Citation:
    """One source row behind a discrepancy: `ref` as shown (`data/e.jsonl:3`,
    `e.parquet row group 0 row 12`, `pay.db report(rowid=5)`), and the repo-relative data file and
    1-based line it names, when it names one (a code-scanning location)."""

    side: Side
    ref: str
    path: str = ""
    line: int = 0


@record
class ClassSummary:
    """One class: how many payments (rows, for `unreadable`), the amount at stake per currency
    (minor units, sorted by currency) and up to `sample_size` sorted sample ids.

    `listed` holds up to plan.LISTED_PER_CLASS samples (the first `sample_size` are `samples`),
    `listed_ids` their payment ids (None for an unreadable row without one), and `citations` the
    source rows of `samples` that name a file (for code-scanning locations)."""

    cls: DiscrepancyClass
    count: int
    amounts: tuple[tuple[str, int], ...] = ()
    samples: tuple[str, ...] = ()
    listed: tuple[str, ...] = ()
    listed_ids: tuple[str | None, ...] = ()
    citations: tuple[Citation, ...] = ()


@record
class UnreadableSummary:
    """Rows that could not be read, per side and reason, with sorted examples (ids, never rows)."""

    side: Side
    reason: str
    count: int
    examples: tuple[str, ...] = ()
    example_ids: tuple[tuple[str | None, str | None], ...] = ()  # (payment id, event id) each


@record
class Audit:
    """What an auditor asks first: how much was processed, and how it ended."""

    payments: int  # distinct payment ids on either side (readable rows)
    events: int  # readable event rows (duplicates included)
    report_rows: int  # readable report rows
    amounts: tuple[tuple[str, int], ...]  # per currency: sum of payment amounts (minor units)
    final_states: tuple[tuple[str, int], ...]  # payments per final state (from the events)
    statuses: tuple[tuple[str, int], ...]  # payments per reporting status implied by the events


@record
class ReconcileResult:
    """Everything one run found. `classes` holds every class, in enum order, zero counts too."""

    engine: str
    classes: tuple[ClassSummary, ...]
    unreadable: tuple[UnreadableSummary, ...]
    timeline: tuple[tuple[str, str, int], ...]  # (day, class, payments), sorted
    geo: tuple[tuple[str, str, int], ...]  # (country, class, payments) for geo classes, sorted
    audit: Audit

    def count(self, cls: DiscrepancyClass) -> int:
        return next((c.count for c in self.classes if c.cls == cls), 0)

    def counts(self) -> dict[str, int]:
        return {c.cls.value: c.count for c in self.classes}
