"""The bundled rules semgrep cannot skip files for run only where their precondition holds
(gates/checks/sast/preconditions.py): each positive example holds it, and the gate's findings
are the same with and without the split, on real semgrep."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.checks.sast import GATE, preconditions, semgrep
from gates.checks.sast import gate as sast_gate
from gates.checks.sast.config import parse
from tests.gatekit import context, make_repo, meeting_at_a_barrier

RULE_TESTS = Path(__file__).resolve().parent.parent / "gates" / "policies" / "semgrep" / "tests"
_TOP = re.compile(r"^(?:@|def |async def |class )", re.MULTILINE)


def _examples(rule: str) -> list[str]:
    """The top-level definition around each `# ruleid: RULE` line of the rule tests."""
    found = []
    for path in sorted(RULE_TESTS.glob("*.py")):
        text = path.read_text()
        starts = [m.start() for m in _TOP.finditer(text)] + [len(text)]
        for m in re.finditer(rf"# ruleid: {re.escape(rule)}\b", text):
            begin = max((s for s in starts if s <= m.start()), default=0)
            end = min(s for s in starts if s > m.start())
            found.append(text[begin:end])
    return found


@pytest.mark.parametrize("rule", sorted(preconditions.REQUIRES))
def test_every_positive_example_holds_its_precondition(rule: str) -> None:
    examples = _examples(rule)
    assert examples, f"no `# ruleid: {rule}` example in {RULE_TESTS}"
    for example in examples:
        assert preconditions.needed(example, [rule]), example


def test_line_breaks_and_comments_inside_the_attribute_access_still_hold() -> None:
    spelled = "log.info((request  # the body\n    .\\\n  json))"
    assert preconditions.needed(spelled, ["request-body-logged"])
    assert not preconditions.needed("requests.json()", ["request-body-logged"])


def _findings(root: Path, jobs: int = 1) -> list[tuple[str, str, int, str]]:
    ctx = dataclasses.replace(context("sast", root, {"bandit": {"enabled": False}}), jobs=jobs)
    return sorted((f.rule, f.location.path, f.location.line, f.fingerprint) for f in GATE.run(ctx))


def test_the_split_finds_what_one_run_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"app/{p.name}": p.read_text() for p in sorted(RULE_TESTS.glob("*.py"))}
    files["app/plain.py"] = "def f(x):\n    return x + 1\n"  # holds neither precondition
    root = make_repo(tmp_path / "r", files)
    runs: list[list[str]] = []
    real_run = semgrep.run

    def counted(root: Path, passes: Any, **kwargs: Any) -> Any:
        runs.extend(list(p.files) for p in passes)
        return real_run(root, passes, **kwargs)

    monkeypatch.setattr(semgrep, "run", counted)
    monkeypatch.setattr(sast_gate, "_SPLIT_MIN_SPARED", 0)  # split even a tree this small
    split = _findings(root)
    rules = {rule for rule, *_ in split}
    assert {f"sast.{rule}" for rule in preconditions.REQUIRES} <= rules
    assert len(runs) == 2
    assert "app/plain.py" in runs[0]
    assert "app/plain.py" not in runs[1]  # the second run: only where a condition holds
    runs.clear()
    monkeypatch.setattr(preconditions, "REQUIRES", {})
    assert _findings(root) == split
    assert len(runs) == 1


def test_the_split_runs_beside_the_main_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two jobs the second pass does not wait for the first: both semgrep processes are
    running at once (each waits for the other at a barrier before it starts), and the findings
    are those of one process."""
    files = {f"app/{p.name}": p.read_text() for p in sorted(RULE_TESTS.glob("*.py"))}
    root = make_repo(tmp_path / "r", files)
    monkeypatch.setattr(sast_gate, "_SPLIT_MIN_SPARED", 0)
    one = _findings(root)
    started = meeting_at_a_barrier(monkeypatch, semgrep, "run_tool", 2)
    assert _findings(root, jobs=2) == one
    assert len(started) == 2
    assert sum("--exclude-rule=sql-string-building" in argv for argv in started) == 1


def test_a_local_rule_with_a_conditional_id_turns_the_split_off(tmp_path: Path) -> None:
    bundled = sorted((RULE_TESTS.parent).glob("*.yaml"))
    cfg = parse({})
    assert sast_gate._split(bundled, bundled, cfg) is not None
    local = tmp_path / "mine.yaml"
    local.write_text(
        "rules:\n  - id: sql-string-building\n    languages: [python]\n    severity: ERROR\n"
        "    message: mine\n    pattern: foo(...)\n"
    )
    assert sast_gate._split(bundled, [*bundled, local], cfg) is None
    excluded = parse({"semgrep": {"exclude_rules": sorted(preconditions.REQUIRES)}})
    assert sast_gate._split(bundled, bundled, excluded) is None


_PIECES = st.sampled_from(
    ["request", "req", "requests", ".", " ", "\t", "\n", "#c\n", "\\\n", "body", "json", "POST",
     "form", "data", "execute", "text", "raw", "_", "é", "x", "(", ")", "self.", "mogrify", "1"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_re2_accepts_every_text_pythons_re_accepts(text: str) -> None:
    """The gate searches the conditions with re2 (fast); they are written and reasoned about as
    Python regular expressions: re2 may be looser, never narrower."""
    for rule, pattern in preconditions.REQUIRES.items():
        if pattern.search(text) is not None:
            assert preconditions.needed(text, [rule]), (rule, text)
