"""`gates report`: render a saved JSON report again, in any format, without scanning again.

A CI job runs the gates once with `--format json=run.json`; later steps turn that file
into SARIF for code scanning, JUnit for the test view, GitHub annotations and step summary, or
an evidence statement bound to the released commit. The report is loaded strictly (see
gates.report.json_load): an edited or malformed file is invalid input (exit 2). The exit code
is the saved run's own (0 pass, 1 blocked, 3 a gate could not run), so a later step still
enforces the verdict.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from gates.commands import emit

_EXAMPLES = """\
examples:
  gates run --format json=run.json                 # scan once
  gates report run.json                            # read it as text
  gates report run.json --format sarif=run.sarif --format github
  gates report run.json --evidence evidence.json --commit "$(git rev-parse HEAD)"

exit codes: the saved run's (0 pass, 1 blocked, 3 a gate could not run); 2 if the file is not
an unmodified report written by `gates run --format json`.
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "report",
        help="render a saved JSON report in other formats",
        description="Render a report saved by `gates run --format json` again, in any format, "
        "without scanning again.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("report", metavar="REPORT_JSON", help="a report from `gates run`")
    emit.add_output_arguments(parser)
    parser.add_argument(
        "--commit",
        metavar="SHA",
        help="the released commit (full hex) that --evidence attests, e.g. $(git rev-parse HEAD)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from gates.report import json_load

    result = json_load.load(Path(args.report))
    pairs = emit.plan_outputs(args.formats, args.outputs)
    emit.emit(result, pairs, out, evidence=args.evidence, release_commit=args.commit)
    if args.evidence and args.sign_key:
        from gates.cli import cwd

        emit.sign_evidence(args.evidence, args.sign_key, cwd())
    return int(result.exit_code)
