"""The pii gate end to end on real git repositories: exact findings, masking, fingerprints,
suppression requests, configuration errors and the gate's contract."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gates.checks.pii import GATE
from gates.checks.pii import gate as pii_gate
from gates.errors import GateCannotRun, InvalidInput
from gates.fingerprint import FingerprintKey
from gates.model import Finding
from tests.gatekit import context, make_repo, shown

BILLING = """\
import structlog

log = structlog.get_logger()
FALLBACK_CARD = "4301 6613 1860 9135"
SETTLEMENT_IBAN = "DE89 3704 0044 0532 0130 00"
DEMO_CARD = "4242424242424242"
BUILD = "1700000000000"  # epoch millis, not a card


def charge(card, amount):
    log.info("charged", card_number=card.number, amount=amount)
"""
CHECKOUT_TEST = """\
VISA = "4111 1111 1111 1111"
AMEX = "378282246310005"
LEAKED = "5537865797543235"  # gates: allow pii copied from a support ticket
"""
CUSTOMERS = """\
[
  {"name": "Jane Roe", "email": "jane.roe@gmail.com", "phone": "+44 20 7946 0958",
   "cvv": "737", "ssn": "536-22-8726"},
  {"name": "Test", "email": "test@example.com", "cvv": "***"}
]
"""
NOTES = """\
Request 123e4567-e89b-12d3-a456-426614174000 took 1700000000123 ms.
Release 4.31.0, digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.
Order ORD-4301661318609135 shipped; routing 021000021.
"""
CONFIG = {"allow_test_cards_in": ["tests/**"]}


def _repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            "app/billing.py": BILLING,
            "tests/test_checkout.py": CHECKOUT_TEST,
            "tests/fixtures/customers.json": CUSTOMERS,
            "docs/notes.md": NOTES,
        },
    )


def _run(root: Path, config: dict[str, Any] | None = None, **kw: Any) -> list[Finding]:
    ctx = context("pii", root, CONFIG if config is None else config)
    if kw:
        ctx = dataclasses.replace(ctx, **kw)
    return list(GATE.run(ctx))


def test_exact_findings(tmp_path: Path) -> None:
    found = _run(_repo(tmp_path))
    assert [(f.rule, f.location.path, f.location.line) for f in found] == [
        ("pii.pan", "app/billing.py", 4),
        ("pii.iban", "app/billing.py", 5),
        ("pii.pan-test", "app/billing.py", 6),
        ("pii.log-field", "app/billing.py", 11),
        ("pii.email", "tests/fixtures/customers.json", 2),
        ("pii.phone", "tests/fixtures/customers.json", 2),
        ("pii.field-name", "tests/fixtures/customers.json", 3),
        ("pii.ssn", "tests/fixtures/customers.json", 3),
        ("pii.pan", "tests/test_checkout.py", 3),
    ]
    by_rule = {f.rule: f for f in reversed(found)}  # the first finding of each rule
    assert by_rule["pii.pan"].message == (
        "Visa card number 4301 66•• •••• 9135 in clear text (Luhn-valid, issuer range)"
    )
    assert by_rule["pii.pan"].severity == "critical"
    assert by_rule["pii.pan"].snippet == 'FALLBACK_CARD = "4301 66•• •••• 9135"'
    assert (by_rule["pii.pan"].location.column, by_rule["pii.pan"].location.end_column) == (18, 37)
    assert by_rule["pii.iban"].message == (
        "IBAN DE89 •••• •••• •••• ••30 00 in clear text (valid DE length and mod-97)"
    )
    assert by_rule["pii.pan-test"].message == "public Visa test card number 4242 42•• •••• 4242"
    assert by_rule["pii.pan-test"].severity == "low"
    assert by_rule["pii.ssn"].message == "US Social Security number •••-••-8726 in clear text"
    assert by_rule["pii.field-name"].message == (
        "PII field 'cvv' holds a literal value (•••) in a fixture"
    )


def test_test_cards_are_reported_low_when_not_allowed(tmp_path: Path) -> None:
    found = _run(_repo(tmp_path), config={"test_paths": []})
    tests_only = [(f.rule, f.location.line) for f in found if f.location.path.startswith("tests/t")]
    assert tests_only == [("pii.pan-test", 1), ("pii.pan-test", 2), ("pii.pan", 3)]


def test_default_test_paths_drop_only_public_test_cards(tmp_path: Path) -> None:
    found = _run(_repo(tmp_path), config={})
    tests_only = [(f.rule, f.location.line) for f in found if f.location.path.startswith("tests/t")]
    assert tests_only == [("pii.pan", 3)]  # the real-range number stays critical in tests


RAW_VALUES = (
    "4301661318609135",
    "4301 6613 1860 9135",
    "DE89370400440532013000",
    "3704 0044 0532",
    "4242424242424242",
    "4111 1111 1111 1111",
    "5537865797543235",
    "jane.roe@gmail.com",
    "7946 0958",
    "536-22-8726",
    "536228726",
    '"737"',
)


def test_no_value_in_clear_in_any_field(tmp_path: Path) -> None:
    """Every field a report can show; the raw value only in the in-memory `sensitive.`
    properties, which no report renders and the masking boundary learns from."""
    found = _run(_repo(tmp_path), config={})
    assert found
    assert any(dict(f.properties).get("sensitive.value") for f in found)
    for finding in found:
        text = repr(shown(finding))  # every field: message, snippet, properties, requests, location
        for raw in RAW_VALUES:
            assert raw not in text, (raw, finding.rule)


def test_fingerprints_ignore_lines_and_grouping(tmp_path: Path) -> None:
    a = make_repo(tmp_path / "a", {"app/x.py": 'CARD = "4301 6613 1860 9135"\n'})
    b = make_repo(tmp_path / "b", {"app/x.py": '\n\n\nif x:\n    CARD = "4301-6613-1860-9135"\n'})
    c = make_repo(tmp_path / "c", {"app/y.py": 'CARD = "4301661318609135"\n'})
    (fa,), (fb,), (fc,) = _run(a), _run(b), _run(c)
    assert (fa.location.line, fb.location.line) == (1, 5)
    assert fa.fingerprint == fb.fingerprint
    assert fc.fingerprint != fa.fingerprint  # the path is part of a finding's identity
    other_key = FingerprintKey(key=b"z" * 32, source="tests", derived=False)
    (fd,) = pii_gate.scan_text("app/x.py", 'CARD = "4301661318609135"\n', key=other_key)
    assert fd.fingerprint != fa.fingerprint  # keyed: nothing to brute-force without the key


def test_identical_occurrences_share_a_fingerprint(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.txt": "4301661318609135\nx\n4301 6613 1860 9135\n"})
    first, second = _run(root)
    assert first.fingerprint == second.fingerprint
    assert (first.location.line, second.location.line) == (1, 3)


def test_suppression_requests_are_recorded_not_applied(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "r",
        {
            "a.py": 'A = "4301661318609135"  # gates: allow pii ticket PAY-12\n'
            "# gates: allow pii fixture for refunds\n"
            'B = "5537865797543235"\n'
            'C = "5182199351819098"\n',
            "web/app.js": 'const d = "2221194875749111"; // Gates: Allow PII demo\n',
            "db/seed.sql": "insert into t values ('342768426846563'); -- gates: allow pii\n",
        },
    )
    got = {(f.location.path, f.location.line): f.suppression_requests for f in _run(root)}
    assert got == {
        ("a.py", 1): ("gates: allow pii ticket PAY-12",),
        ("a.py", 3): ("gates: allow pii fixture for refunds",),
        ("a.py", 4): (),
        ("web/app.js", 1): ("Gates: Allow PII demo",),
        ("db/seed.sql", 1): ("gates: allow pii",),
    }


def test_custom_patterns(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"hr.py": "EMP = 'EMP-004211'\nOTHER = 'EMP-12'\n"})
    cfg = {
        "extra_patterns": [
            {
                "id": "employee-id",
                "regex": r"EMP-\d{6}",
                "severity": "medium",
                "message": "employee id",
            },
            {"id": "lookbehind", "regex": r"(?<=EMP-)\d{6}", "message": "python-only syntax"},
        ]
    }
    found = _run(root, config=cfg)
    assert [(f.rule, f.severity, f.message, f.location.line) for f in found] == [
        ("pii.custom.employee-id", "medium", "employee id: ••••••••11", 1),
        ("pii.custom.lookbehind", "high", "python-only syntax: ••••••", 1),
    ]


BAD_CONFIGS = [
    (
        {"extra_patterns": [{"id": "x", "regex": "(unclosed", "message": "m"}]},
        "policy: $.gates.pii.extra_patterns[0].regex: invalid regular expression: "
        "missing ), unterminated subpattern at position 0. Fix: fix the pattern",
    ),
    (
        {"extra_patterns": [{"id": "x", "regex": "a*", "message": "m"}]},
        "policy: $.gates.pii.extra_patterns[0].regex: matches the empty string. "
        "Fix: require at least one character",
    ),
    (
        {
            "extra_patterns": [
                {"id": "x", "regex": "a", "message": "m"},
                {"id": "x", "regex": "b", "message": "m"},
            ]
        },
        "policy: $.gates.pii.extra_patterns[1].id: duplicate id 'x'. "
        "Fix: give each pattern its own id",
    ),
    (
        {"extra_patterns": [{"id": "x", "regex": "a", "message": "m", "severity": "urgent"}]},
        "policy: $.gates.pii.extra_patterns[0].severity: unknown severity 'urgent'. "
        "Fix: use low, medium, high or critical",
    ),
    (
        {"extra_patterns": [{"id": "Bad Id", "regex": "a", "message": "m"}]},
        "policy: $.gates.pii.extra_patterns[0].id: 'Bad Id' is not a valid id. "
        "Fix: use lowercase letters, digits and dashes",
    ),
    (
        {"allow_test_card_in": ["tests/**"]},
        "policy: $.gates.pii.allow_test_card_in: unknown key. Fix: use one of: "
        "allow_test_cards_in, extra_field_names, extra_patterns, fixture_paths, log_sanitizers, "
        "national_id_keywords, test_paths",
    ),
    (
        {"extra_field_names": ["card number"]},
        "policy: $.gates.pii.extra_field_names[0]: 'card number' is not a valid name. "
        "Fix: use a name like [A-Za-z][A-Za-z0-9_.-]{1,63}",
    ),
]


@pytest.mark.parametrize(
    ("config", "message"),
    BAD_CONFIGS,
    ids=[
        "bad-regex",
        "empty-match",
        "duplicate-id",
        "bad-severity",
        "bad-id",
        "typo-key",
        "bad-field",
    ],
)
def test_config_errors(tmp_path: Path, config: dict[str, Any], message: str) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    with pytest.raises(InvalidInput) as err:
        _run(root, config=config)
    assert str(err.value) == message


def test_schema_is_valid_and_documented() -> None:
    jsonschema.Draft202012Validator.check_schema(GATE.config_schema)
    props = GATE.config_schema["properties"]
    assert all(p.get("description") for p in props.values())
    assert all(
        p.get("description") for p in props["extra_patterns"]["items"]["properties"].values()
    )
    validator = jsonschema.Draft202012Validator(GATE.config_schema)
    assert not list(
        validator.iter_errors({"extra_patterns": [{"id": "a", "regex": "b", "message": "c"}]})
    )
    assert list(validator.iter_errors({"allow_test_card_in": []}))


def test_rules_are_described() -> None:
    ids = [r.id for r in GATE.rules]
    assert ids == sorted(set(ids), key=ids.index)  # unique
    assert all(
        i.startswith("pii.") and r.summary and r.help for i, r in zip(ids, GATE.rules, strict=True)
    )


def test_no_files_fails_closed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    with pytest.raises(GateCannotRun, match="no files to scan"):
        _run(root, files=())


def test_parallel_matches_single_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path)
    single = _run(root)
    monkeypatch.setattr(pii_gate, "PARALLEL_MIN_BYTES", 0)
    assert _run(root, jobs=2) == single


def test_invalid_utf8_and_columns(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "r", {"latin1.txt": "café ∑ 4301661318609135\n".encode("latin-1", "replace")}
    )
    (f,) = _run(root)
    assert (f.rule, f.location.line, f.location.column) == ("pii.pan", 1, 8)


def test_package_import_stays_light() -> None:
    heavy = ("re2", "multiprocessing", "gates.checks.pii.scanner", "gates.checks.pii.logcalls")
    code = f"import sys, gates.checks.pii; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_shipped_demo_repository(tmp_path: Path) -> None:
    from importlib.resources import as_file, files

    with as_file(files("gates") / "policies" / "demo" / "repo") as src:
        root = tmp_path / "demo"
        shutil.copytree(src, root)
    make_repo(root, {})
    found = _run(root, config={"allow_test_cards_in": ["**/tests/**"]})
    checkout = "services/checkout/"
    assert [(f.rule, f.location.path.removeprefix(checkout), f.location.line) for f in found] == [
        ("pii.iban", "charge.py", 13),
        ("pii.log-field", "charge.py", 30),
        ("pii.email", "fixtures/customers.json", 5),
        ("pii.pan", "fixtures/customers.json", 6),
        ("pii.iban", "fixtures/customers.json", 7),
        ("pii.ssn", "fixtures/customers.json", 8),
        # line 14's public test number: fixtures/ is a default test path
    ]


def test_policy_section_validates_with_the_common_keys() -> None:
    from gates.policy import check_schema, gate_schema

    section = {
        "enabled": True,
        "exclude": ["vendor/**"],
        "allow_test_cards_in": ["tests/**", "**/fixtures/**"],
        "extra_patterns": [{"id": "emp", "regex": "EMP-[0-9]{6}", "message": "employee id"}],
    }
    check_schema(section, gate_schema(GATE), "policy.yaml", ("gates", "pii"))
    with pytest.raises(InvalidInput, match=r"\$\.gates\.pii"):
        check_schema({"allow_test_card_in": []}, gate_schema(GATE), "policy.yaml", ("gates", "pii"))


def test_scans_a_git_revision_like_the_working_tree(tmp_path: Path) -> None:
    from gates import workspace
    from tests.gatekit import git

    root = make_repo(tmp_path / "r", {"app/a.py": 'CARD = "4301661318609135"\n'})
    (root / "app/a.py").write_text("CARD = None\n")
    git(root, "commit", "-qam", "remove the card")
    base = workspace.at_revision(root.resolve(), "HEAD~1", {"app/a.py": "app/a.py"})
    ctx = dataclasses.replace(context("pii", root, {}), workspace=base, files=base.files)
    assert [(f.rule, f.location.line) for f in GATE.run(ctx)] == [("pii.pan", 1)]
    assert _run(root) == []


def test_csv_columns_named_as_pii(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "r",
        {
            "data/export.csv": "id,cvv,dob,note\n1,737,1984-03-07,ok\n2,,REDACTED,x\n3,***,n/a,y\n",
            "data/export.tsv": "id\tpassport_number\n1\tX1234567\n",
        },
    )
    got = [(f.location.path, f.location.line, dict(f.properties)["field"]) for f in _run(root)]
    assert got == [
        ("data/export.csv", 2, "cvv"),
        ("data/export.csv", 2, "dob"),
        ("data/export.tsv", 2, "passport_number"),
    ]


def test_allowed_test_cards_stay_masked_in_other_snippets(tmp_path: Path) -> None:
    line = 'PAIR = ("4111111111111111", "4301661318609135")  # fixture\n'
    root = make_repo(tmp_path / "r", {"tests/test_pay.py": line})
    (f,) = _run(root)
    assert f.rule == "pii.pan"
    assert f.snippet == 'PAIR = ("4111 11•• •••• 1111", "4301 66•• •••• 9135")  # fixture'


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_pool_workers_die_with_the_gate_process() -> None:
    code = (
        "import ctypes, os\n"
        "from gates._proc import die_with_parent\n"
        "die_with_parent(os.getppid())\n"
        "sig = ctypes.c_int()\n"
        "ctypes.CDLL(None).prctl(2, ctypes.byref(sig))  # PR_GET_PDEATHSIG\n"
        "print(sig.value)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "9"
