"""Importing a detect-secrets `.secrets.baseline`: its audited secrets as our findings.

The baseline lists, per file, each secret's type and `hashed_secret` (sha1 of the value). We
rescan the listed files with our settings and return our findings whose secret the baseline lists
(recomputing sha1 of each value found), so `gates baseline import` can accept exactly those, with
our keyed fingerprints. Entries of a detect-secrets type our provider plugins supersede (`Stripe
Access Key`) count as our type (`Stripe Secret Key`). The file is parsed strictly: duplicate keys, a wrong shape, a path leaving
the repository or an oversized file are InvalidInput naming the field and the fix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from gates.checks.secrets.gate import scan, settings_for, to_finding
from gates.checks.secrets.rules import SUPERSEDED_TYPES
from gates.errors import InvalidInput
from gates.model import Finding
from gates.registry import GateContext
from gates.strict_input import JsonRejected, parse_json

MAX_BYTES = 50 * 1024 * 1024
_SHA1 = re.compile(r"^[0-9a-f]{40}$")


def _load(path: Path) -> Mapping[str, Any]:
    name = str(path)
    fix = "regenerate it with `detect-secrets scan > .secrets.baseline`"
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InvalidInput(name, "$", f"file is {size} bytes (limit {MAX_BYTES})", fix)
        doc = parse_json(path.read_bytes())
    except OSError as exc:
        raise InvalidInput(
            name, "$", f"cannot read ({exc.strerror})", "pass an existing file"
        ) from None
    except JsonRejected as exc:
        raise InvalidInput(name, "$", f"not valid JSON ({exc})", fix) from None
    if not isinstance(doc, dict):
        raise InvalidInput(name, "$", "expected a JSON object", fix)
    return doc


def _wanted(doc: Mapping[str, Any], name: str) -> dict[str, set[tuple[str, str]]]:
    """path -> {(secret type, sha1)} from the baseline's `results`."""
    fix = "regenerate it with `detect-secrets scan > .secrets.baseline`"
    results = doc.get("results")
    if not isinstance(results, dict):
        raise InvalidInput(name, "$.results", "missing or not an object", fix)
    wanted: dict[str, set[tuple[str, str]]] = {}
    for path, entries in results.items():
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or "\\" in path or not path:
            raise InvalidInput(name, f"$.results[{path!r}]", "path is outside the repository", fix)
        if not isinstance(entries, list):
            raise InvalidInput(name, f"$.results[{path!r}]", "expected a list", fix)
        for i, entry in enumerate(entries):
            where = f"$.results[{path!r}][{i}]"
            if not isinstance(entry, dict):
                raise InvalidInput(name, where, "expected an object", fix)
            kind, hashed = entry.get("type"), entry.get("hashed_secret")
            if not isinstance(kind, str) or not kind:
                raise InvalidInput(name, f"{where}.type", "missing or not a string", fix)
            if not isinstance(hashed, str) or not _SHA1.match(hashed):
                raise InvalidInput(
                    name, f"{where}.hashed_secret", "expected 40 lowercase hex digits", fix
                )
            wanted.setdefault(pure.as_posix(), set()).add(
                (SUPERSEDED_TYPES.get(kind, kind), hashed)
            )
    return wanted


def import_detect_secrets_baseline(path: Path, ctx: GateContext) -> tuple[Finding, ...]:
    """Our findings for the secrets a detect-secrets baseline lists (files rescanned now).

    Files the baseline lists that are no longer in the workspace are skipped: their secrets are
    gone, so there is nothing to accept.
    """
    wanted = _wanted(_load(path), str(path))
    present = set(ctx.workspace.files)
    items = [
        (p, ctx.workspace.read_bytes(p).decode("utf-8", "replace"))
        for p in sorted(wanted)
        if p in present
    ]
    hits = scan(items, settings_for(ctx), ctx.jobs)
    found = [
        to_finding(hit, ctx)
        for p, file_hits in hits.items()
        for hit in file_hits
        if (hit.type, hashlib.sha1(hit.value.encode()).hexdigest()) in wanted[p]  # noqa: S324 - detect-secrets' own baseline hash, compared, never stored
    ]
    return tuple(sorted(found, key=Finding.sort_key))
