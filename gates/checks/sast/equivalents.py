"""Which rules flag the same problem: the data the sast gate merges duplicate findings by.

A `Problem` names our rule id for one kind of bug (`rule`, always a bundled semgrep rule, so
`gates explain` knows it), its CWE, and the tool rules that report exactly that bug
(`equivalent`, most specific first: the first one present gives the merged finding's message).
Two hits are the same problem when they are on the same path and start line and their rules
belong to the same Problem; the merged finding then carries `rule`, whichever engine found it,
so its fingerprint (gate, rule, path, line content) does not change when an engine is turned off
or stops matching.

`broader` lists rules that flag a wider class (bandit B311 flags every `random` call, our rule
only token-making ones; weak-hash any MD5, weak-hmac an MD5 signature): such a hit joins the
Problem only when one of its equivalent rules fired on the same line, and then that more
specific Problem wins over the hit's own; alone it keeps its own id or Problem (a weaker claim).

Rules that do not appear here are never merged with other rules (the same rule twice on one
line is still one finding). Keep each row's CWE equal to its semgrep rule's first CWE
(tests/test_sast_merge.py checks it).
"""

from __future__ import annotations

from gates.record import record


@record
class Problem:
    rule: str
    cwe: str
    equivalent: tuple[str, ...]
    broader: tuple[str, ...] = ()


PROBLEMS: tuple[Problem, ...] = (
    Problem(
        rule="sast.shell-injection",
        cwe="CWE-78",
        equivalent=("sast.shell-injection", "sast.bandit.B602", "sast.bandit.B605"),
        broader=("sast.bandit.B604",),
    ),
    Problem(
        rule="sast.unsafe-yaml-load",
        cwe="CWE-502",
        equivalent=("sast.unsafe-yaml-load", "sast.bandit.B506"),
    ),
    Problem(
        rule="sast.pickle-load",
        cwe="CWE-502",
        equivalent=("sast.pickle-load", "sast.bandit.B301"),
    ),
    Problem(
        rule="sast.eval-exec",
        cwe="CWE-95",
        equivalent=("sast.eval-exec", "sast.bandit.B307", "sast.bandit.B102"),
    ),
    Problem(
        rule="sast.tls-verify-disabled",
        cwe="CWE-295",
        equivalent=("sast.tls-verify-disabled", "sast.bandit.B501", "sast.bandit.B323"),
    ),
    Problem(
        rule="sast.sql-string-building",
        cwe="CWE-89",
        equivalent=("sast.sql-string-building", "sast.bandit.B608"),
    ),
    Problem(
        rule="sast.weak-hash",
        cwe="CWE-327",
        equivalent=("sast.weak-hash", "sast.bandit.B324", "sast.bandit.B303"),
    ),
    Problem(
        rule="sast.weak-hmac",
        cwe="CWE-328",
        equivalent=("sast.weak-hmac",),
        broader=("sast.weak-hash", "sast.bandit.B324", "sast.bandit.B303"),
    ),
    Problem(
        rule="sast.insecure-random-token",
        cwe="CWE-338",
        equivalent=("sast.insecure-random-token",),
        broader=("sast.bandit.B311",),
    ),
    Problem(
        rule="sast.debug-enabled",
        cwe="CWE-489",
        equivalent=("sast.debug-enabled", "sast.bandit.B201"),
    ),
)
