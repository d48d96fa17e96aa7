"""Statement bundles on disk: `<dir>/<ID>/statement.json` plus one `<principal>.sig` per signer.

Read from the working tree (approvals travel with the change they approve), never through a
symlink, with size limits. What cannot be read safely becomes a rejection reason, not an error:
one bad approval must not hide the others.
"""

from __future__ import annotations

import os
from pathlib import Path

from gates.approvals.config import valid_principal
from gates.approvals.files import UnsafeFile, read_regular, real_dir
from gates.approvals.sshsig import MAX_ARMOUR_BYTES
from gates.approvals.statements import MAX_STATEMENT_BYTES, Kind, valid_id
from gates.errors import InvalidInput
from gates.record import record

STATEMENT = "statement.json"
SIG_SUFFIX = ".sig"
MAX_BUNDLES = 10_000
MAX_SIGNATURES = 32


@record
class Bundle:
    id: str
    path: str  # repo-relative directory
    statement: bytes
    signatures: tuple[tuple[str, bytes], ...]  # (principal, armoured bytes), sorted by principal


@record
class Unreadable:
    id: str
    path: str
    reason: str


def scan(root: Path, kind: Kind) -> tuple[Bundle | Unreadable, ...]:
    """Every bundle of `kind` under `root`, sorted by id. No directory: no bundles."""
    base = root / kind.directory
    parent = base.parent
    if parent.exists() and not real_dir(parent):
        raise InvalidInput(
            str(parent.relative_to(root)),
            "$",
            "is not a directory (symlink?)",
            "make it a directory",
        )
    if not base.exists() and not base.is_symlink():
        return ()
    if not real_dir(base):
        raise InvalidInput(
            kind.directory, "$", "is not a directory (symlink?)", "make it a directory"
        )
    names = sorted(os.listdir(base))
    if len(names) > MAX_BUNDLES:
        raise InvalidInput(
            kind.directory, "$", f"more than {MAX_BUNDLES} entries", "archive old ones"
        )
    return tuple(_one(base / name, f"{kind.directory}/{name}", name) for name in names)


def _one(path: Path, rel: str, name: str) -> Bundle | Unreadable:
    if not valid_id(name):
        name = repr(name)[:80]  # shown in reports: no control characters from a file name
        return Unreadable(
            id=name, path=rel, reason="directory name is not a valid id ([A-Za-z0-9._-], 64 max)"
        )
    if not real_dir(path):
        return Unreadable(id=name, path=rel, reason="not a directory (a symlink or a file)")
    try:
        statement = read_regular(path / STATEMENT, MAX_STATEMENT_BYTES, STATEMENT)
    except UnsafeFile as exc:
        return Unreadable(id=name, path=rel, reason=str(exc))
    sigs: list[tuple[str, bytes]] = []
    problems: list[str] = []
    entries = sorted(e for e in os.listdir(path) if e.endswith(SIG_SUFFIX))
    if len(entries) > MAX_SIGNATURES:
        return Unreadable(id=name, path=rel, reason=f"more than {MAX_SIGNATURES} signature files")
    for entry in entries:
        principal = entry[: -len(SIG_SUFFIX)]
        if not valid_principal(principal):
            problems.append(f"{entry}: not a valid principal name")
            continue
        try:
            sigs.append((principal, read_regular(path / entry, MAX_ARMOUR_BYTES, entry)))
        except UnsafeFile as exc:
            problems.append(str(exc))
    if problems:
        return Unreadable(id=name, path=rel, reason="; ".join(problems))
    return Bundle(id=name, path=rel, statement=statement, signatures=tuple(sigs))
