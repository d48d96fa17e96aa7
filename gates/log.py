"""Logging set-up: structlog to stderr, with redaction as the last processor before rendering.

Console rendering on a TTY, JSON lines under CI or with `--log-format json`. The redaction
processor passes every string of every event (keys' values, nested ones, the formatted
exception) through the masking boundary, `gates.redact`, after exception formatting: card
numbers, IBANs, credential shapes and every value the run's gates found, so nothing a gate or a
library logs reaches stderr in clear. Standard-library logging (what detect-secrets, semgrep's
Python wrappers or urllib3 use) is routed through the same masker.

structlog is imported and configured on the first `get()`, not in `configure()`: importing it
costs ~130 ms (it pulls in rich when installed), which every pre-commit run would otherwise pay
even when nothing is logged.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from enum import StrEnum
from typing import Any, TextIO

from gates.record import record
from gates.redact import DEFAULT, Masker, mask_mapping


class LogFormat(StrEnum):
    AUTO = "auto"
    CONSOLE = "console"
    JSON = "json"


# Values the run found, learned after the gates finished (see `learn`): later log lines and
# error messages mask them too. Before that, the generic shapes of `gates.redact` apply.
_known: list[Masker] = []


def learn(masker: Masker) -> None:
    """Called by the report writer with the run's masker: later lines mask its known values."""
    _known[:] = [masker]


def masker() -> Masker:
    """The masker for anything printed to stderr now (log lines, error messages)."""
    return _known[0] if _known else DEFAULT


def redact_text(text: str) -> str:
    """Mask every card number, IBAN, credential and known value in `text` (`gates.redact`)."""
    return masker().text(text)


def redact(
    logger: Any, method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the last one before the renderer."""
    return mask_mapping(masker(), event_dict)


@record
class _Settings:
    use_json: bool
    stream: TextIO
    verbose: bool


_pending: list[_Settings] = []  # set by configure(), applied by the first get()
_verbose: list[bool] = [False]  # configure()'s choice, readable without importing structlog


def verbose() -> bool:
    """Whether progress events (-v/--debug) are shown: callers skip building them otherwise, so a
    quiet run never imports structlog."""
    return _verbose[0]


def configure(
    fmt: LogFormat, *, stream: TextIO | None = None, verbose: bool = False, ci: bool = False
) -> None:
    """Called once by cli.main. Logs go to stderr; stdout carries only the report."""
    out = stream or sys.stderr
    use_json = fmt is LogFormat.JSON or (fmt is LogFormat.AUTO and (ci or not out.isatty()))
    _pending[:] = [_Settings(use_json=use_json, stream=out, verbose=verbose)]
    _verbose[0] = verbose
    _route_stdlib(stream, verbose, use_json=use_json)
    if "structlog" in sys.modules:
        _apply()


class _MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return masker().text(super().format(record))


class _JsonMaskingFormatter(logging.Formatter):
    """A library's log record as one JSON line, like our own under CI: a log collector that
    parses the stream must not meet a plain-text line in the middle of it."""

    def format(self, record: logging.LogRecord) -> str:
        import json

        event = {
            "event": record.getMessage(),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(mask_mapping(masker(), event), sort_keys=True)


class _MaskingHandler(logging.StreamHandler):  # type: ignore[type-arg]  # generic only in stubs
    """Standard-library log records (libraries we call) on stderr, masked like our own. With no
    explicit stream it writes to whatever `sys.stderr` is at the time of the record."""

    def __init__(self, target: TextIO | None) -> None:
        super().__init__(target or sys.stderr)
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = self.target or sys.stderr
        super().emit(record)


def _route_stdlib(stream: TextIO | None, verbose: bool, *, use_json: bool = False) -> None:
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _MaskingHandler)]:
        root.removeHandler(old)
    handler = _MaskingHandler(stream)
    handler.setFormatter(
        _JsonMaskingFormatter()
        if use_json
        else _MaskingFormatter("%(levelname)s %(name)s: %(message)s")
    )
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(handler)


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
