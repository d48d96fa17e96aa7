"""What scanning a file for secrets gives back, apart from the detect-secrets machinery that finds
it: the gate reads these without importing detect-secrets (a file proved clean never needs it)."""

from __future__ import annotations

from gates.record import record

ALLOWLIST_PRAGMA = "pragma: allowlist secret"


@record
class Hit:
    """One secret in one file. `value` is what detect-secrets matched (its baseline hashes it);
    `identity` is what we fingerprint: the value, or the whole block for a private key."""

    path: str
    line: int
    type: str
    value: str
    identity: str
    allowlisted: bool
    offset: int = -1  # byte offset in a binary file (then `line` is 0); -1 for a text file


@record
class ScanSettings:
    detect_secrets: dict[str, object]  # transient_settings() configuration
    placeholders: tuple[str, ...]
