"""The per-machine cache key: what authenticates everything release-gates caches on disk.

A cache on a shared runner is writable by more people than the code under review, so a cached
answer is trusted only with a valid HMAC-SHA256 under this key. It is `RELEASE_GATES_CACHE_KEY`
(hashed) when set, else 32 random bytes kept in `$XDG_STATE_HOME/release-gates/cache.key`, created
0600 in a 0700 directory on first use: outside every cache directory, so restoring a cache (CI
cache actions) never restores its key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

KEY_ENV = "RELEASE_GATES_CACHE_KEY"


def machine_key(env: Mapping[str, str] | None = None) -> bytes:
    env = os.environ if env is None else env
    given = env.get(KEY_ENV, "")
    if given:
        return hashlib.sha256(b"release-gates cache key\x1f" + given.encode()).digest()
    state = Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    folder = state / "release-gates"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    path = folder / "cache.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) < 32:
            raise ValueError(f"{path}: cache key too short") from None
        return key
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def tag(key: bytes, *parts: str) -> str:
    """HMAC-SHA256 (hex) of the parts, unit-separated."""
    message = "\x1f".join(parts).encode("utf-8", "surrogateescape")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
