"""Merging hits that report the same problem (pure): one finding per problem, stable identity."""

from __future__ import annotations

import pytest

from gates.checks.sast.bandit_tests import TESTS
from gates.checks.sast.catalog import BUNDLED
from gates.checks.sast.equivalents import PROBLEMS
from gates.checks.sast.hits import ToolHit
from gates.checks.sast.merge import Proof, merge
from gates.model import Severity


def hit(rule: str, line: int = 3, **kw: object) -> ToolHit:
    tool = "bandit" if ".bandit." in rule else "semgrep"
    fields: dict[str, object] = {
        "tool": tool,
        "rule": rule,
        "path": "a.py",
        "line": line,
        "column": 5,
        "end_line": line,
        "end_column": 20,
        "severity": Severity.MEDIUM,
        "message": f"{rule} message",
    }
    fields.update(kw)
    return ToolHit(**fields)  # type: ignore[arg-type]  # test helper: fields are checked above


def _summary(hits: list[ToolHit]) -> list[tuple[str, int, str, str]]:
    return [
        (h.rule, h.line, dict(h.properties)["engines"], dict(h.properties)["rules"]) for h in hits
    ]


def test_bandit_and_semgrep_on_one_line_are_one_finding() -> None:
    sg = hit("sast.shell-injection", severity=Severity.HIGH, message="Command run through a shell.")
    bd = hit(
        "sast.bandit.B602",
        severity=Severity.HIGH,
        column=1,
        end_line=4,
        end_column=3,
        properties=(("bandit_confidence", "high"), ("cwe", "CWE-78")),
    )
    (merged,) = merge([bd, sg])
    assert merged.rule == "sast.shell-injection"
    assert merged.message == (
        "Command run through a shell. [found by: bandit B602, semgrep shell-injection]"
    )
    assert merged.severity is Severity.HIGH
    assert (merged.line, merged.column, merged.end_line, merged.end_column) == (3, 5, 4, 3)
    assert dict(merged.properties) == {
        "bandit_confidence": "high",
        "cwe": "CWE-78",
        "engines": "bandit,semgrep",
        "rules": "sast.bandit.B602,sast.shell-injection",
    }


def test_highest_severity_wins() -> None:
    (merged,) = merge([hit("sast.eval-exec", severity=Severity.LOW),
                       hit("sast.bandit.B307", severity=Severity.HIGH)])  # fmt: skip
    assert merged.severity is Severity.HIGH
    assert merged.message.startswith("sast.eval-exec message")


@pytest.mark.parametrize(
    "found",
    [["sast.shell-injection"], ["sast.bandit.B602"], ["sast.shell-injection", "sast.bandit.B602"]],
    ids=["semgrep-only", "bandit-only", "both"],
)
def test_rule_id_is_the_problems_whichever_engine_found_it(found: list[str]) -> None:
    (merged,) = merge([hit(r) for r in found])
    assert merged.rule == "sast.shell-injection"
    assert dict(merged.properties)["rules"] == ",".join(sorted(found))


def test_different_lines_or_paths_are_different_findings() -> None:
    hits = [
        hit("sast.eval-exec", 3),
        hit("sast.bandit.B307", 4),
        hit("sast.bandit.B307", 3, path="b.py"),
    ]
    assert [(h.path, h.line, h.rule) for h in merge(hits)] == [
        ("a.py", 3, "sast.eval-exec"),
        ("a.py", 4, "sast.eval-exec"),
        ("b.py", 3, "sast.eval-exec"),
    ]


def test_unrelated_rules_on_one_line_stay_apart() -> None:
    hits = [hit("sast.bandit.B602"), hit("sast.bandit.B607"), hit("sast.raw-sql-payment-table")]
    assert _summary(merge(hits)) == [
        ("sast.bandit.B607", 3, "bandit", "sast.bandit.B607"),
        ("sast.raw-sql-payment-table", 3, "semgrep", "sast.raw-sql-payment-table"),
        ("sast.shell-injection", 3, "bandit", "sast.bandit.B602"),
    ]


