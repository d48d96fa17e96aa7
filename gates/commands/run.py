"""`gates run`: run the gates on a repository, a change, or the files pre-commit names."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from gates.commands import emit

if TYPE_CHECKING:
    from gates.pipeline import Options

_EPILOG = """\
examples:
  gates run                                   every tracked file, the repository's policy
  gates run --gate pii --gate secrets         only these gates
  gates run --diff origin/main                only findings new since the merge base (and
                                              secrets/PANs in the change's commits)
  gates run --history                         also every commit reachable from HEAD
  gates run --format sarif=gates.sarif --format text
  gates run --gate pii src/app.py tests/x.py  pre-commit mode: just these files

policy discovery: --policy P, else .release-gates/policy.yaml, else the shipped fintech-default.
exit codes: 0 pass, 1 blocked, 2 invalid input, 3 a gate could not run, 130 interrupted
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "run",
        help="run the gates",
        description="Run the release gates and report a verdict.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_run_arguments(p)
    emit.add_output_arguments(p)
    p.add_argument(
        "files", nargs="*", metavar="FILE", help="scan only these files (pre-commit mode)"
    )
    p.set_defaults(handler=run)


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--policy", metavar="P", help="policy file, or a shipped name (fintech-default, pci-strict)"
    )
    p.add_argument(
        "--gate",
        dest="gates",
        action="append",
        metavar="ID",
        help="run only this gate (repeatable)",
    )
    p.add_argument(
        "--diff", metavar="BASE", help="report only findings new relative to BASE (rename-aware)"
    )
    p.add_argument(
        "--history",
        action="store_true",
        help="also scan the lines every commit reachable from HEAD added (git log -p) for "
        "secrets and card numbers; --diff scans its own commits (merge-base..HEAD) anyway",
    )
    p.add_argument(
        "--trust-ref",
        metavar="REF",
        help="read the policy and trust root from REF (default: the PR base in GitHub Actions, "
        "the MR target in GitLab CI)",
    )
    p.add_argument(
        "--baseline", metavar="FILE", help="baseline file (default .release-gates/baseline.json)"
    )
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write the warm result cache"
    )
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=0,
        metavar="N",
        help="worker processes per gate (default and maximum: the CPU count)",
    )
    p.add_argument(
        "--now",
        metavar="TIME",
        help="evaluate approval expiry at this RFC 3339 time (reproduce a past run; refused "
        "under CI unless the policy sets unsafe_allow_now_in_ci)",
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="pass when no file is selected (by default zero files is an error, exit 2)",
    )


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def options_from(args: argparse.Namespace) -> Options:
    from gates import clock
    from gates.cli import cwd
    from gates.pipeline import Options

    run_clock = clock.parse(args.now)
    return Options(
        cwd=cwd(),
        policy=args.policy,
        gates=tuple(args.gates or ()),
        files=tuple(getattr(args, "files", ()) or ()),
        diff=args.diff,
        trust_ref=args.trust_ref,
        baseline=args.baseline,
        use_cache=not args.no_cache,
        now=run_clock.now,
        clock_source=run_clock.source,
        allow_empty=bool(getattr(args, "allow_empty", False)),
        history=bool(getattr(args, "history", False)),
        debug=args.debug,
        jobs=args.jobs,
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    from dataclasses import replace

    from gates import pipeline, runner

    pairs = emit.plan_outputs(args.formats, args.outputs)
    opts = options_from(args)
    req = pipeline.prepare(opts)
    result = runner.run(req)
    attest = None
    if args.evidence:  # no git call and no second read of the files otherwise
        from gates.attest import context

        attest = context.gather(opts, req, result.gates)
        result = replace(result, tree_state=pipeline.tree_state(req.workspace))
    emit.emit(result, pairs, out, evidence=args.evidence, attest=attest)
    if args.evidence and args.sign_key:
        emit.sign_evidence(args.evidence, args.sign_key, opts.cwd)
    return int(result.exit_code)
