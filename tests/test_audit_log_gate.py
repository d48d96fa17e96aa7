"""The audit-log gate end to end: real git repositories, the CLI, policies, reports."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gates.checks.audit_log import GATE
from gates.errors import GateCannotRun, InvalidInput
from tests.gatekit import context, git, make_repo, run_cli

FULL = (
    "payment_id=payment.id, actor=actor, old_status=old, new_status=payment.status, "
    "amount=str(payment.amount), currency=payment.currency"
)
AUDIT_PY = f"""\
import structlog

log = structlog.get_logger(__name__)


def record(event, payment, actor, old):
    log.info(event, {FULL})
"""
REFUNDS_PY = """\
from billing.audit import record


class GatewayError(Exception):
    pass


def refund(payment, actor, gateway):
    old = payment.status
    try:
        payment.status = "refunded"
        payment.save(update_fields=["status"])
        gateway.refund(payment.psp_reference)
    except GatewayError:
        return False
    record("payment.refunded", payment, actor, old)
    return True


def capture(payment, actor):
    old = payment.status
    payment.status = "captured"
    payment.save(update_fields=["status"])
    record("payment.captured", payment, actor, old)
"""
UNAUDITED_PY = """\
def void(payment):
    payment.status = "voided"
    payment.save()
"""


def _repo(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            "billing/__init__.py": "",
            "billing/audit.py": AUDIT_PY,
            "billing/refunds.py": REFUNDS_PY,
            "tests/test_refunds.py": UNAUDITED_PY,  # tests are not payment code
            **(extra or {}),
        },
    )


def _json(root: Path, *argv: str) -> tuple[int, list[tuple[str, str, int, str]]]:
    code, out = run_cli(root, "run", "--gate", "audit-log", "--format", "json", *argv)
    doc = json.loads(out)
    return code, [
        (f["rule"], f["location"]["path"], f["location"]["line"], f["message"])
        for f in doc["findings"]
    ]


def test_cli_reports_the_error_path_and_resolves_the_helper_module(tmp_path: Path) -> None:
    code, found = _json(_repo(tmp_path))
    assert code == 1
    assert found == [
        (
            "audit-log.error-path",
            "billing/refunds.py",
            14,
            "refund(): except GatewayError at line 14 leaves without an audit event after "
            "payment.status = … at line 11. Fix: log the failure before leaving, e.g. "
            'log.error("payment.<event>", payment_id=…, actor=…, old_status=…, new_status=…, '
            "amount=…, currency=…)",
        )
    ]


def test_cli_passes_a_fully_audited_repository(tmp_path: Path) -> None:
    fixed = REFUNDS_PY.replace(
        "    except GatewayError:\n        return False",
        '    except GatewayError:\n        record("payment.refund_failed", payment, actor, old)\n'
        "        return False",
    )
    root = _repo(tmp_path, {"billing/refunds.py": fixed})
    assert _json(root) == (0, [])


def test_precommit_mode_reads_the_unnamed_helper_module_from_the_repository(
    tmp_path: Path,
) -> None:
    root = _repo(tmp_path)
    code, found = _json(root, "billing/refunds.py")
    assert code == 1
    assert [(r, p, line) for r, p, line, _ in found] == [
        ("audit-log.error-path", "billing/refunds.py", 14)
    ]


def test_a_symlinked_helper_module_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "audit.py").write_text(AUDIT_PY)
    root = make_repo(
        tmp_path / "repo", {"billing/__init__.py": "", "billing/refunds.py": REFUNDS_PY}
    )
    os.symlink(outside / "audit.py", root / "billing" / "audit.py")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "link")
    _code, found = _json(root, "billing/refunds.py")
    # Without the helper, nothing after the change is an audit event.
    assert {(r, line) for r, _p, line, _m in found} == {
        ("audit-log.missing", 11),
        ("audit-log.missing", 22),
    }


def test_unparsable_python_blocks(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"billing/legacy.py": "print 'python 2'\n"})
    code, found = _json(root)
    assert code == 1
    assert ("audit-log.unparsed", "billing/legacy.py", 1) in [(r, p, n) for r, p, n, _ in found]


def test_per_path_overrides_relax_the_required_fields(tmp_path: Path) -> None:
    legacy = """\
import structlog

log = structlog.get_logger()


def settle(payment):
    payment.status = "settled"
    log.info("payment.settled", payment_id=payment.id)
"""
    policy = """\
version: 1
extends: fintech-default
overrides:
  - paths: ["legacy/**"]
    gates:
      audit-log: {required_fields: [payment_id]}
