"""Approval statements: the strict JSON documents people sign (waivers and sign-offs).

A statement is signed as its exact bytes, so parsing never normalises them: UTF-8 without a BOM,
at most 64 KiB, duplicate keys, NaN/Infinity, unknown keys and wrong types are all rejected, and
times are RFC 3339 UTC (`2026-11-25T12:00:00Z`). The statement names its own id, so a signed
statement copied under another directory name (to dodge a revoked id) is rejected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, assert_never

from gates.approvals import SIGNOFFS_DIR, WAIVERS_DIR
from gates.approvals.config import valid_principal
from gates.model import Severity
from gates.record import record
from gates.strict_input import JsonRejected, parse_json

MAX_STATEMENT_BYTES = 65_536
WAIVER_KIND = "release-gates/waiver@v1"
SIGNOFF_KIND = "release-gates/signoff@v1"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_RULE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9.-]*$")
_GATE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class Kind(StrEnum):
    WAIVER = "waiver"
    SIGNOFF = "signoff"

    @property
    def namespace(self) -> str:
        match self:
            case Kind.WAIVER:
                return "release-gates-waiver@v1"
            case Kind.SIGNOFF:
                return "release-gates-signoff@v1"
            case _:
                assert_never(self)

    @property
    def directory(self) -> str:
        match self:
            case Kind.WAIVER:
                return WAIVERS_DIR
            case Kind.SIGNOFF:
                return SIGNOFFS_DIR
            case _:
                assert_never(self)


class StatementRejected(ValueError):
    """The statement is malformed; the message is the reason shown to the user."""


@record
class CoveredFinding:
    gate: str
    rule: str
    fingerprint: str
    max_occurrences: int
    severity: Severity


@record
class WaiverStatement:
    id: str
    repo: str
    findings: tuple[CoveredFinding, ...]
    reason: str
    ticket: str
    requested_by: str
    issued_at: datetime
    expires_at: datetime


@record
class SignoffStatement:
    id: str
    repo: str
    digest: str
    protected_paths: tuple[str, ...]
    files: int
    summary: str
    ticket: str
    requested_by: str
    issued_at: datetime


def valid_id(value: str) -> bool:
    return bool(_ID.match(value))


def load_json(data: bytes) -> Any:
    """Strict JSON: UTF-8 without BOM, no duplicate keys, no NaN/Infinity."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementRejected(f"statement is larger than {MAX_STATEMENT_BYTES} bytes")
    if data.startswith(b"\xef\xbb\xbf"):
        raise StatementRejected("statement starts with a byte-order mark")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise StatementRejected("statement is not UTF-8") from None
    try:
        return parse_json(text)
    except JsonRejected as exc:
        if exc.duplicate_key is not None:
            raise StatementRejected(f"statement has the key {exc.duplicate_key!r} twice") from None
        if exc.constant is not None:
            raise StatementRejected(
                f"statement contains {exc.constant}, which is not JSON"
            ) from None
        raise StatementRejected(
            f"statement is not valid JSON ({exc.problem} at line {exc.line})"
        ) from None


def parse_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str) or not _TIME.match(value):
        raise StatementRejected(f"{field} must be an RFC 3339 UTC time like 2026-11-25T12:00:00Z")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise StatementRejected(f"{field} is not a real date and time") from None


