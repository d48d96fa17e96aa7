"""Finding the lines a detect-secrets plugin may match, with RE2 over the whole text at once.

Running each plugin's Python patterns over every line was most of the secrets gate's time (about
27 of 40 s on the stripe sdist). Here two RE2 passes over the joined lines do that work:

- **regex plugins**: one union of their widened patterns (relax.py), multi-line. Every line a
  match touches is a candidate. That keeps every line a pattern matches on its own: the search
  attempts each position not inside an earlier match, finding the leftmost match from there; a
  position inside an earlier match lies on a line that match touched.
- **high-entropy plugins**: a quoted string can pass the entropy limit only if it is longer than
  2**limit characters (entropy is at most log2 of the length), so a line is a candidate only if it
  holds a run of that many charset characters; the plugin's exact test then decides it.

RE2's classes are ASCII-only, so the caller still runs the exact tests on non-ASCII lines; a
plugin whose pattern has no RE2 form is not covered here, and keeps its exact per-line test.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Protocol

import re2  # type: ignore[import-untyped]  # google-re2 publishes no stubs or py.typed

_MAX_MEM = 64 << 20


class Check(Protocol):
    """What candidates need of a plugin's check (engine._Check)."""

    @property
    def line(self) -> Callable[[str], bool]: ...
    @property
    def widened(self) -> tuple[str, ...] | None: ...
    @property
    def entropy(self) -> Any: ...


def compile_pattern(pattern: str) -> Any:
    """An RE2 pattern as the passes compile it (DFA memory for the plugins' union)."""
    options = re2.Options()
    options.log_errors = False  # RE2 would print to the user's stderr from C++
    # The union of every plugin's pattern needs more DFA states than RE2's default 8 MiB
    # allows; out of them, RE2 falls back to its much slower NFA for the rest of the text.
    options.max_mem = _MAX_MEM
    return re2.compile(pattern.encode(), options=options)


def _compiles(pattern: str) -> bool:
    try:
        compile_pattern(pattern)
    except re2.error:
        return False
    return True


def _run_pattern(plugin: Any) -> str | None:
    """A run of the plugin's charset long enough to pass its entropy limit, or None. The check
    offers the plugin only when its entropy is at most Shannon's (engine.entropy_is_bounded)."""
    charset = str(plugin.charset)
    if not charset.isascii() or any(c in charset for c in "'\"\n"):
        return None
    shortest = int(2 ** float(plugin.entropy_limit)) + 1
    members = "".join(c if c.isalnum() else "\\" + c for c in sorted(set(charset)))
    return f"[{members}]{{{shortest},}}"


def shannon_entropy(charset: str, value: str) -> float:
    """A high-entropy plugin's `calculate_shannon_entropy`, bit for bit (the same terms summed in
    the same order, the charset's, with its `math.log(x, 2)`: a value exactly at a limit must
    compare as the plugin compares it), counting the value's characters once instead of once
    per charset character. The hex plugin's own value is never larger."""
    counts = Counter(value)
    entropy = 0.0
    for char in charset:
        if char in counts:
            share = float(counts[char]) / len(value)
            entropy += -share * math.log(share, 2)
    return entropy


def unions(checks: Sequence[Check]) -> tuple[str | None, str | None, tuple[Check, ...]]:
    """The two RE2 passes' patterns for `checks`: the union of the regex plugins' widened
    patterns (multi-line), the union of the entropy plugins' runs (None: no such plugin), and
    the checks they cover (the others need their exact per-line test)."""
    patterns: list[str] = []
    runs: list[str] = []
    covered: list[Check] = []
    for check in checks:
        if check.widened is not None and all(_compiles(p) for p in check.widened):
            patterns += check.widened
            covered.append(check)
        elif check.entropy is not None and (run := _run_pattern(check.entropy)):
            runs.append(run)
            covered.append(check)
    return (
        "(?m)" + "|".join(patterns) if patterns else None,
        "|".join(runs) if runs else None,
        tuple(covered),
    )


@dataclass(frozen=True, slots=True)
class LineFinder:
    """The RE2 passes for the checks in `covered`."""

    matches: Any  # compiled union of the regex plugins' widened patterns, or None
    runs: Any  # compiled union of the entropy plugins' runs, or None
    entropy_tests: tuple[Callable[[str], bool], ...]
    covered: tuple[Check, ...]

    @classmethod
    def build(cls, checks: Sequence[Check]) -> LineFinder:
        matches, runs, covered = unions(checks)
        return cls(
            matches=compile_pattern(matches) if matches is not None else None,
            runs=compile_pattern(runs) if runs is not None else None,
            entropy_tests=tuple(c.line for c in covered if c.entropy is not None),
            covered=covered,
        )

    def covers(self, check: Check) -> bool:
        return any(check is c for c in self.covered)

    def lines(self, lines: Sequence[str]) -> set[int]:
        """0-based indices of `lines` a covered check may match (exact for ASCII lines)."""
        text = "\n".join(lines).encode("utf-8", "surrogatepass")
        # Byte offset at which each line starts: a line's UTF-8 length plus its newline.
        sizes = (
            len(ln) if ln.isascii() else len(ln.encode("utf-8", "surrogatepass")) for ln in lines
        )
        starts = [offset + number for number, offset in enumerate(accumulate(sizes, initial=0))]
        found: set[int] = set()
        if self.matches is not None:
            for m in self.matches.finditer(text):
                first = bisect.bisect_right(starts, m.start()) - 1
                last = bisect.bisect_right(starts, max(m.end() - 1, m.start())) - 1
                found.update(range(first, last + 1))
        if self.runs is not None:
            maybe = {bisect.bisect_right(starts, m.start()) - 1 for m in self.runs.finditer(text)}
            found.update(i for i in maybe if any(test(lines[i]) for test in self.entropy_tests))
        return found
