"""Result assembly: turn the plan's output rows (from any engine) into one ReconcileResult.

Engines only run SQL; everything after the rows come back happens here, identically for all, so
DuckDB, PostgreSQL and Spark cannot drift apart in how counts, amounts or samples are shaped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from gates.checks.reconcile.model import (
    Audit,
    ClassSummary,
    DiscrepancyClass,
    ReconcileResult,
    Side,
    UnreadableSummary,
)
from gates.checks.reconcile.plan import Plan

Rows = Sequence[tuple[object, ...]]


def _int(value: object) -> int:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"expected an integer from the engine, got {value!r}")
    if isinstance(value, int):
        return value
    as_int = int(str(value))  # Decimal / HUGEINT-as-text from some drivers; exact, never float
    return as_int


def _sorted(
    examples: Mapping[tuple[str, str], list[tuple[str, str | None, str | None]]],
    side: object,
    reason: object,
) -> list[tuple[str, str | None, str | None]]:
    return sorted(examples.get((str(side), str(reason)), []), key=lambda e: e[0])


def assemble(plan: Plan, rows: Mapping[str, Rows], *, engine: str) -> ReconcileResult:
    counts = {str(c): _int(n) for c, n in rows["classes"]}
    amounts: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for cls, cur, total in rows["amounts"]:
        amounts[str(cls)].append((str(cur), _int(total)))
    samples: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for cls, sample, pid in rows["samples"]:
        samples[str(cls)].append((str(sample), None if pid is None else str(pid)))
    classes = []
    for c in DiscrepancyClass:
        listed = sorted(samples.get(c.value, []), key=lambda s: s[0])
        classes.append(
            ClassSummary(
                cls=c,
                count=counts.get(c.value, 0),
                amounts=tuple(sorted(amounts.get(c.value, []))),
                samples=tuple(s for s, _ in listed[: plan.sample_size]),
                listed=tuple(s for s, _ in listed),
                listed_ids=tuple(pid for _, pid in listed),
            )
        )
    examples: dict[tuple[str, str], list[tuple[str, str | None, str | None]]] = defaultdict(list)
    for side, reason, example, pid, eid in rows["unreadable_examples"]:
        examples[(str(side), str(reason))].append(
            (str(example), None if pid is None else str(pid), None if eid is None else str(eid))
        )
    unreadable = tuple(
        UnreadableSummary(
            side=Side(str(side)),
            reason=str(reason),
            count=_int(n),
            examples=tuple(e for e, _, _ in _sorted(examples, side, reason)),
            example_ids=tuple((p, e) for _, p, e in _sorted(examples, side, reason)),
        )
        for side, reason, n in sorted(rows["unreadable"], key=lambda r: (str(r[0]), str(r[1])))
    )
    payments, events, report_rows = (_int(v) for v in rows["audit_counts"][0])
    states = tuple(sorted((str(s), _int(n)) for s, n in rows["audit_states"]))
    implied: dict[str, int] = defaultdict(int)
    status_of = dict(plan.statuses)
    for state, n in states:
        implied[status_of.get(state, state)] += n
    audit = Audit(
        payments=payments,
        events=events,
        report_rows=report_rows,
        amounts=tuple(sorted((str(c), _int(t)) for c, t in rows["audit_amounts"])),
        final_states=states,
        statuses=tuple(sorted(implied.items())),
    )
    return ReconcileResult(
        engine=engine,
        classes=tuple(classes),
        unreadable=unreadable,
        timeline=tuple(sorted((str(d), str(c), _int(n)) for d, c, n in rows["timeline"])),
        geo=tuple(sorted((str(k), str(c), _int(n)) for k, c, n in rows["geo"])),
        audit=audit,
    )