def format_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fields(doc: Any, kind: str, required: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(doc, dict):
        raise StatementRejected("statement is not a JSON object")
    if doc.get("kind") != kind:
        raise StatementRejected(f"statement kind is {doc.get('kind')!r}, expected {kind!r}")
    unknown = sorted(set(doc) - required - {"kind"})
    if unknown:
        raise StatementRejected(f"unknown statement keys: {', '.join(unknown)}")
    missing = sorted(required - set(doc))
    if missing:
        raise StatementRejected(f"statement lacks: {', '.join(missing)}")
    return doc


def _text(doc: Mapping[str, Any], key: str, *, limit: int = 4000) -> str:
    value = doc[key]
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise StatementRejected(f"{key} must be a non-empty string of at most {limit} characters")
    return value


def _principal(doc: Mapping[str, Any], key: str) -> str:
    value = _text(doc, key, limit=128)
    if not valid_principal(value):
        raise StatementRejected(f"{key} {value!r} is not a valid principal")
    return value


def _common(doc: Mapping[str, Any], expected_id: str) -> tuple[str, str]:
    sid = _text(doc, "id", limit=64)
    if sid != expected_id:
        raise StatementRejected(
            f"statement id {sid!r} does not match its directory {expected_id!r}"
        )
    return sid, _text(doc, "repo", limit=200)


_WAIVER_KEYS = frozenset(
    {"id", "repo", "findings", "reason", "ticket", "requested_by", "issued_at", "expires_at"}
)
_ENTRY_KEYS = frozenset({"gate", "rule", "fingerprint", "max_occurrences", "severity"})


def parse_waiver(data: bytes, expected_id: str) -> WaiverStatement:
    doc = _fields(load_json(data), WAIVER_KIND, _WAIVER_KEYS)
    sid, repo = _common(doc, expected_id)
    raw = doc["findings"]
    if not isinstance(raw, list) or not raw or len(raw) > 1000:
        raise StatementRejected("findings must be a list of 1 to 1000 entries")
    entries = tuple(_entry(e, i) for i, e in enumerate(raw))
    keys = [(e.gate, e.rule, e.fingerprint) for e in entries]
    if len(set(keys)) != len(keys):
        raise StatementRejected("findings lists the same (gate, rule, fingerprint) twice")
    issued = parse_time(doc["issued_at"], "issued_at")
    expires = parse_time(doc["expires_at"], "expires_at")
    if expires <= issued:
        raise StatementRejected("expires_at is not after issued_at")
    return WaiverStatement(
        id=sid,
        repo=repo,
        findings=entries,
        reason=_text(doc, "reason"),
        ticket=_text(doc, "ticket", limit=200),
        requested_by=_principal(doc, "requested_by"),
        issued_at=issued,
        expires_at=expires,
    )


def _entry(raw: Any, index: int) -> CoveredFinding:
    where = f"findings[{index}]"
    if not isinstance(raw, dict) or set(raw) != _ENTRY_KEYS:
        raise StatementRejected(f"{where} must have exactly: {', '.join(sorted(_ENTRY_KEYS))}")
    gate, rule, fp, count, sev = (
        raw[k] for k in ("gate", "rule", "fingerprint", "max_occurrences", "severity")
    )
    if not isinstance(gate, str) or not _GATE.match(gate):
        raise StatementRejected(f"{where}.gate is not a gate id")
    if not isinstance(rule, str) or not _RULE.match(rule) or not rule.startswith(gate + "."):
        raise StatementRejected(f"{where}.rule must be a rule id of gate {gate!r}")
    if not isinstance(fp, str) or not _FINGERPRINT.match(fp):
        raise StatementRejected(f"{where}.fingerprint must be 64 lowercase hex digits")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 100_000:
        raise StatementRejected(f"{where}.max_occurrences must be a whole number from 1")
    try:
        severity = Severity(sev)
    except ValueError:
        raise StatementRejected(f"{where}.severity must be low, medium, high or critical") from None
    return CoveredFinding(
        gate=gate, rule=rule, fingerprint=fp, max_occurrences=count, severity=severity
    )


_SIGNOFF_KEYS = frozenset(
    {
        "id",
        "repo",
        "digest",
        "protected_paths",
        "files",
        "summary",
        "ticket",
        "requested_by",
        "issued_at",
    }
)


def parse_signoff(data: bytes, expected_id: str) -> SignoffStatement:
    doc = _fields(load_json(data), SIGNOFF_KIND, _SIGNOFF_KEYS)
    sid, repo = _common(doc, expected_id)
    digest = doc["digest"]
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise StatementRejected("digest must be sha256:<64 lowercase hex digits>")
    paths = doc["protected_paths"]
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise StatementRejected("protected_paths must be a non-empty list of globs")
    files = doc["files"]
    if not isinstance(files, int) or isinstance(files, bool) or files < 0:
        raise StatementRejected("files must be a whole number")
    return SignoffStatement(
        id=sid,
        repo=repo,
        digest=digest,
        protected_paths=tuple(paths),
        files=files,
        summary=_text(doc, "summary"),
        ticket=_text(doc, "ticket", limit=200),
        requested_by=_principal(doc, "requested_by"),
        issued_at=parse_time(doc["issued_at"], "issued_at"),
    )


def render(doc: Mapping[str, Any]) -> bytes:
    """The bytes we write for a new statement: sorted keys, two-space indent, LF, final newline."""
    return (json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
