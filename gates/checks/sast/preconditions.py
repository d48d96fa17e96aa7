"""Bundled semgrep rules semgrep cannot skip files for, and what a file must hold to match them.

semgrep skips a file for a rule when the file lacks a word the rule needs, and parses every file
some rule may match. Three bundled taint rules give it no such word (their sources are
metavariables: any parameter, `$REQ.body` with `$REQ` a regex), so semgrep parsed and analysed
every Python file for them: on the stripe sdist 34 s of semgrep's CPU with the first two, 20 s
without. Here each has a
*necessary* condition on the file's text: a file it does not hold in can hold no match of the
rule, so semgrep runs the rule only on the files it holds in (a second, small semgrep run), and the
others need no analysis for it. A condition may be loose (a file holding it need not match);
it may never be narrower than the rule.

Why each is necessary (semgrep matches names in patterns and anchored metavariable-regex
alternatives exactly, as written in the file; `getattr` and aliases of a method are not matched):
- request-body-logged, webhook-signature-unverified: every source is `$REQ.<attr>` (or its call,
  awaited or not) with `$REQ` one of request, req, self.request, flask.request and `<attr>` one of
  body, data, get_data, get_json, json, POST, form: `request` or `req`, then a dot, then the
  attribute, with only white space, comments or line continuations between them (Python allows no
  other token there). A taint finding needs a source. The two share their condition, so the second
  run parses no file more for the webhook rule: the main run on stripe 13.4 -> 11.1 s of CPU.
- sql-string-building: every sink is a call of a method named execute, executemany, executescript,
  raw, exec_driver_sql or mogrify, or of `text`: that name is a word of the file.

Measured and left in the main run (stripe sdist, 2026-12-06): signature-timing-compare,
card-data-logged and idempotency-key-missing have tight conditions too (16, 21 and 2 of 1,728
files), but those files are among the largest (0.5, 3.7 and 1.5 MB). Taking a rule out of the main
run spares 0.5-1.6 s of CPU there; a run of its own starts semgrep and parses its files again, and
cost 0.6, 2.5 and 1.4 s. Adding them to the second run grew it to 85 files, 5.8 MB, and the gate's
CPU did not drop. float-money's money words are in most files of a payment codebase.

tests/test_sast_preconditions.py checks each rule's positive examples hold their condition and
that the gate's findings are the same with and without the split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache

from gates.checks.pii import engine  # the package's re2 wrapper

_GAP = r"(?:\s|#[^\n]*|\\\n)*"  # what may stand between `request`, `.` and the attribute

_REQUEST_BODY = re.compile(
    rf"\b(?:request|req){_GAP}\.{_GAP}(?:body|data|get_data|get_json|json|POST|form)\b"
)

REQUIRES: Mapping[str, re.Pattern[str]] = {
    "request-body-logged": _REQUEST_BODY,
    "webhook-signature-unverified": _REQUEST_BODY,
    "sql-string-building": re.compile(
        r"\b(?:execute|executemany|executescript|raw|exec_driver_sql|mogrify|text)\b"
    ),
}


def needed(text: str, rules: Iterable[str] = REQUIRES) -> bool:
    """Whether some rule of `rules` (ids with a condition) may match a file with this text.

    Searched with re2, each distinct condition once: Python's `re` took 0.3 s per condition on
    the stripe sdist's 15 MB, re2 0.02-0.03 s. re2 here reads bytes as Latin-1 with ASCII `\\b`
    and `\\s`, which accepts every text Python's Unicode reading does (a non-ASCII letter next to
    `request` is a word boundary to re2, not to Python: looser, never narrower); Python source
    knows no other white space between tokens."""
    data = text.encode("utf-8", "surrogatepass")
    conditions = {REQUIRES[rule].pattern for rule in rules}
    return any(_compiled(c).search(data) is not None for c in sorted(conditions))


@cache
def _compiled(pattern: str) -> engine.Pattern:
    return engine.compile_known(pattern)
