"""Content fingerprints: a finding's identity without line numbers or raw values.

`sha256(gate ‖ rule ‖ path ‖ normalised content)`, so moving code keeps the fingerprint and
baselines/approvals survive refactors. Sensitive values (PANs, IBANs, national ids, secrets) are
low-entropy enough to brute-force from a plain hash, so they are fingerprinted with HMAC-SHA256
under a key (PCI DSS 4.0 req. 3.5.1.1); see `FingerprintKey`.
"""

from __future__ import annotations

import hashlib
import hmac

from gates.record import record

_SEP = b"\x1f"  # unit separator: cannot appear in gate ids, rule ids or paths we accept


def normalise(content: str) -> str:
    """Whitespace-insensitive form, so re-indenting or re-wrapping code keeps the fingerprint."""
    return " ".join(content.split())


def _message(gate: str, rule: str, path: str, content: str) -> bytes:
    return _SEP.join(
        (gate.encode(), rule.encode(), path.encode(), normalise(content).encode("utf-8", "replace"))
    )


def fingerprint(gate: str, rule: str, path: str, content: str) -> str:
    """Plain fingerprint for non-sensitive matches (code patterns, tool findings)."""
    return hashlib.sha256(_message(gate, rule, path, content)).hexdigest()


@record
class FingerprintKey:
    """The HMAC key for sensitive fingerprints, and where it came from (shown in the report)."""

    key: bytes
    source: str  # "env RELEASE_GATES_FINGERPRINT_KEY", "file …", "derived from root commit …"
    derived: bool  # True when no key was configured: the report says so

    def sensitive(self, gate: str, rule: str, path: str, value: str) -> str:
        """Keyed fingerprint for a secret or PII value: never reversible without the key."""
        return hmac.new(self.key, _message(gate, rule, path, value), hashlib.sha256).hexdigest()


def derived_key(root_commit: str) -> FingerprintKey:
    """Fallback key, stable per repository. Weaker than a CI secret: the report warns."""
    key = hashlib.sha256(b"release-gates fingerprint key\x1f" + root_commit.encode()).digest()
    return FingerprintKey(
        key=key, source=f"derived from root commit {root_commit[:12]}", derived=True
    )
