"""The command line: argument parsing, output and exit codes. The only place that prints.

Every command is `handler(args, out) -> int`; `main(argv)` maps errors to exit codes once:
InvalidInput -> 2, GateCannotRun (or any bug of ours) -> 3, Ctrl-C -> 130. Messages are one line,
with the traceback only under `--debug`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from gates import __version__
from gates.errors import GateCannotRun, InvalidInput
from gates.model import ExitCode

# Command modules, each exposing add_parser(sub); imported lazily only to build the parser.
_COMMANDS = (
    "gates.commands.run",
    "gates.commands.demo",
    "gates.commands.catalog",
    "gates.commands.policy",
    "gates.commands.baseline",
    # "gates.commands.approve",
    # "gates.commands.signoff",
    # "gates.commands.reconcile",
)

_EPILOG = """\
examples:
  gates run                               scan every tracked file with the repository's policy
  gates run --diff origin/main --format sarif --output gates.sarif
  gates run --gate pii src/app.py         what the pre-commit hook runs
  gates demo                              a blocked release on an embedded payments repository
  gates explain pii.pan                   what a rule proves and how to fix its findings

exit codes: 0 pass, 1 blocked, 2 invalid input, 3 a gate could not run, 130 interrupted
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gates",
        description="Release gates for payment and fintech codebases.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"release-gates {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument(
        "--log-format",
        choices=("auto", "console", "json"),
        default="auto",
        help="log rendering on stderr (auto: JSON lines under CI or when stderr is not a terminal)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    stdout = out or sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, a usage error exits 2
        return int(exc.code or 0)
    from gates import log

    log.configure(
        log.LogFormat(args.log_format),
        verbose=args.verbose or args.debug,
        ci=bool(os.environ.get("CI")),
    )
    try:
        return int(args.handler(args, stdout))
    except InvalidInput as exc:
        return _fail(exc, ExitCode.INVALID_INPUT, args.debug)
    except GateCannotRun as exc:
        return _fail(exc, ExitCode.GATE_ERROR, args.debug)
    except KeyboardInterrupt:
        print("gates: interrupted; no report was written", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:  # our own bug: fail closed with exit 3, never a silent pass
        if args.debug:
            traceback.print_exc()
        print(
            f"gates: internal error: {type(exc).__name__}: {exc}. Fix: rerun with --debug and report it",
            file=sys.stderr,
        )
        return ExitCode.GATE_ERROR


def _fail(exc: Exception, code: ExitCode, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(f"gates: {exc}", file=sys.stderr)
    return code


def now_from(arg: str | None) -> datetime:
    """`--now` (RFC 3339) for reproducing a past run; else the clock."""
    if not arg:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(arg.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            "--now", arg, "not an RFC 3339 timestamp", "write e.g. 2026-01-31T12:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput("--now", arg, "timestamp has no time zone", "append Z for UTC")
    return parsed.astimezone(UTC)


def cwd() -> Path:
    return Path.cwd()
