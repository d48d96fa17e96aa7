"""The JSON Schema (draft 2020-12) of the pii gate's policy section."""

from __future__ import annotations

from typing import Any

from gates.checks.pii.national_ids import DEFAULT_KEYWORDS
from gates.testpaths import TEST_PATHS

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

# Where public test card numbers are expected (shared with sast: gates.testpaths).
DEFAULT_TEST_PATHS: tuple[str, ...] = TEST_PATHS

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "test_paths": {
            **_GLOBS,
            "description": "Globs of test directories and test files. In them, PUBLIC test card "
            "numbers (the published lists of Stripe, Braintree, Adyen, PayPal, in "
            "gates/checks/pii/testcards.py) are not reported; elsewhere they are pii.pan-test "
            "(low). Any other card number is pii.pan (critical) in test paths too. The default "
            "covers test/, tests/, spec/, __tests__/, testdata/, fixtures/, test_*.py, "
            "*_test.py, *_test.go, *_spec.rb, *.test.ts, *.spec.js, *Test.java and more; [] "
            "turns it off.",
            "default": list(DEFAULT_TEST_PATHS),
        },
        "allow_test_cards_in": {
            **_GLOBS,
            "description": "More globs treated like test_paths for public test card numbers "
            "(kept for older policies; prefer test_paths).",
            "default": [],
        },
        "national_id_keywords": {
            "type": "object",
            "description": "Context words per national id kind for its digit-only form (BSN, "
            "TFN, SIN, Aadhaar, Steuer-IdNr, plain CPF/CNPJ, compact NIR): such a number is only "
            "reported after one of them on the same line. A list replaces the kind's built-in "
            "words; [] stops looking for the digit-only form of that kind.",
            "propertyNames": {"enum": sorted(DEFAULT_KEYWORDS)},
            "additionalProperties": {
                "type": "array",
                "items": {"type": "string", "minLength": 2, "maxLength": 60},
                "uniqueItems": True,
                "description": "Words (case-insensitive; a space also matches _ or -).",
            },
            "default": {k: list(v) for k, v in sorted(DEFAULT_KEYWORDS.items())},
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
