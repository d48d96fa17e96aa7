"""Findings in the lines commits added: the secrets engine and the pii value scanner as libraries.

Pure: `Added` chunks (patch.py) in, findings out. Each chunk is scanned as a small file made of
its added lines, under its real path (detect-secrets picks plugins and transformers by name),
and every finding is moved back to its real line in that commit's file and names the commit.
Secrets chunks are scanned in batches (one detect-secrets configuration per batch); pii keeps
only card numbers (`pii.pan`, `pii.pan-test`): field names and log calls are about code at HEAD.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from gates.checks.pii.filescan import Plan
from gates.checks.secrets.scanner import ScanSettings
from gates.fingerprint import FingerprintKey
from gates.history.patch import Added
from gates.model import Finding, Location

PAN_RULES = frozenset({"pii.pan", "pii.pan-test"})
_BATCH_BYTES = 4 << 20


@dataclass(frozen=True, slots=True, kw_only=True)
class Scanners:
    """What to look for, and where (each gate's path selection from the policy)."""

    key: FingerprintKey
    secrets: ScanSettings | None = None
    secrets_paths: Callable[[str], bool] = lambda _p: True
    pii: Plan | None = None
    pii_paths: Callable[[str], bool] = lambda _p: True


def _text(chunk: Added) -> str:
    return "\n".join(text for _, text in chunk.lines) + "\n"


def _in_history(f: Finding, chunk: Added, index_line: int) -> Finding:
    """`f`, found at line `index_line` of the chunk's text, placed in the commit's file."""
    real = chunk.lines[index_line - 1][0] if 0 < index_line <= len(chunk.lines) else 0
    short = chunk.commit[:12]
    return replace(
        f,
        message=f"{f.message}, added in commit {short} to {chunk.path} (a value removed later "
        "stays in git history)",
        location=Location(path=chunk.path, line=real),
        properties=(*f.properties, ("commit", chunk.commit)),
    )


def _secrets(batch: Sequence[Added], scanners: Scanners) -> Iterator[Finding]:
    from gates.checks.secrets import scanner
    from gates.checks.secrets.gate import finding_for

    settings = scanners.secrets
    if settings is None or not batch:
        return
    results = scanner.scan_many([(c.path, _text(c)) for c in batch], settings)
    for chunk, hits in zip(batch, results, strict=True):
        for hit in hits:
            yield _in_history(finding_for(hit, scanners.key), chunk, hit.line)


def _pans(chunk: Added, plan: Plan) -> Iterator[Finding]:
    from gates.checks.pii.filescan import scan

    for f in scan(chunk.path, _text(chunk).encode("utf-8"), plan):
        if f.rule in PAN_RULES:
            yield _in_history(f, chunk, f.location.line)


def findings(chunks: Iterable[Added], scanners: Scanners) -> Iterator[Finding]:
    """Every secret and card number in the added lines, in stream order."""
    batch: list[Added] = []
    size = 0
    for chunk in chunks:
        if scanners.pii is not None and scanners.pii_paths(chunk.path):
            yield from _pans(chunk, scanners.pii)
        if scanners.secrets is not None and scanners.secrets_paths(chunk.path):
            batch.append(chunk)
            size += sum(len(t) + 1 for _, t in chunk.lines)
            if size >= _BATCH_BYTES:
                yield from _secrets(batch, scanners)
                batch, size = [], 0
    yield from _secrets(batch, scanners)