def test_one_rule_twice_on_a_line_is_one_finding() -> None:
    (merged,) = merge([hit("sast.float-money", column=9), hit("sast.float-money", column=30)])
    assert merged.column == 9
    assert "[found by" not in merged.message


def test_broader_rule_joins_only_a_more_specific_problem() -> None:
    alone = merge([hit("sast.bandit.B311")])
    assert [h.rule for h in alone] == ["sast.bandit.B311"]
    (joined,) = merge([hit("sast.bandit.B311", severity=Severity.LOW),
                       hit("sast.insecure-random-token", severity=Severity.HIGH)])  # fmt: skip
    assert (joined.rule, joined.severity) == ("sast.insecure-random-token", Severity.HIGH)


def test_weak_hmac_absorbs_weak_hash_and_bandit_md5() -> None:
    line = [hit("sast.weak-hash"), hit("sast.bandit.B324"), hit("sast.weak-hmac")]
    assert _summary(merge(line)) == [
        ("sast.weak-hmac", 3, "bandit,semgrep", "sast.bandit.B324,sast.weak-hash,sast.weak-hmac")
    ]
    assert _summary(merge(line[:2])) == [
        ("sast.weak-hash", 3, "bandit,semgrep", "sast.bandit.B324,sast.weak-hash")
    ]


def test_proofs_drop_the_hits_they_cover() -> None:
    proof = Proof(path="a.py", line=3, end_line=5, rules=frozenset({"sast.bandit.B608"}))
    hits = [hit("sast.bandit.B608", 4), hit("sast.bandit.B608", 6), hit("sast.bandit.B608", 4, path="b.py"),
            hit("sast.bandit.B307", 4)]  # fmt: skip
    assert [(h.path, h.line, h.rule) for h in merge(hits, [proof])] == [
        ("a.py", 4, "sast.eval-exec"),
        ("a.py", 6, "sast.sql-string-building"),
        ("b.py", 4, "sast.sql-string-building"),
    ]


def test_merging_is_order_independent() -> None:
    hits = [
        hit("sast.bandit.B602", column=1),
        hit("sast.shell-injection"),
        hit("sast.bandit.B404", 1),
    ]
    assert merge(hits) == merge(list(reversed(hits)))


def test_the_data_names_known_rules_with_their_cwe() -> None:
    bundled = {r.id: r for r in BUNDLED}
    bandit = {f"sast.bandit.{row[0]}": f"CWE-{row[2]}" for row in TESTS}
    for problem in PROBLEMS:
        assert problem.rule in bundled, problem.rule
        assert bundled[problem.rule].tags[0] == problem.cwe, problem.rule
        assert problem.equivalent[0] == problem.rule
        for rule in (*problem.equivalent, *problem.broader):
            assert rule in bundled or rule in bandit, rule
    assert len({p.rule for p in PROBLEMS}) == len(PROBLEMS)
    every = [r for p in PROBLEMS for r in p.equivalent]
    assert len(every) == len(set(every)), "a rule is equivalent in one Problem at most"


def test_a_proof_is_void_where_the_precise_rule_fired() -> None:
    proof_hit = hit(
        "sast.proof-sql-bound-parameters",
        line=3,
        end_line=4,
        proves_safe=("sast.bandit.B608",),
        unless=("sast.sql-string-building",),
    )
    proof = Proof.of(proof_hit)
    assert (proof.line, proof.end_line, proof.unless) == (
        3,
        4,
        frozenset({"sast.sql-string-building"}),
    )
    safe = merge([hit("sast.bandit.B608", 3)], [proof])
    assert safe == []
    unsafe = merge([hit("sast.bandit.B608", 3), hit("sast.sql-string-building", 4)], [proof])
    assert [(h.rule, h.line) for h in unsafe] == [
        ("sast.sql-string-building", 3),
        ("sast.sql-string-building", 4),
    ]
