"""The audit-log gate's policy section: its JSON Schema, defaults and typed form.

Keys (all optional; see CONFIG_SCHEMA for each one's description):
required_fields, status_attributes, payment_words, transition_functions, transition_decorators,
change_functions, audit_helpers, skip_paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from gates.errors import InvalidInput
from gates.globs import GlobSet
from gates.record import record

_SECTION = "$.gates.audit-log"
_NAME = "^[A-Za-z_][A-Za-z0-9_]{0,63}$"
_DOTTED = "^[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,4}$"
_HELPER = "^[A-Za-z_*][A-Za-z0-9_*]{0,63}(\\.[A-Za-z_*][A-Za-z0-9_*]{0,63}){0,4}$"
_FUNC_GLOB = "^[A-Za-z0-9_*?\\[\\]!]{1,64}$"

DEFAULT_REQUIRED_FIELDS = ("payment_id", "actor", "old_status", "new_status", "amount", "currency")
DEFAULT_STATUS_ATTRIBUTES = ("status", "state")
DEFAULT_PAYMENT_WORDS = (
    "payment", "refund", "charge", "chargeback", "payout", "transaction", "txn", "order",
    "invoice", "transfer", "intent", "dispute", "settlement", "capture", "authorization",
    "authorisation", "subscription", "mandate",
)  # fmt: skip
DEFAULT_TRANSITION_FUNCTIONS = ("transition", "transition_to", "set_status", "change_status")
DEFAULT_TRANSITION_DECORATORS = ("transition",)
DEFAULT_SKIP_PATHS = (
    "tests/**", "**/tests/**", "test/**", "**/test/**", "test_*.py", "*_test.py", "conftest.py",
    "**/migrations/**",
)  # fmt: skip


def _list(items: dict[str, Any], description: str, default: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "array",
        "items": items,
        "uniqueItems": True,
        "description": description,
        "default": list(default),
    }


CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "required_fields": _list(
            {"type": "string", "pattern": _NAME},
            "Fields every audit event after a payment-state change must carry (keywords of a "
            "structlog call, keys of stdlib logging's `extra=`). [] only requires that an event "
            "exists.",
            DEFAULT_REQUIRED_FIELDS,
        ),
        "status_attributes": {
            **_list(
                {"type": "string", "pattern": _NAME},
                "Attribute and column names whose assignment on a payment-like object is a "
                "payment-state change (`payment.status = ...`, `update(status=...)`); so are "
                "these names after a payment word or `authorize` (`charge_status`, "
                "`authorize_status`, `payment_state`; not `webhook_status`).",
                DEFAULT_STATUS_ATTRIBUTES,
            ),
            "minItems": 1,
        },
        "payment_words": {
            **_list(
                {"type": "string", "pattern": "^[a-z][a-z0-9]{1,31}$"},
                "Lower-case words that make a variable, class, model or table payment-like when "
                "one of the words of its name (snake_case or CamelCase) is one of them: "
                "`refund`, `self` in `class RefundRequest`, `Payment.objects`, `payments` table.",
                DEFAULT_PAYMENT_WORDS,
            ),
            "minItems": 1,
        },
        "transition_functions": _list(
            {"type": "string", "pattern": _NAME},
            "Names of functions and methods whose call is a payment-state change (a state "
            "machine's `transition`, `payment.set_status(...)`).",
            DEFAULT_TRANSITION_FUNCTIONS,
        ),
        "transition_decorators": _list(
            {"type": "string", "pattern": _DOTTED},
            "Decorators that make a function a state transition (django-fsm's `@transition`): "
            "the function itself is a change, and so is a call of it from the same module.",
            DEFAULT_TRANSITION_DECORATORS,
        ),
        "change_functions": _list(
            {"type": "string", "pattern": _FUNC_GLOB},
            "Name patterns (`*` and `?` wildcards) of functions that change payment state by "
            "themselves, e.g. 'mark_*_paid': every path out of them needs an audit event.",
            (),
        ),
        "audit_helpers": _list(
            {"type": "string", "pattern": _HELPER},
            "Your functions that write an audit record with every required field (`audit.record`, "
            "`emit_audit_event`, `events.order_*_event`: `*` matches within a name): a call is "
            "an audit event. Plain functions that log are found without being listed (in the "
            "module and in modules it imports).",
            (),
        ),
        "skip_paths": _list(
            {"type": "string", "minLength": 1},
            "Globs of files that are never payment code (tests, migrations): nothing in them is a "
            "payment-state change. [] analyses every Python file the gate is given.",
            DEFAULT_SKIP_PATHS,
        ),
    },
}


@record
class AuditConfig:
    required_fields: tuple[str, ...] = DEFAULT_REQUIRED_FIELDS
    status_attributes: frozenset[str] = frozenset(DEFAULT_STATUS_ATTRIBUTES)
    payment_words: frozenset[str] = frozenset(DEFAULT_PAYMENT_WORDS)
    transition_functions: frozenset[str] = frozenset(DEFAULT_TRANSITION_FUNCTIONS)
    transition_decorators: frozenset[str] = frozenset(DEFAULT_TRANSITION_DECORATORS)
    change_functions: tuple[str, ...] = ()
    audit_helpers: frozenset[str] = frozenset()
    skip_paths: tuple[str, ...] = DEFAULT_SKIP_PATHS

    def change_function(self, name: str) -> bool:
        """True when the function `name` changes payment state by itself (`change_functions`)."""
        return any(_wildcard(p).fullmatch(name) for p in self.change_functions)

    def skips(self, path: str) -> bool:
        return GlobSet.of(self.skip_paths).matches(path)


def _wildcard(pattern: str) -> re.Pattern[str]:
    out = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern if c not in "[]!"
    )
    return re.compile(out)


def _strings(raw: Mapping[str, Any], key: str, source: str, shape: str | None) -> tuple[str, ...]:
    value = raw[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(
            source, f"{_SECTION}.{key}", "expected a list of non-empty strings", f"{key}: ['...']"
        )
    for i, item in enumerate(value):
        if shape is not None and not re.fullmatch(shape, item):
            raise InvalidInput(
                source,
                f"{_SECTION}.{key}[{i}]",
                f"{item!r} is not a valid name",
                f"use names matching {shape}",
            )
    return tuple(value)


def parse(raw: Mapping[str, Any], *, source: str = "policy") -> AuditConfig:
    """The gate's section (already schema-validated by the runner) as an AuditConfig; checks
    what the schema cannot and names the field in an InvalidInput."""
    props: Mapping[str, Any] = CONFIG_SCHEMA["properties"]
    for key in sorted(set(raw) - set(props)):
        raise InvalidInput(
            source, f"{_SECTION}.{key}", "unknown key", f"use one of: {', '.join(sorted(props))}"
        )

    def get(key: str) -> tuple[str, ...]:
        if key not in raw:
            return tuple(props[key]["default"])
        return _strings(raw, key, source, props[key]["items"].get("pattern"))

    for key in ("status_attributes", "payment_words"):
        if key in raw and not get(key):
            raise InvalidInput(
                source,
                f"{_SECTION}.{key}",
                "must not be empty",
                "name at least one, or disable the gate with enabled: false",
            )
    return AuditConfig(
        required_fields=get("required_fields"),
        status_attributes=frozenset(get("status_attributes")),
        payment_words=frozenset(get("payment_words")),
        transition_functions=frozenset(get("transition_functions")),
        transition_decorators=frozenset(get("transition_decorators")),
        change_functions=get("change_functions"),
        audit_helpers=frozenset(get("audit_helpers")),
        skip_paths=get("skip_paths"),
    )


def source_name(sources: Sequence[str]) -> str:
    """The policy file to name in error messages: the last one merged (the user's own)."""
    return sources[-1] if sources else "policy"
