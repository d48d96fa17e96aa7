"""The baseline: accepted pre-existing findings, by fingerprint and count, never by line.

`.release-gates/baseline.json` lists `{gate, rule, path, fingerprint, count}` entries. A finding
is baselined while its fingerprint has budget left; new = current - baseline (a multiset
difference). A finding with a magnitude (a reconcile class: how many payments) records it as
`magnitude`, and the entry covers it only up to that size: accepting 3 status mismatches never
accepts 3,000. `update` can only shrink the baseline (drop stale entries, lower counts): accepting
new findings is an explicit `create --force`, never a side effect.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from gates import __version__
from gates.atomic import write_text_atomic
from gates.errors import InvalidInput
from gates.model import Finding
from gates.record import record
from gates.safe_files import UnsafeFile, exists_at, read_regular
from gates.strict_input import load_json

DEFAULT_PATH = ".release-gates/baseline.json"
FORMAT_VERSION = 1
_KEYS = {"gate", "rule", "path", "fingerprint", "count"}
_OPTIONAL_KEYS = {"magnitude"}
MAX_BYTES = 16 << 20  # a large monorepo baseline, never /dev/zero


@record
class Entry:
    gate: str
    rule: str
    path: str
    fingerprint: str
    count: int
    magnitude: int | None = None  # the largest size accepted (see Finding.magnitude)


@record
class Baseline:
    entries: tuple[Entry, ...] = ()

    def budget(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for e in self.entries:
            counts[e.fingerprint] += e.count
        return counts

    def magnitude_limits(self) -> dict[str, int]:
        """Per fingerprint, the largest size its entries accept (only where one is recorded)."""
        limits: dict[str, int] = {}
        for e in self.entries:
            if e.magnitude is not None:
                limits[e.fingerprint] = max(e.magnitude, limits.get(e.fingerprint, 0))
        return limits


def covers_magnitude(limit: int | None, finding: Finding) -> bool:
    """Whether an entry accepting sizes up to `limit` covers `finding` (a grown class: no)."""
    if finding.magnitude is None:
        return True
    return limit is not None and finding.magnitude <= limit


def from_findings(findings: Iterable[Finding]) -> Baseline:
    counts: Counter[tuple[str, str, str, str]] = Counter()
    sizes: dict[tuple[str, str, str, str], int] = {}
    for f in findings:
        key = (f.gate, f.rule, f.location.path, f.fingerprint)
        counts[key] += 1
        if f.magnitude is not None:
            sizes[key] = max(f.magnitude, sizes.get(key, 0))
    return Baseline(
        entries=tuple(
            Entry(
                gate=g, rule=r, path=p, fingerprint=fp, count=n, magnitude=sizes.get((g, r, p, fp))
            )
            for (g, r, p, fp), n in sorted(counts.items())
        )
    )


def shrink(old: Baseline, findings: Iterable[Finding]) -> Baseline:
    """Keep only what is still found, with counts (and sizes) lowered to what is seen; never add
    and never raise: a class that grew keeps its old size and stays new."""
    findings = list(findings)
    seen = Counter(f.fingerprint for f in findings)
    sizes: dict[str, int] = {}
    for f in findings:
        if f.magnitude is not None:
            sizes[f.fingerprint] = max(f.magnitude, sizes.get(f.fingerprint, 0))
    kept = []
    for entry in old.entries:
        count = min(entry.count, seen[entry.fingerprint])
        if count > 0:
            seen[entry.fingerprint] -= count
            magnitude = entry.magnitude
            if magnitude is not None and entry.fingerprint in sizes:
                magnitude = min(magnitude, sizes[entry.fingerprint])
            kept.append(
                Entry(
                    gate=entry.gate,
                    rule=entry.rule,
                    path=entry.path,
                    fingerprint=entry.fingerprint,
                    count=count,
                    magnitude=magnitude,
                )
            )
    return Baseline(entries=tuple(kept))


def load(path: Path, label: str) -> Baseline:
    """Read a baseline from disk; a missing file is an empty baseline. A symlink, FIFO, device or
    oversized file is refused (exit 2), never followed, waited on or read to the end."""
    if not exists_at(path):
        return Baseline()
    try:
        data = read_regular(path, MAX_BYTES, label)
    except UnsafeFile as exc:
        raise InvalidInput(
            label, "$", str(exc), "make it a regular JSON file (gates baseline create)"
        ) from None
    return parse(data, label)


def parse(data: bytes, label: str) -> Baseline:
    """A baseline from its bytes; a malformed one is InvalidInput naming the field."""
    doc = load_json(data, label, limit=MAX_BYTES)
    if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
        raise InvalidInput(
            label,
            "$.version",
            f"expected version {FORMAT_VERSION}",
            "recreate it with `gates baseline create --force`",
        )
    raw = doc.get("findings")
    if not isinstance(raw, list):
        raise InvalidInput(
            label,
            "$.findings",
            "expected a list",
            "recreate it with `gates baseline create --force`",
        )
    entries = []
    for i, item in enumerate(raw):
        where = f"$.findings[{i}]"
        if not isinstance(item, dict) or not _KEYS <= set(item) <= _KEYS | _OPTIONAL_KEYS:
            raise InvalidInput(
                label,
                where,
                f"expected the keys {sorted(_KEYS)} (and optionally {sorted(_OPTIONAL_KEYS)})",
                "fix or recreate the entry",
            )
        if not all(isinstance(item[k], str) for k in ("gate", "rule", "path", "fingerprint")):
            raise InvalidInput(
                label, where, "gate, rule, path and fingerprint must be strings", "fix the entry"
            )
        count = item["count"]
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise InvalidInput(
                label, f"{where}.count", "must be a whole number >= 1", "fix the count"
            )
        magnitude = item.get("magnitude")
        if magnitude is not None and (
            not isinstance(magnitude, int) or isinstance(magnitude, bool) or magnitude < 0
        ):
            raise InvalidInput(
                label,
                f"{where}.magnitude",
                "must be a whole number >= 0",
                "fix it, or recreate the entry with `gates baseline create --force`",
            )
        entries.append(
            Entry(
                gate=item["gate"],
                rule=item["rule"],
                path=item["path"],
                fingerprint=item["fingerprint"],
                count=count,
                magnitude=magnitude,
            )
        )
    return Baseline(entries=tuple(entries))


def render(baseline: Baseline) -> str:
    doc = {
        "version": FORMAT_VERSION,
        "generated_by": f"release-gates {__version__}",
        "findings": [
            {
                "gate": e.gate,
                "rule": e.rule,
                "path": e.path,
                "fingerprint": e.fingerprint,
                "count": e.count,
                **({} if e.magnitude is None else {"magnitude": e.magnitude}),
            }
            for e in sorted(baseline.entries, key=lambda e: (e.path, e.gate, e.rule, e.fingerprint))
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def save(path: Path, baseline: Baseline) -> None:
    write_text_atomic(path, render(baseline))
