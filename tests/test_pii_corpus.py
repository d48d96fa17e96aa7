"""The pii gate scored on a fixture corpus: recall per rule on must-find cases, decoys per rule.

tests/data/pii_corpus/cases.yaml holds one file's text per case, either a must-find case (the
rules it must produce) or a decoy (dates, phone numbers, order ids, UUIDs, amounts, invalid
checksums, valid digits without their keyword, public test cards in test paths). The score is
printed per rule (run with -s to see it); recall must be at least 98 % and no decoy may be
reported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from gates.checks.pii.gate import scan_text
from tests.gatekit import TEST_KEY

_CORPUS = Path(__file__).parent / "data" / "pii_corpus" / "cases.yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    id: str
    path: str
    text: str
    expect: frozenset[str]


def _cases() -> list[Case]:
    raw = yaml.safe_load(_CORPUS.read_text(encoding="utf-8"))
    cases = [
        Case(
            id=item["id"],
            path=item.get("path", "src/app.py"),
            text=item["text"],
            expect=frozenset(item["expect"]),
        )
        for item in raw
    ]
    assert len({c.id for c in cases}) == len(cases), "duplicate case id"
    return cases


CASES = _cases()


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    expected: Counter[str]
    found: Counter[str]
    decoys: Counter[str]
    missed: tuple[str, ...]
    false: tuple[str, ...]

    def recall(self) -> float:
        total = sum(self.expected.values())
        return sum(self.found.values()) / total if total else 1.0


def score(cases: list[Case]) -> Score:
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    decoys: Counter[str] = Counter()
    missed: list[str] = []
    false: list[str] = []
    for case in cases:
        got = {f.rule for f in scan_text(case.path, case.text, key=TEST_KEY)}
        for rule in case.expect:
            expected[rule] += 1
            if rule in got:
                found[rule] += 1
            else:
                missed.append(f"{case.id}: {rule}")
        for rule in sorted(got - case.expect):
            decoys[rule] += 1
            false.append(f"{case.id}: {rule}")
    return Score(
        expected=expected, found=found, decoys=decoys, missed=tuple(missed), false=tuple(false)
    )


def _table(s: Score) -> str:
    rules = sorted(set(s.expected) | set(s.decoys))
    lines = [f"{'rule':<24} {'found':>7} {'recall':>7} {'decoys':>7}"]
    for rule in rules:
        n = s.expected[rule]
        recall = f"{100 * s.found[rule] / n:.0f}%" if n else "-"
        lines.append(f"{rule:<24} {s.found[rule]:>3}/{n:<3} {recall:>7} {s.decoys[rule]:>7}")
    lines.append(f"{'all':<24} {'':>7} {100 * s.recall():>6.1f}% {sum(s.decoys.values()):>7}")
    return "\n".join(lines)


def test_corpus_shape() -> None:
    decoys = [c for c in CASES if not c.expect]
    assert len(CASES) >= 80
    assert len(decoys) * 2 >= len(CASES), "at least half the cases are decoys"
    from gates.checks.pii import national_ids

    covered = {rule for c in CASES for rule in c.expect}
    assert covered >= national_ids.RULE_IDS, "every national id kind has a must-find case"


def test_recall_and_decoys(capsys: pytest.CaptureFixture[str]) -> None:
    s = score(CASES)
    with capsys.disabled():
        print(f"\npii corpus: {len(CASES)} cases\n{_table(s)}")
    assert s.false == (), "decoys reported"
    assert s.recall() >= 0.98, f"missed: {s.missed}"


def test_the_scorer_counts_misses_and_decoys() -> None:
    """The score can fail: a must-find case whose value is broken is a miss, and a decoy case
    holding a real value is a decoy of that rule."""
    broken = Case(id="b", path="a.py", text="bsn = '595745488'", expect=frozenset({"pii.nl-bsn"}))
    planted = Case(id="p", path="a.py", text="bsn = '595745489'", expect=frozenset())
    s = score([broken, planted])
    assert s.missed == ("b: pii.nl-bsn",)
    assert s.false == ("p: pii.nl-bsn",)
    assert s.recall() == 0.0
