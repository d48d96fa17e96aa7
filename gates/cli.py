"""The command line: argument parsing, output and exit codes. The only place that prints.

Every command is `handler(args, out) -> int`; `main(argv)` maps errors to exit codes once:
InvalidInput -> 2, GateCannotRun (or any bug of ours) -> 3, Ctrl-C -> 130. Messages are one line,
with the traceback only under `--debug`; both pass the masking boundary (`gates.redact`), so an
error that quotes a card number or a key from a policy, a baseline or a data file shows it masked.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from gates import __version__
from gates.errors import GateCannotRun, InvalidInput
from gates.model import ExitCode

# Command name -> (module exposing add_parser(sub), one-line help). Only the module of the command
# being run is imported: the others' imports (signature tooling, report loaders) would otherwise
# cost every pre-commit run hundreds of milliseconds.
_COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("gates.commands.run", "run the gates"),
    "demo": ("gates.commands.demo", "run every gate on an embedded payments repository"),
    "list": ("gates.commands.catalog", "list installed gates and their rules"),
    "explain": ("gates.commands.catalog", "explain a rule"),
    "policy": ("gates.commands.policy", "validate or show a policy"),
    "baseline": ("gates.commands.baseline", "manage the baseline of accepted findings"),
    "report": ("gates.commands.report", "render a saved JSON report in other formats"),
    "controls": (
        "gates.commands.controls",
        "show which compliance controls a run covers, and their outcome",
    ),
    "approve": ("gates.commands.approve", "create, sign and verify signed waivers"),
    "evidence": ("gates.commands.evidence", "sign evidence as a DSSE envelope, or verify one"),
    "signoff": ("gates.commands.signoff", "create, sign and check compliance sign-offs"),
    "reconcile": ("gates.commands.reconcile", "reconcile payment events with reported statuses"),
    "init": (
        "gates.commands.init",
        "write a starter policy, signers, pre-commit and workflow files",
    ),
}
_GLOBAL_WITH_VALUE = frozenset({"--log-format", "--git-timeout", "--ssh-keygen-timeout"})


_EPILOG = """\
examples:
  gates run                               scan every tracked file with the repository's policy
  gates run --diff origin/main --format sarif --output gates.sarif
  gates run --gate pii src/app.py         what the pre-commit hook runs
  gates demo                              a blocked release on an embedded payments repository
  gates explain pii.pan                   what a rule proves, how to fix it, the controls it evidences
  gates controls --report run.json        PCI DSS / SOC 2 / GDPR controls covered by a saved run
  gates run --evidence ev.json --sign-key ~/.ssh/id_ed25519
  gates evidence verify ev.dsse.json --allowed-signers signers --repo . --rev HEAD

exit codes: 0 pass, 1 blocked, 2 invalid input, 3 a gate could not run, 130 interrupted
"""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `command`, only that command's parser is built and only its module
    imported (the others' placeholders, which list them in `gates --help`, cost a pre-commit run
    ~1.7 ms of argparse and are not needed to parse that command)."""
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
    parser.add_argument(
        "--git-timeout",
        type=_seconds,
        metavar="S",
        help="seconds any one git command may take (default 120, or the policy's tool_timeouts)",
    )
    parser.add_argument(
        "--ssh-keygen-timeout",
        type=_seconds,
        metavar="S",
        help="seconds ssh-keygen may take to sign (default 120: a hardware key waits for a touch)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = {m for name, (m, _) in _COMMANDS.items() if command in (None, name)}
    added: set[str] = set()
    for name, (module, text) in _COMMANDS.items():
        if module in modules:
            if module not in added:
                importlib.import_module(module).add_parser(sub)
                added.add(module)
        elif command is None:
            sub.add_parser(name, help=text)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command word in `argv` (skipping global options), when it names a known command."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _GLOBAL_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in _COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    stdout = out or sys.stdout
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(args_list))
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help exits 0, a usage error exits 2
        return int(exc.code or 0)
    from gates import log, tool_timeouts

    timeouts = tool_timeouts.ToolTimeouts()
    if args.git_timeout is not None or args.ssh_keygen_timeout is not None:
        timeouts = tool_timeouts.ToolTimeouts(from_cli=True).overridden(
            git=args.git_timeout, ssh_keygen=args.ssh_keygen_timeout
        )
    from gates import clock, progress

    ci = clock.under_ci()
    verbose = args.verbose or args.debug
    log.configure(log.LogFormat(args.log_format), verbose=verbose, ci=ci)
    # the live progress line: for a person at a terminal, never in CI logs, pipes or JSON logs
    progress.configure(
        enabled=sys.stderr.isatty()
        and not ci
        and not verbose
        and log.LogFormat(args.log_format) is not log.LogFormat.JSON
    )
    try:
        with tool_timeouts.using(timeouts):  # undone on return: main() may be called again
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
            import traceback  # lazy: only a failure shows one

            _print_masked(traceback.format_exc())
        _print_masked(
            f"gates: internal error: {type(exc).__name__}: {exc}. Fix: rerun with --debug and report it"
        )
        return ExitCode.GATE_ERROR


def entry() -> NoReturn:
    """The `gates` console script and `python -m gates`: `main`, then the process's exit.

    `gates run` ends without tearing the interpreter down: freeing every module and object of
    the run is work the kernel does anyway when the process ends, ~12 ms of a 150 ms pre-commit
    run (mypy's command line exits so too). What must happen at exit still happens first: the
    atexit handlers (logging's flush, finalizers of temporary directories) and the flush of
    stdout and stderr, failing with exit 120 as Python's own exit does when stdout cannot take
    the rest. Every other command, some with databases and consumers open until they return,
    exits the usual way."""
    code = main()
    if _command_of(sys.argv[1:]) != "run":
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout:
                code = code or 120
    os._exit(code)


def _print_masked(text: str) -> None:
    from gates import log

    print(log.masker().text(text.rstrip("\n")), file=sys.stderr)


def _fail(exc: Exception, code: ExitCode, debug: bool) -> int:
    if debug:
        import traceback  # lazy: only a failure shows one

        _print_masked(traceback.format_exc())
    _print_masked(f"gates: {exc}")
    return code


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("expected seconds between 0 and 86400")
    return value


def cwd() -> Path:
    return Path.cwd()
