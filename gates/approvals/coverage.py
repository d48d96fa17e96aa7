"""Coverage: which findings a set of waivers covers, up to each entry's occurrence count.

Pure arithmetic over (gate, rule, fingerprint) keys. Occurrences beyond `max_occurrences` stay
blocking, and waiver entries that match no finding are `unused`. `gates approve verify --report`
uses it; the runner's one filtering path applies the same rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from gates.model import Waiver
from gates.record import record

Key = tuple[str, str, str]  # (gate, rule, fingerprint)


@record
class Coverage:
    waived: tuple[tuple[Key, int, str], ...]  # (key, occurrences waived, waiver id)
    exceeded: tuple[tuple[Key, int, int, str], ...]  # (key, found, allowed, waiver id)
    unused: tuple[tuple[str, Key], ...]  # (waiver id, key) matching no finding


def apply(findings: Iterable[Key], waivers: Iterable[Waiver]) -> Coverage:
    counts = Counter(findings)
    allowed: dict[Key, tuple[int, str]] = {}
    unused: list[tuple[str, Key]] = []
    for waiver in sorted(waivers, key=lambda w: w.id):
        for entry in waiver.covers:
            key = (entry.gate, entry.rule, entry.fingerprint)
            if key not in counts:
                unused.append((waiver.id, key))
            elif key not in allowed:  # the first waiver (by id) for a key decides, predictably
                allowed[key] = (entry.max_occurrences, waiver.id)
    waived = []
    exceeded = []
    for key, (limit, wid) in sorted(allowed.items()):
        found = counts[key]
        waived.append((key, min(found, limit), wid))
        if found > limit:
            exceeded.append((key, found, limit, wid))
    return Coverage(waived=tuple(waived), exceeded=tuple(exceeded), unused=tuple(unused))
