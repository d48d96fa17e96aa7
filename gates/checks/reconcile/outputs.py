"""Reconcile output files: discrepancies (CSV + Parquet), summary and audit JSON, text summary.

Every file is written to a temporary name in the output directory and renamed into place, so a
crash never leaves a torn report. JSON is sorted and holds no wall-clock time: the same data and
`as_of` give the same bytes.

Masking boundary: payment ids, references and details come from data that may hold card numbers
or keys (a card-shaped payment id, a PAN in a reference). Every string column of every
discrepancy batch (CSV and Parquet) and every string of the summary documents (JSON, HTML, text)
passes `gates.redact`; only values with a candidate shape take the Python path.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates import redact
from gates.atomic import staged, write_text_atomic
from gates.checks.reconcile.config import ReconcileConfig
from gates.checks.reconcile.findings import class_severity, money
from gates.checks.reconcile.model import DiscrepancyClass, ReconcileResult
from gates.checks.reconcile.plan import LISTED_PER_CLASS
from gates.model import Severity

if TYPE_CHECKING:
    import pyarrow as pa

AUDIT_STATUSES = ("completed", "failed", "refunded")


class FileSink:
    """Writes discrepancy batches to `discrepancies.csv` and `discrepancies.parquet` in `out`."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._stack = contextlib.ExitStack()
        self._csv: Any = None
        self._parquet: Any = None
        self.rows = 0

    def __enter__(self) -> FileSink:
        self.out.mkdir(parents=True, exist_ok=True)
        # every string is masked on the way in (mask_batch): the files read like any report
        csv_path, pq_path = self.out / "discrepancies.csv", self.out / "discrepancies.parquet"
        self._csv_tmp = self._stack.enter_context(staged(csv_path, shared=True))
        self._pq_tmp = self._stack.enter_context(staged(pq_path, shared=True))
        return self

    def write(self, batch: pa.RecordBatch) -> None:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        batch = mask_batch(batch)
        if self._csv is None:
            self._csv = pacsv.CSVWriter(str(self._csv_tmp), batch.schema)
            self._parquet = pq.ParquetWriter(str(self._pq_tmp), batch.schema)
        self._csv.write_batch(batch)
        self._parquet.write_batch(batch)
        self.rows += batch.num_rows

    def __exit__(self, *exc: object) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        if self._csv is None and exc[0] is None:  # no discrepancies: still write valid files
            schema = pa.schema(
                [
                    ("class", pa.string()),
                    ("payment_id", pa.string()),
                    ("detail", pa.string()),
                    ("currency", pa.string()),
                    ("amount", pa.int64()),
                    ("country", pa.string()),
                    ("day", pa.string()),
                ]
            )
            self._csv = pacsv.CSVWriter(str(self._csv_tmp), schema)
            self._parquet = pq.ParquetWriter(str(self._pq_tmp), schema)
        if self._csv is not None:
            self._csv.close()
            self._parquet.close()
        self._stack.__exit__(*exc)  # type: ignore[arg-type]


# A digit run of 12+ (maybe grouped), a long opaque token or an IBAN start: what may need masking
_CANDIDATE = (
    r"\d{4}[ -]?\d{4}[ -]?\d{4}|[0-9A-Za-z+/_-]{16,}|[A-Z]{2}\d{2}|://"
    r"|(?i:bearer|key|pass|pwd|secret|token)"
)


def mask_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with every string value masked (a vectorised prefilter finds the candidates)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    changed = False
    for column in batch.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            hits = pc.match_substring_regex(column, _CANDIDATE)
            if pc.any(hits).as_py():
                values = column.to_pylist()
                flags = hits.to_pylist()
                masked = [
                    redact.DEFAULT.text(v) if f and v is not None else v
                    for v, f in zip(values, flags, strict=True)
                ]
                column = pa.array(masked, type=column.type)
                changed = True
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema) if changed else batch


def masked(doc: dict[str, Any]) -> dict[str, Any]:
    """A summary or audit document with every string masked."""
    return redact.DEFAULT.value(doc)


