"""The JSON Schema (draft 2020-12) of the pii gate's policy section."""

from __future__ import annotations

from typing import Any

_GLOBS = {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True}

DEFAULT_FIXTURE_PATHS: tuple[str, ...] = (
    "**/fixtures/**",
    "**/fixture/**",
    "**/testdata/**",
    "**/test_data/**",
    "**/seeds/**",
    "**/seed_data/**",
    "*.csv",
    "*.tsv",
    "*.jsonl",
    "*.ndjson",
)

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "allow_test_cards_in": {
            **_GLOBS,
            "description": "Globs of paths where public test card numbers are expected and not "
            "reported at all (e.g. ['tests/**', '**/fixtures/**']). Elsewhere they are "
            "pii.pan-test findings (low).",
            "default": [],
        },
        "fixture_paths": {
            **_GLOBS,
            "description": "Globs of fixture and data files, where e-mail addresses, phone numbers "
            "and PII-named fields with literal values are also reported. [] turns those rules off.",
            "default": list(DEFAULT_FIXTURE_PATHS),
        },
        "extra_field_names": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_.-]{1,63}$"},
            "uniqueItems": True,
            "description": "More PII field names for pii.log-field and pii.field-name, in any "
            "spelling (customerTaxRef, customer_tax_ref and CUSTOMER-TAX-REF are one name).",
            "default": [],
        },
        "log_sanitizers": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"},
            "uniqueItems": True,
            "description": "Names of your functions that mask or tokenise a value; a PII field "
            "passed through one of them to a log call is not reported (mask, redact, hash, "
            "tokenize, last4 … are built in).",
            "default": [],
        },
        "extra_patterns": {
            "type": "array",
            "description": "Your own sensitive-value patterns; each match is a finding with rule "
            "id pii.custom.<id>, masked like any other value.",
            "default": [],
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "regex", "message"],
                "properties": {
                    "id": {
                        "type": "string",
                        "pattern": "^[a-z][a-z0-9-]{0,39}$",
                        "description": "Rule suffix: the rule id is pii.custom.<id>.",
                    },
                    "regex": {
                        "type": "string",
                        "format": "regex",
                        "minLength": 1,
                        "maxLength": 1000,
                        "description": "Python regular expression matched against file bytes "
                        "(ASCII classes); it must not match the empty string.",
                    },
                    "severity": {
                        "enum": ["low", "medium", "high", "critical"],
                        "description": "Severity of its findings (default high).",
                    },
                    "message": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 200,
                        "description": "What the finding says (the masked match is appended).",
                    },
                },
            },
        },
    },
}
