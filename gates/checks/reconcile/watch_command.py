"""`gates reconcile watch`: the long-running reconciler of a Kafka events topic (see watch.py).

Reads the policy's reconcile section (state machine, grace period, classes, report source) and its
Kafka events source (or `--events kafka:?topic=...&bootstrap=...`), then runs until SIGTERM/SIGINT
(exit 0), until idle with `--exit-when-idle` (exit 0), or until a fatal error (exit 3, naming the
last durable offsets). Findings go to `--findings` as JSON lines, metrics to `--metrics`.

The clock: the system clock, or a fixed `--as-of` (replays and tests). A watcher gives no release
verdict, so unlike `--now` a fixed clock is allowed under CI; the metrics file records which
clock was used.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from gates import redact
from gates.errors import InvalidInput


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "watch",
        help="consume the events topic continuously and report discrepancies as they appear",
        description="Consume the policy's Kafka events topic as a consumer group, keep state in "
        "a DuckDB file, judge each payment once its grace period has passed, and write findings "
        "as JSON lines and a metrics file. Delivery is at-least-once; counts are exactly-once.",
    )
    p.add_argument("--policy", metavar="P", help="policy file or shipped policy name")
    p.add_argument(
        "--events", metavar="SRC", help="kafka:?topic=...&bootstrap=... (default: the policy's)"
    )
    p.add_argument("--state", metavar="FILE", required=True, help="the DuckDB state file")
    p.add_argument("--findings", metavar="FILE", required=True, help="findings, as JSON lines")
    p.add_argument("--metrics", metavar="FILE", required=True, help="metrics JSON, rewritten")
    p.add_argument("--group", metavar="G", help="consumer group (default: the source's group)")
    p.add_argument("--as-of", metavar="T", help="a fixed clock, RFC 3339 (default: system clock)")
    p.add_argument(
        "--exit-when-idle",
        action="store_true",
        help="exit 0 once every partition is consumed and no payment is due",
    )
    p.add_argument("--batch", type=int, default=500, metavar="N", help="messages per transaction")
    p.add_argument(
        "--metrics-interval", type=float, default=5.0, metavar="S", help="seconds between metrics"
    )
    p.add_argument(
        "--judge-interval",
        type=float,
        default=1.0,
        metavar="S",
        help="seconds between judgements while messages stream in (at once when caught up)",
    )
    p.add_argument(
        "--root", metavar="DIR", default=".", help="repository root for relative paths (default: .)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from gates.checks.reconcile import ENGINE_MODULES
    from gates.checks.reconcile import config as config_mod
    from gates.checks.reconcile.cli_inputs import policy_section, source_spec
    from gates.checks.reconcile.sources import parse_source
    from gates.checks.reconcile.sources_kafka import parse_spec
    from gates.checks.reconcile.watch import Watcher, WatchOptions
    from gates.extras import require

    require("reconcile", "reconcile", ENGINE_MODULES)
    if args.batch < 1 or args.metrics_interval <= 0 or args.judge_interval <= 0:
        raise InvalidInput(
            "--batch/--metrics-interval/--judge-interval", "value", "must be positive", "e.g. 500"
        )
    root = Path(args.root).resolve()
    section, file, _fail_on = policy_section(args, root)
    cfg = config_mod.parse(section, file=file)
    raw = source_spec(args.events) if args.events else cfg.events_source
    where = "--events" if args.events else file
    if raw is None or raw.get("kind") != "kafka":
        raise InvalidInput(
            where, "events", "the watcher reads a Kafka topic", "set events: {kind: kafka, ...}"
        )
    spec = parse_spec(raw, file=where, field="events")
    if args.group:
        spec = replace(spec, group=args.group)
    if spec.group is None:
        raise InvalidInput(
            where, "events.group", "the watcher needs a consumer group", "pass --group"
        )
    if cfg.report_source is None:
        raise InvalidInput(file, "$.gates.reconcile.report", "no report source", "set report:")
    report = parse_source(cfg.report_source, root=root, file=file, field="report")
    as_of = config_mod.parse_time(args.as_of, file="--as-of", field="value") if args.as_of else None
    opts = WatchOptions(
        state=Path(args.state),
        findings=Path(args.findings),
        metrics=Path(args.metrics),
        as_of=as_of,
        exit_when_idle=args.exit_when_idle,
        batch=args.batch,
        metrics_interval_s=args.metrics_interval,
        judge_interval_s=args.judge_interval,
    )
    outcome = Watcher(spec, cfg, report, opts, root=root, file=file).run()
    where_at = ", ".join(f"{spec.topic}[{p}]@{o}" for p, o in outcome.positions) or "nothing read"
    found = ", ".join(f"{c} {n}" for c, n in outcome.counts if n) or "no findings"
    out.write(
        redact.DEFAULT.text(
            f"reconcile watch: stopped ({outcome.reason}) at {where_at}; "
            f"{outcome.messages} events; {found}\n"
        )
    )
    return 0
