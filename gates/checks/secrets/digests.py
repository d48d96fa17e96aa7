"""Content digests that are not secrets: git object ids and checksums where files pin versions.

detect-secrets' hex high-entropy plugin reports any long hex string, so the `rev:` a user's
`.pre-commit-config.yaml` pins (a git commit id) or a `Cargo.lock` checksum blocks the release as a
"secret". Such a value is public by construction: it names content, it does not unlock anything.
We drop a hit only when both hold:

- the value is a digest: 40 or 64 hex digits (a SHA-1 or SHA-256 git object id or checksum), or
  a Subresource Integrity string (`sha512-<base64>` of the digest's exact length);
- it stands where a digest belongs: as the value of a key named `rev`, `revision`, `sha`, `sha1`,
  `sha256`, `commit`, `commit_sha`, `commit_id`, `checksum`, `integrity` or `fingerprint` (a
  finding's fingerprint in our baseline or an approval statement; any file), or
  anywhere in a known lockfile (`package-lock.json`, `poetry.lock`, `Cargo.lock`, `go.sum`, ...).

Everything else is still reported: a non-digest value in those files (an API key in a lockfile's
URL, a token under another key) and a digest-shaped value under any other key (`token: <hex>`).
"""

from __future__ import annotations

import base64
import binascii
import re

DIGEST_KEYS = frozenset(
    {
        "rev", "revision", "sha", "sha1", "sha256", "commit", "commit_sha", "commit_id",
        "checksum", "integrity", "fingerprint",
    }
)  # fmt: skip
LOCKFILES = frozenset(
    {
        "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock",
        "poetry.lock", "Pipfile.lock", "uv.lock", "pdm.lock", "go.sum", "Cargo.lock",
        "Gemfile.lock", "composer.lock", "flake.lock", "packages.lock.json", "mix.lock",
        "Package.resolved", "pubspec.lock",
    }
)  # fmt: skip
_HEX = re.compile(r"[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?")
_SRI = re.compile(r"(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})")
_SRI_BYTES = {"sha1": 20, "sha256": 32, "sha384": 48, "sha512": 64}
# The key right before a value: `rev: v`, `"sha": "v"`, `checksum = "v"`, `commit=v`.
_KEYED = re.compile(r"""(?:^|[\s{,\[])["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?([^\s"',}\]]+)""")


def is_digest(value: str) -> bool:
    """40/64 hex digits, or an SRI string whose base64 decodes to its algorithm's digest size."""
    if _HEX.fullmatch(value):
        return True
    sri = _SRI.fullmatch(value)
    if sri is None:
        return False
    try:
        raw = base64.b64decode(sri.group(2), validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) == _SRI_BYTES[sri.group(1)]


def is_lockfile(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in LOCKFILES


def _under_digest_key(line: str, value: str) -> bool:
    for match in _KEYED.finditer(line):
        if match.group(2) == value:
            key = match.group(1).lower().rsplit(".", 1)[-1]
            return key in DIGEST_KEYS
    return False


def is_pinned_digest(path: str, line: str, value: str) -> bool:
    """True when `value` (a detect-secrets hit on `line` of `path`) is a digest where digests go."""
    if not is_digest(value):
        return False
    return is_lockfile(path) or _under_digest_key(line, value)
