"""Citations: the source rows behind a sampled discrepancy, in its sample and examples.

Kafka and PostgreSQL tables carry each row's position through the replay for free (`_rg_ref`:
`topic[partition]@offset`, `table(page,item)`). Files and SQLite tables are cited afterwards
(`apply`), by one targeted pass per source over just the payment ids the result lists
(source_rows.cited_rows: `file:line`, `file row group G row R`, `file table(pk=value)`): clean
data lists none and costs nothing, and the normal read path carries no line numbers. A sample
becomes `p2 (at events data/e.jsonl:4,5,6, report data/r.csv:3)` (at most MAX_REFS rows a side).

Unreadable JSONL and CSV rows that the text reader could read (a bad value) are found by the same
pass, by payment and event id (report rows: payment id), and their examples gain `, at file:line`.
The pass scans the whole source, so its cost follows the data's size (docs/reconcile.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

from gates.checks.reconcile.model import (
    Citation,
    ClassSummary,
    DiscrepancyClass,
    ReconcileResult,
    Side,
)
from gates.checks.reconcile.source_rows import citable, cited_rows, non_object_lines, relative
from gates.checks.reconcile.sources import NOT_AN_OBJECT, FileSource, Source, SourceKind

MAX_REFS = 5  # citations shown per side in a sample; `gates reconcile show` prints them all


def _refs(side: Side, cites: Sequence[Citation]) -> str:
    """`events a.jsonl:3,7, b.jsonl:2`: lines of one file share its name."""
    parts: list[str] = []
    last = ""
    for c in cites[:MAX_REFS]:
        if c.line and c.path == last:
            parts[-1] += f",{c.line}"
        else:
            parts.append(c.ref)
        last = c.path if c.line else ""
    shown = ", ".join(parts)
    more = f" and {len(cites) - MAX_REFS} more" if len(cites) > MAX_REFS else ""
    return f"{side.value} {shown}{more}"


def with_refs(sample: str, pid: str, events: Sequence[Citation], report: Sequence[Citation]) -> str:
    """`sample` (`pid` or `pid (at ...)` from the replay) with the file citations added."""
    extra = [_refs(s, c) for s, c in ((Side.EVENTS, events), (Side.REPORT, report)) if c]
    if not extra:
        return sample
    if sample == pid:
        return f"{pid} (at {', '.join(extra)})"
    head = f"{pid} (at "
    if not sample.startswith(head) or not sample.endswith(")"):
        return sample
    inner = sample[len(head) : -1]
    parts = [*([extra[0]] if events else []), inner, *([extra[-1]] if report else [])]
    return f"{head}{', '.join(parts)})"


def _unreadable_ids(result: ReconcileResult, side: Side) -> set[str]:
    """Payment ids of `side`'s unreadable examples that cite no position yet."""
    return {
        pid
        for u in result.unreadable
        if u.side is side
        for example, (pid, _) in zip(u.examples, u.example_ids, strict=True)
        if pid is not None and ", at " not in example
    }


def _unreadable_example(
    example: str,
    side: Side,
    pid: str | None,
    eid: str | None,
    rows: Mapping[tuple[str, str | None], Sequence[Citation]],
    by_pid: Mapping[str, Sequence[Citation]],
) -> str:
    """`side: reason (payment p, event e)` + `, at file:line` for the row it names: the row with
    that payment and event id, or (report rows, which have no event id) that payment's rows."""
    if pid is None or ", at " in example or not example.endswith(")"):
        return example
    if eid is not None:
        cites = rows.get((pid, eid), ())
    elif side is Side.REPORT:
        cites = by_pid.get(pid, ())
    else:
        cites = ()  # an event row without an event id: its payment's rows are not this row
    if not cites:
        return example
    return f"{example[:-1]}, at {_refs(side, cites).removeprefix(side.value + ' ')})"


def _non_object_example(example: str, side: Side, source: Source) -> str:
    """`events: not a JSON object (payment ?, at FILE)` + the lines of FILE that are JSON but no
    object: such a row has no ids to be found by, so its lines are found by their shape."""
    if not (isinstance(source, FileSource) and source.kind is SourceKind.JSONL):
        return example
    for path in source.paths:
        rel = relative(path, source.root)
        if example.endswith(f", at {rel})"):
            lines = non_object_lines(path)
            cites = [Citation(side=side, ref=f"{rel}:{n}", path=rel, line=n) for n in lines]
            if cites:
                shown = _refs(side, cites).removeprefix(side.value + " ")
                return f"{example[: -len(rel) - 1]}{shown})"
    return example


def apply(
    result: ReconcileResult,
    events: Source,
    report: Source,
    *,
    events_key: str,
    report_key: str,
    event_id_key: str | None = None,
) -> ReconcileResult:
    """`result` with the listed samples of file and SQLite sources citing their rows, and the
    unreadable examples of rows the reader could read (a bad value) citing theirs, found by
    payment and event id (report rows: payment id)."""
    ids = {
        pid
        for c in result.classes
        if c.cls is not DiscrepancyClass.UNREADABLE
        for pid in c.listed_ids
        if pid is not None
    }
    per_side: dict[
        Side, tuple[dict[str, list[Citation]], dict[tuple[str, str | None], list[Citation]]]
    ] = {}
    for side, source, key, ekey in (
        (Side.EVENTS, events, events_key, event_id_key),
        (Side.REPORT, report, report_key, None),
    ):
        bad = _unreadable_ids(result, side)
        wanted = ids | bad
        by_pid: dict[str, list[Citation]] = defaultdict(list)
        by_row: dict[tuple[str, str | None], list[Citation]] = defaultdict(list)
        if wanted and citable(source):
            # event ids only tell unreadable rows apart: not read (a whole column) without any
            for pid, eid, citation in cited_rows(source, key, side, wanted, ekey if bad else None):
                by_pid[pid].append(citation)
                by_row[(pid, eid)].append(citation)
        per_side[side] = (by_pid, by_row)
    ev, rp = per_side[Side.EVENTS][0], per_side[Side.REPORT][0]
    if not ev and not rp and all(u.reason != NOT_AN_OBJECT for u in result.unreadable):
        return result
    rewritten: dict[str, str] = {}
    unreadable = []
    sources = {Side.EVENTS: events, Side.REPORT: report}
    for u in result.unreadable:
        by_pid, by_row = per_side[u.side]
        examples = []
        for example, (bad_pid, bad_eid) in zip(u.examples, u.example_ids, strict=True):
            new = _unreadable_example(example, u.side, bad_pid, bad_eid, by_row, by_pid)
            if u.reason == NOT_AN_OBJECT:
                new = _non_object_example(new, u.side, sources[u.side])
            rewritten[example] = new
            examples.append(new)
        unreadable.append(replace(u, examples=tuple(examples)))
    classes: list[ClassSummary] = []
    for c in result.classes:
        if c.cls is DiscrepancyClass.UNREADABLE:
            listed = tuple(rewritten.get(s, s) for s in c.listed)
            classes.append(replace(c, samples=listed[: len(c.samples)], listed=listed))
            continue
        listed = tuple(
            s if pid is None else with_refs(s, pid, ev.get(pid, ()), rp.get(pid, ()))
            for s, pid in zip(c.listed, c.listed_ids, strict=True)
        )
        n = len(c.samples)
        first = [pid for pid in c.listed_ids[:n] if pid is not None]
        cites = tuple(x for pid in first for x in (*ev.get(pid, ()), *rp.get(pid, ())))
        classes.append(replace(c, samples=listed[:n], listed=listed, citations=cites))
    return replace(result, classes=tuple(classes), unreadable=tuple(unreadable))
