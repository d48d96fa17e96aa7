"""The approvals/roles policy sections: shipped schemas and the typed parser agree."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from gates.approvals import config
from gates.errors import InvalidInput
from gates.model import Severity

GOOD: dict[str, Any] = {
    "approvals": {
        "allowed_signers": ".release-gates/allowed_signers",
        "repository": "github.com/acme/payments",
        "required": {"security": 1},
        "max_lifetime_days": {"high": 20},
        "min_reason_length": 30,
        "warn_days": 3,
        "revoked_ids": ["W-1"],
        "revoked_keys": ["SHA256:" + "A" * 43],
        "commit_author_counts": True,
    },
    "roles": {"security": ["alice@example.com", "bob@example.com"]},
}


def schema(name: str) -> dict[str, Any]:
    data = (resources.files("gates") / "schemas" / name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def _properties(node: Any, where: str) -> list[str]:
    missing = []
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            if "description" not in sub:
                missing.append(f"{where}.{key}")
        for key, sub in node.items():
            missing += _properties(sub, f"{where}.{key}")
    return missing


@pytest.mark.parametrize("name", ["approvals.schema.json", "roles.schema.json"])
def test_schema_is_valid_and_described(name: str) -> None:
    s = schema(name)
    jsonschema.Draft202012Validator.check_schema(s)
    assert "description" in s
    assert _properties(s, "$") == []


def test_good_policy_passes_schema_and_parser() -> None:
    jsonschema.Draft202012Validator(schema("approvals.schema.json")).validate(GOOD["approvals"])
    jsonschema.Draft202012Validator(schema("roles.schema.json")).validate(GOOD["roles"])
    cfg = config.parse(GOOD, "policy.yaml")
    assert cfg.max_lifetime_days[Severity.HIGH] == 20
    assert cfg.max_lifetime_days[Severity.CRITICAL] == 14
    assert (cfg.warn_days, cfg.min_reason_length, cfg.commit_author_counts) == (3, 30, True)
    assert cfg.roles == {"security": frozenset({"alice@example.com", "bob@example.com"})}


@pytest.mark.parametrize(
    ("section", "value", "schema_name", "error"),
    [
        ("roles", {"security": ["*"]}, "roles.schema.json", "is a wildcard"),
        ("roles", {"security": ["*@example.com"]}, "roles.schema.json", "is a wildcard"),
        ("roles", {"security": []}, "roles.schema.json", "non-empty list"),
        (
            "approvals",
            {**GOOD["approvals"], "revoked_keys": ["MD5:aa"]},
            "approvals.schema.json",
            "is not a key fingerprint",
        ),
        (
            "approvals",
            {**GOOD["approvals"], "required": {}},
            "approvals.schema.json",
            "a quorum of nobody",
        ),
        (
            "approvals",
            {**GOOD["approvals"], "allowed_signers": "../x"},
            "approvals.schema.json",
            "must be a path inside the repository",
        ),
        (
            "approvals",
            {k: v for k, v in GOOD["approvals"].items() if k != "repository"},
            "approvals.schema.json",
            "missing repository identity",
        ),
    ],
    ids=[
        "wildcard",
        "domain-wildcard",
        "empty-role",
        "bad-key-fp",
        "no-required",
        "signers-outside",
        "no-repository",
    ],
)
def test_bad_policy_rejected_by_schema_and_parser(
    section: str, value: Any, schema_name: str, error: str
) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema(schema_name)).validate(value)
    with pytest.raises(InvalidInput, match=error):
        config.parse({**GOOD, section: value}, "policy.yaml")
