"""Inline suppression comments (`# nosec`, `# nosemgrep`): recorded as requests, never obeyed.

The tools would drop these findings themselves; we run them with suppressions disabled
(`--disable-nosem`, `--ignore-nosec`) and record the comment, so the report shows the request
(SARIF suppression kind inSource, status underReview) while the finding still blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_COMMENT = re.compile(r"#\s*(nosec|nosemgrep)\b[^#\n]*", re.IGNORECASE)


def requests_for(
    lines: Sequence[str], start: int, end: int, *, previous_line: bool
) -> tuple[str, ...]:
    """Suppression comments on 1-based lines start..end (and the line before, for semgrep)."""
    first = max(1, start - 1 if previous_line else start)
    found = []
    for number in range(first, min(end, len(lines)) + 1):
        line = lines[number - 1]
        for match in _COMMENT.finditer(line):
            if number < start and line.split("#", 1)[0].strip():
                continue  # a comment ending the previous statement's line covers that line only
            found.append(" ".join(match.group(0).lstrip("#").split()))
    return tuple(dict.fromkeys(found))
