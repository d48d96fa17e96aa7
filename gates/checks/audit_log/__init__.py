"""The audit-log gate: proves every payment-state change emits a structured audit log carrying
the required fields, on its success path and on every error path after it.

What a change is (changes.py: status assignments on payment-like objects, setattr, Django/
SQLAlchemy/raw-SQL status writes, transition functions and decorators), what an audit event is
(events.py: structlog/stdlib log calls at info level and above with their fields, declared audit
helpers, plain functions that log, followed across modules by helpers.py) and how paths are
followed (paths.py: if/else, match, loops, with, try/except/else/finally, returns and raises).
Python files only, with the standard library's `ast`: no extra dependency.

Rules: audit-log.missing, audit-log.missing-fields, audit-log.error-path (high), and
audit-log.unparsed (high: a Python file that does not parse is never a silent pass).
Config keys (policy `gates: audit-log:`): required_fields, status_attributes, payment_words,
transition_functions, transition_decorators, change_functions, audit_helpers, skip_paths
(config.py). Fingerprints: function qualname + rule + path kind, no line numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.checks.audit_log import rules
from gates.checks.audit_log.config import CONFIG_SCHEMA
from gates.model import Finding
from gates.registry import GateContext, GateSpec


def _run(ctx: GateContext) -> Iterable[Finding]:
    from gates.checks.audit_log.gate import run  # lazy: keeps `gates list` fast

    return run(ctx)


def _check(config: Mapping[str, Any], source: str, root: Path) -> None:
    from gates.checks.audit_log import config as audit_config

    audit_config.parse(config, source=source)


GATE = GateSpec(
    id="audit-log",
    summary="Every payment-state change emits a structured audit log with the required fields, "
    "on success and error paths.",
    config_schema=CONFIG_SCHEMA,
    rules=rules.ALL,
    run=_run,
    default_timeout_s=300,
    check_config=_check,
    handles=lambda path: path.endswith(".py"),  # Python source only: its analysis is `ast`
)

__all__ = ["GATE"]
