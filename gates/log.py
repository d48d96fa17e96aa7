"""Logging set-up: structlog to stderr, with redaction as the last processor before rendering.

Console rendering on a TTY, JSON lines under CI or with `--log-format json`. The redaction
processor masks card numbers (Luhn-valid 13-19 digit runs, grouped or not), well-known credential
shapes and `password=`-style values in every string of every event, after exception formatting,
so nothing a gate or a library logs reaches stderr in clear.

structlog is imported and configured on the first `get()`, not in `configure()`: importing it
costs ~130 ms (it pulls in rich when installed), which every pre-commit run would otherwise pay
even when nothing is logged.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TextIO


class LogFormat(StrEnum):
    AUTO = "auto"
    CONSOLE = "console"
    JSON = "json"


_PAN = re.compile(r"(?<![\d.-])\d(?:[ -]?\d){12,18}(?![\d])")
_TOKEN = re.compile(
    r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{8,}"  # Stripe-style keys
    r"|\bAKIA[0-9A-Z]{16}\b"  # AWS access key ids
    r"|\bgh[pousr]_[0-9A-Za-z]{20,}"  # GitHub tokens
    r"|\bxox[abprs]-[0-9A-Za-z-]{10,}"  # Slack tokens
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
)
_ASSIGNED = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key|authorization)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _mask_pan(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if not 13 <= len(digits) <= 19 or not _luhn_ok(digits):
        return text
    return digits[:6] + "•" * (len(digits) - 10) + digits[-4:]


def redact_text(text: str) -> str:
    """Mask anything that looks like a card number or a credential."""
    text = _PAN.sub(_mask_pan, text)
    text = _TOKEN.sub(lambda m: m.group(0)[:4] + "••••", text)
    return _ASSIGNED.sub(lambda m: f"{m.group(1)}{m.group(2)}••••", text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v) for v in value)
    return value


def redact(
    logger: Any, method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the last one before the renderer."""
    return {k: _redact_value(v) for k, v in event_dict.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Settings:
    use_json: bool
    stream: TextIO
    verbose: bool


_pending: list[_Settings] = []  # set by configure(), applied by the first get()


def configure(
    fmt: LogFormat, *, stream: TextIO | None = None, verbose: bool = False, ci: bool = False
) -> None:
    """Called once by cli.main. Logs go to stderr; stdout carries only the report."""
    out = stream or sys.stderr
    use_json = fmt is LogFormat.JSON or (fmt is LogFormat.AUTO and (ci or not out.isatty()))
    _pending[:] = [_Settings(use_json=use_json, stream=out, verbose=verbose)]
    if "structlog" in sys.modules:
        _apply()


def _apply() -> None:
    import structlog

    settings = _pending.pop()
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=True)
        if settings.use_json
        else structlog.dev.ConsoleRenderer(colors=settings.stream.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.DEBUG if settings.verbose else logging.WARNING
        ),
        logger_factory=structlog.PrintLoggerFactory(settings.stream),
        cache_logger_on_first_use=False,
    )


def get(name: str = "gates") -> Any:
    import structlog

    if _pending:
        _apply()
    return structlog.get_logger(name)