def blocking(
    result: ReconcileResult, cfg: ReconcileConfig, fail_on: Severity
) -> tuple[DiscrepancyClass, ...]:
    """Classes that block: over their threshold, at a severity that reaches the policy's
    `fail_on` — the rule `gates run` applies to the gate's findings, so both give one verdict."""
    return tuple(
        c.cls
        for c in result.classes
        if c.count
        and cfg.threshold(c.cls).exceeded(c.count, result.audit.payments)
        and class_severity(cfg, c.cls).at_least(fail_on)
    )


def _amounts(pairs: tuple[tuple[str, int], ...], exps: dict[str, int]) -> dict[str, dict[str, Any]]:
    return {cur: {"minor_units": v, "text": money(v, cur, exps)} for cur, v in pairs}


def audit_doc(result: ReconcileResult, cfg: ReconcileConfig) -> dict[str, Any]:
    exps = dict(cfg.exponents)
    statuses = dict(result.audit.statuses)
    return {
        "payments": result.audit.payments,
        "events": result.audit.events,
        "report_rows": result.audit.report_rows,
        "amounts": _amounts(result.audit.amounts, exps),
        "final_states": dict(result.audit.final_states),
        "statuses": statuses,
        **{s: statuses.get(s, 0) for s in AUDIT_STATUSES},
    }


def summary_doc(
    result: ReconcileResult,
    cfg: ReconcileConfig,
    *,
    as_of: datetime,
    events: str,
    report: str,
    evaluated: frozenset[DiscrepancyClass],
    fail_on: Severity,
) -> dict[str, Any]:
    exps = dict(cfg.exponents)
    blocked = blocking(result, cfg, fail_on)
    classes = {}
    for c in result.classes:
        t = cfg.threshold(c.cls)
        classes[c.cls.value] = {
            "count": c.count,
            "evaluated": c.cls in evaluated,
            "amounts": _amounts(c.amounts, exps),
            "samples": list(c.samples),
            "listed": list(c.listed),
            "blocking": c.cls in blocked,
            "over_threshold": bool(c.count) and t.exceeded(c.count, result.audit.payments),
            "threshold": {"max_count": t.max_count, "max_ratio": t.max_ratio},
            "severity": class_severity(cfg, c.cls).value,
        }
    return {
        "as_of": as_of.isoformat().replace("+00:00", "Z"),
        "engine": result.engine,
        "sources": {"events": events, "report": report},
        "verdict": "blocked" if blocked else "pass",
        "fail_on": fail_on.value,
        "blocking": [c.value for c in blocked],
        "listed_cap": LISTED_PER_CLASS,
        "classes": classes,
        "unreadable": [
            {
                "side": u.side.value,
                "reason": u.reason,
                "count": u.count,
                "examples": list(u.examples),
            }
            for u in result.unreadable
        ],
        "timeline": [{"day": d, "class": c, "count": n} for d, c, n in result.timeline],
        "geo": [{"country": k, "class": c, "count": n} for k, c, n in result.geo],
        "audit": audit_doc(result, cfg),
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_json(path: Path, doc: dict[str, Any]) -> None:
    write_text_atomic(path, redact.DEFAULT.text(dumps(masked(doc))))


def text_summary(summary: dict[str, Any]) -> str:
    audit = summary["audit"]
    lines = [
        f"reconcile: {audit['payments']} payments, {audit['events']} events, "
        f"{audit['report_rows']} report rows (as of {summary['as_of']}, {summary['engine']})",
        f"{'class':<20} {'count':>9}  {'block':<5}  at stake",
    ]
    for cls in DiscrepancyClass:
        name, c = cls.value, summary["classes"][cls.value]
        if not c["evaluated"]:
            lines.append(f"{name:<20} {'-':>9}  {'':<5}  (not checked: columns not mapped)")
            continue
        stake = ", ".join(a["text"] for a in c["amounts"].values())
        lines.append(
            f"{name:<20} {c['count']:>9}  {'yes' if c['blocking'] else '':<5}  {stake}".rstrip()
        )
        if c["samples"]:
            lines.append(f"{'':<20} e.g. {', '.join(c['samples'][:5])}")
    lines.append(
        f"verdict: {summary['verdict']}"
        + (f" ({', '.join(summary['blocking'])})" if summary["blocking"] else "")
    )
    return "\n".join(lines) + "\n"
