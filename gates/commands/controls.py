"""`gates controls`: the controls table of a run, or of a saved JSON report.

For each PCI DSS 4.0 requirement, SOC 2 criterion and GDPR article the mapping knows
(gates/controls/controls.yaml): which gates and rules of this run cover it and the outcome
(passed, failed, waived with the approval ids, error, not covered). The exit code is the run's
(0 pass, 1 blocked, 3 a gate could not run), as for `gates report`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

_EPILOG = """\
examples:
  gates controls                              run the gates, then show the controls table
  gates controls --report run.json            the table of a saved `gates run --format json` report
  gates controls --report run.json --json     the same as JSON (what the evidence file holds)

exit codes: the run's (0 pass, 1 blocked, 3 a gate could not run); 2 invalid input
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from gates.commands.run import add_run_arguments

    p = sub.add_parser(
        "controls",
        help="show which compliance controls a run covers, and their outcome",
        description="Show, for each PCI DSS 4.0, SOC 2 and GDPR control the rules map to, the "
        "gates and rules of the run that cover it and the outcome.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--report", metavar="REPORT_JSON", help="a saved report from `gates run --format json`"
    )
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    add_run_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from gates import redact
    from gates.controls import catalog, table
    from gates.model import RunResult
    from gates.report import jsontext

    result: RunResult
    if args.report:
        from gates.report import json_load

        result = json_load.load(Path(args.report))
    else:
        from gates import pipeline
        from gates.commands.run import options_from

        result = pipeline.run(options_from(args))
    masker, result = redact.masked_view(result)
    rows = table.rows(result, catalog.load())
    if args.json:
        text = jsontext.dumps(table.to_json(rows), pretty=True)
    else:
        text = table.render_text(rows)
    out.write(masker.text(text))
    return int(result.exit_code)
