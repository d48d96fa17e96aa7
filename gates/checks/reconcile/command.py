"""`gates reconcile`: reconcile events with the report outside a gate run, writing full outputs.

Reads the `gates: reconcile:` section of the policy (discovered, or --policy), lets --events and
--report override its sources, runs the chosen engine and writes, under --out: discrepancies.csv,
discrepancies.parquet, summary.json, audit.json and report.html. Exit 0 when no class is over its
threshold, 1 when one is, 2 for invalid input, 3 when it could not run. Sources' after_report()
(Kafka offset commits) runs only after every file is written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from gates import redact
from gates.checks.reconcile import ENGINE_MODULES, show, watch_command
from gates.checks.reconcile import config as config_mod
from gates.checks.reconcile import plan as plan_mod
from gates.checks.reconcile.cli_inputs import policy_section, source_spec
from gates.checks.reconcile.engine import reconcile
from gates.checks.reconcile.engines import open_engine
from gates.checks.reconcile.html_report import render
from gates.checks.reconcile.model import DiscrepancyClass
from gates.checks.reconcile.outputs import (
    FileSink,
    blocking,
    dumps,
    masked,
    summary_doc,
    text_summary,
    write_json,
)
from gates.checks.reconcile.sources import Source, parse_source
from gates.errors import InvalidInput
from gates.extras import require
from gates.model import ExitCode

_EPILOG = """source syntax (SRC):
  KIND:PATH[?key=value&...]   e.g. jsonl:data/events/*.jsonl, csv:data/report.csv,
                              parquet:exports/**/*.parquet, sqlite:data/pay.db?table=report
  PATH                        kind from the extension (.jsonl .csv .parquet; .db needs ?table=)
  postgres:?url_env=PG_URL&table=events, kafka:?... (see docs/reconcile.md)

examples:
  gates reconcile --policy policies/reconcile.yaml
  gates reconcile --events data/events.jsonl --report data/report.csv --out out/
  gates reconcile --events 'sqlite:pay.db?table=events' --report 'sqlite:pay.db?query=SELECT * FROM r' \\
      --as-of 2026-11-25T00:00:00Z --out out/
  gates reconcile show p123 --out out/    # a payment's source rows, cited and masked
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "reconcile",
        help="reconcile payment events with the reporting system",
        description="Replay payment events through the policy's state machine and compare them "
        "with what the reporting system shows; write discrepancies, a summary and an HTML report.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--events", metavar="SRC", help="events source (default: the policy's)")
    p.add_argument("--report", metavar="SRC", help="report source (default: the policy's)")
    p.add_argument("--policy", metavar="P", help="policy file or shipped policy name")
    p.add_argument("--out", metavar="DIR", help="write discrepancies, summary, audit and HTML here")
    p.add_argument(
        "--as-of", metavar="T", help="judge the data at this RFC 3339 time (default: now)"
    )
    p.add_argument(
        "--engine",
        choices=("duckdb", "postgres", "spark"),
        help="default: the policy's; else postgres when both sources are in one PostgreSQL "
        "database, else duckdb",
    )
    p.add_argument(
        "--root", metavar="DIR", default=".", help="repository root for relative paths (default: .)"
    )
    p.set_defaults(handler=run)
    # Optional actions: `gates reconcile --events ...` (no action) keeps working.
    actions = p.add_subparsers(
        dest="reconcile_action", required=False, metavar="[ACTION]", help="optional: watch, show"
    )
    watch_command.add_parser(actions)
    show.add_parser(actions)


def progress_enabled(stream: TextIO, env: Mapping[str, str]) -> bool:
    """A progress line only for a person at a terminal: never in CI or when piped."""
    return stream.isatty() and not env.get("CI")


def run(args: argparse.Namespace, out: TextIO) -> int:
    require("reconcile", "reconcile", ENGINE_MODULES)
    root = Path(args.root).resolve()
    section, file, fail_on = policy_section(args, root)
    cfg = config_mod.parse(section, file=file)
    events_spec = source_spec(args.events) if args.events else cfg.events_source
    report_spec = source_spec(args.report) if args.report else cfg.report_source
    if events_spec is None or report_spec is None:
        raise InvalidInput(
            file,
            "$.gates.reconcile",
            "no events or report source",
            "pass --events and --report, or set them in the policy",
        )
    events = parse_source(
        events_spec, root=root, file=file if not args.events else "--events", field="events"
    )
    report = parse_source(
        report_spec, root=root, file=file if not args.report else "--report", field="report"
    )
    if args.as_of:
        as_of = config_mod.parse_time(args.as_of, file="--as-of", field="value")
    else:
        as_of = cfg.as_of or datetime.now(UTC)
    engine_name = args.engine or section.get("engine")
    show = progress_enabled(sys.stderr, os.environ)
    out_dir = Path(args.out) if args.out else None
    if show:
        print("reconcile: reading sources and replaying events…", file=sys.stderr, flush=True)
    with open_engine(engine_name, events=events, report=report) as engine:
        if out_dir is not None:
            with FileSink(out_dir) as sink:
                result = reconcile(
                    engine, cfg, events, report, as_of=as_of, sink=sink, root=root, file=file
                )
        else:
            result = reconcile(engine, cfg, events, report, as_of=as_of, root=root, file=file)
    evaluated = _evaluated(cfg)
    summary = masked(  # the masking boundary: nothing below sees a value in clear
        summary_doc(
            result,
            cfg,
            as_of=as_of,
            events=events.label,
            report=report.label,
            evaluated=evaluated,
            fail_on=fail_on,
        )
    )
    if out_dir is not None:
        write_json(out_dir / "summary.json", summary)
        write_json(out_dir / "audit.json", summary["audit"])
        from gates.atomic import write_text_atomic

        write_text_atomic(out_dir / "report.html", redact.DEFAULT.text(render(summary)))
    _after_report(events, report)
    if show:
        print("reconcile: done", file=sys.stderr, flush=True)
    out.write(redact.DEFAULT.text(text_summary(summary)))
    return int(ExitCode.BLOCKED if blocking(result, cfg, fail_on) else ExitCode.PASS)


def _evaluated(cfg: config_mod.ReconcileConfig) -> frozenset[DiscrepancyClass]:
    return plan_mod.evaluated_classes(cfg)


def _after_report(*sources: Source) -> None:
    for source in sources:
        source.after_report()


__all__ = ["add_parser", "dumps", "run", "source_spec"]
