"""Findings in the lines commits added: the secrets engine and the pii value scanner as libraries.

Pure: `Added` chunks (patch.py) in, findings out. Each chunk is scanned as a small file made of
its added lines, under its real path (detect-secrets picks plugins and transformers by name),
and every finding is moved back to its real line in that commit's file and names the commit.
Which settings apply to a path is the caller's (`Scanners`: the policy's gate section with the
`overrides` matching that path, as the runner would split the gate); the per-path severity
overrides apply here. Secrets chunks are scanned in batches per settings (one detect-secrets
configuration per batch); pii keeps only card numbers (`pii.pan`, `pii.pan-test`): field names
and log calls are about code at HEAD.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field, replace
from typing import Generic, TypeVar

from gates.checks.pii.filescan import Plan
from gates.checks.secrets.hits import ScanSettings
from gates.fingerprint import FingerprintKey
from gates.history.patch import Added
from gates.model import Finding, Location, Severity
from gates.record import record

T = TypeVar("T")
PAN_RULES = frozenset({"pii.pan", "pii.pan-test"})
_BATCH_BYTES = 4 << 20


@record
class Applied(Generic[T]):
    """A gate's scanner for some paths: its settings, an id for them, its severity overrides."""

    key: tuple[int, ...]  # which `overrides` matched: paths with the same key share settings
    scanner: T
    severity: Mapping[str, Severity] = field(default_factory=dict)


def _nothing(path: str) -> None:
    return None


@record
class Scanners:
    """What to look for in a path: each gate's scanner for it, None when the gate skips it."""

    key: FingerprintKey
    secrets: Callable[[str], Applied[ScanSettings] | None] = _nothing
    pii: Callable[[str], Applied[Plan] | None] = _nothing
    active: bool = False  # False: neither gate runs, nothing to scan


def _text(chunk: Added) -> str:
    return "\n".join(text for _, text in chunk.lines) + "\n"


def _in_history(
    f: Finding, chunk: Added, index_line: int, severity: Mapping[str, Severity]
) -> Finding:
    """`f`, found at line `index_line` of the chunk's text, placed in the commit's file."""
    real = chunk.lines[index_line - 1][0] if 0 < index_line <= len(chunk.lines) else 0
    return replace(
        f,
        severity=severity.get(f.rule, f.severity),
        message=f"{f.message}, added in commit {chunk.commit[:12]} to {chunk.path} (a value "
        "removed later stays in git history)",
        location=Location(path=chunk.path, line=real),
        properties=(*f.properties, ("commit", chunk.commit)),
    )


def _secrets(
    batch: Sequence[Added], applied: Applied[ScanSettings], key: FingerprintKey
) -> Iterator[Finding]:
    from gates.checks.secrets import scanner
    from gates.checks.secrets.gate import finding_for

    results = scanner.scan_many([(c.path, _text(c)) for c in batch], applied.scanner)
    for chunk, hits in zip(batch, results, strict=True):
        for hit in hits:
            yield _in_history(finding_for(hit, key), chunk, hit.line, applied.severity)


def _pans(chunk: Added, applied: Applied[Plan]) -> Iterator[Finding]:
    from gates.checks.pii.filescan import scan

    for f in scan(chunk.path, _text(chunk).encode("utf-8"), applied.scanner):
        if f.rule in PAN_RULES:
            yield _in_history(f, chunk, f.location.line, applied.severity)


def findings(chunks: Iterable[Added], scanners: Scanners) -> Iterator[Finding]:
    """Every secret and card number in the added lines (a path's findings in stream order)."""
    batches: dict[tuple[int, ...], tuple[Applied[ScanSettings], list[Added]]] = {}
    sizes: dict[tuple[int, ...], int] = {}
    for chunk in chunks:
        pii = scanners.pii(chunk.path)
        if pii is not None:
            yield from _pans(chunk, pii)
        secrets = scanners.secrets(chunk.path)
        if secrets is None:
            continue
        applied, batch = batches.setdefault(secrets.key, (secrets, []))
        batch.append(chunk)
        sizes[secrets.key] = sizes.get(secrets.key, 0) + sum(len(t) + 1 for _, t in chunk.lines)
        if sizes[secrets.key] >= _BATCH_BYTES:
            yield from _secrets(batch, applied, scanners.key)
            batches.pop(secrets.key)
            sizes.pop(secrets.key)
    for applied, batch in batches.values():
        yield from _secrets(batch, applied, scanners.key)