"""
    root = _repo(
        tmp_path,
        {
            "legacy/settle.py": legacy,
            "billing/settle.py": legacy,
            ".release-gates/policy.yaml": policy,
        },
    )
    code, found = _json(root)
    assert code == 1
    assert [(r, p) for r, p, _n, _m in found] == [
        ("audit-log.error-path", "billing/refunds.py"),
        ("audit-log.missing-fields", "billing/settle.py"),  # legacy/settle.py: payment_id is enough
    ]


def test_invalid_config_is_exit_2(tmp_path: Path) -> None:
    policy = "version: 1\nextends: fintech-default\ngates:\n  audit-log:\n    required_field: [x]\n"
    root = _repo(tmp_path, {".release-gates/policy.yaml": policy})
    code, _out = run_cli(root, "run", "--gate", "audit-log")
    assert code == 2


def test_list_explain_and_sarif_show_the_rules(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    code, out = run_cli(root, "list")
    assert code == 0
    for rule in ("audit-log.missing", "audit-log.missing-fields", "audit-log.error-path"):
        assert rule in out
    code, out = run_cli(root, "explain", "audit-log.missing-fields")
    assert code == 0
    assert "required_fields" in out
    sarif = tmp_path / "out.sarif"
    code, _ = run_cli(root, "run", "--gate", "audit-log", "--format", f"sarif={sarif}")
    assert code == 1
    (run,) = json.loads(sarif.read_text())["runs"]
    assert run["automationDetails"]["id"] == "release-gates/audit-log/"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "finally" in rules["audit-log.error-path"]["help"]["text"]
    (result,) = run["results"]
    assert result["ruleId"] == "audit-log.error-path"
    assert result["partialFingerprints"]


def test_diff_mode_reports_only_new_problems(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    (root / "billing" / "voids.py").write_text(UNAUDITED_PY)
    moved = "\n\n" + REFUNDS_PY  # moving code keeps its fingerprint
    (root / "billing" / "refunds.py").write_text(moved)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "voids")
    code, found = _json(root, "--diff", "main")
    assert code == 1
    assert [(r, p, n) for r, p, n, _ in found] == [("audit-log.missing", "billing/voids.py", 2)]


# -- the gate's spec --------------------------------------------------------------------------


def test_schema_is_valid_and_documented() -> None:
    jsonschema.Draft202012Validator.check_schema(GATE.config_schema)
    props = GATE.config_schema["properties"]
    assert all(p.get("description") for p in props.values())
    validator = jsonschema.Draft202012Validator(GATE.config_schema)
    assert not list(validator.iter_errors({"required_fields": ["payment_id"]}))
    assert list(validator.iter_errors({"required_field": []}))


def test_rules_are_described() -> None:
    ids = [r.id for r in GATE.rules]
    assert ids == [
        "audit-log.missing",
        "audit-log.missing-fields",
        "audit-log.error-path",
        "audit-log.unparsed",
    ]
    assert all(r.summary and r.help and r.default_severity == "high" for r in GATE.rules)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"required_field": []},
            "policy: $.gates.audit-log.required_field: unknown key. Fix: use one of: "
            "audit_helpers, change_functions, payment_words, required_fields, skip_paths, "
            "status_attributes, transition_decorators, transition_functions",
        ),
        (
            {"status_attributes": []},
            "policy: $.gates.audit-log.status_attributes: must not be empty. Fix: name at least "
            "one, or disable the gate with enabled: false",
        ),
        (
            {"required_fields": ["payment id"]},
            "policy: $.gates.audit-log.required_fields[0]: 'payment id' is not a valid name. "
            "Fix: use names matching ^[A-Za-z_][A-Za-z0-9_]{0,63}$",
        ),
    ],
    ids=["typo-key", "empty-statuses", "bad-field"],
)
def test_config_errors(tmp_path: Path, config: dict[str, Any], message: str) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    with pytest.raises(InvalidInput) as err:
        list(GATE.run(context("audit-log", root, config)))
    assert str(err.value) == message


def test_no_files_fails_closed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    ctx = dataclasses.replace(context("audit-log", root), files=())
    with pytest.raises(GateCannotRun, match="no files to scan"):
        list(GATE.run(ctx))


def test_demo_repository_plants_audit_log_findings(tmp_path: Path) -> None:
    """`gates demo` shows the gate: the embedded refund service misses two audit records."""
    from importlib.resources import files

    demo = files("gates") / "policies" / "demo" / "repo" / "services" / "checkout"
    names = sorted(e.name for e in demo.iterdir() if e.name.endswith(".py"))
    root = make_repo(
        tmp_path / "demo",
        {f"services/checkout/{n}": (demo / n).read_text() for n in names},
    )
    found = list(GATE.run(context("audit-log", root)))
    assert [(f.rule, f.location.path, f.location.line) for f in found] == [
        ("audit-log.error-path", "services/checkout/refunds.py", 20),
        ("audit-log.missing-fields", "services/checkout/refunds.py", 27),
    ]
    assert dict(found[1].properties)["missing_fields"] == "amount,currency"
