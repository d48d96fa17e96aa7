"""Protected files: which paths of a change need a sign-off, with the policy's glob semantics."""

from __future__ import annotations

from collections.abc import Iterable

from gates.globs import GlobSet


def select(paths: Iterable[str], patterns: Iterable[str]) -> tuple[str, ...]:
    """Sorted paths matching any pattern (`**` spans directories; see gates.globs)."""
    matcher = GlobSet.of(patterns)
    if not matcher:
        return ()
    return tuple(sorted(p for p in paths if matcher.matches(p)))
