"""Reconcile gate entry: read the policy's sources, run the plan, turn classes into findings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.checks.reconcile import config as config_mod
from gates.checks.reconcile.engine import reconcile
from gates.checks.reconcile.engines import open_engine
from gates.checks.reconcile.findings import findings
from gates.checks.reconcile.model import DiscrepancyClass
from gates.checks.reconcile.sources import FileSource, Source, SqliteSource, parse_source
from gates.errors import InvalidInput
from gates.model import Finding
from gates.registry import GateContext

FIELD = "$.gates.reconcile"


def policy_file(ctx: GateContext) -> str:
    return ctx.policy.sources[-1] if ctx.policy.sources else "policy"


def source_from(spec: Mapping[str, Any] | None, name: str, *, root: Path, file: str) -> Source:
    if spec is None:
        raise InvalidInput(
            file, f"{FIELD}.{name}", f"no {name} source", f"add {name}: {{kind: jsonl, path: ...}}"
        )
    return parse_source(spec, root=root, file=file, field=f"{FIELD}.{name}")


def location_of(source: Source) -> str:
    if isinstance(source, FileSource):
        return source.pattern
    if isinstance(source, SqliteSource):
        return source.display
    return source.label


def run(ctx: GateContext) -> Iterable[Finding]:
    file = policy_file(ctx)
    cfg = config_mod.parse(ctx.config, file=file, field=FIELD)
    root = ctx.workspace.root
    events = source_from(cfg.events_source, "events", root=root, file=file)
    report = source_from(cfg.report_source, "report", root=root, file=file)
    engine_name = ctx.config.get("engine")
    with open_engine(engine_name, events=events, report=report) as engine:
        result = reconcile(engine, cfg, events, report, as_of=cfg.as_of or ctx.now)
    if result.audit.payments == 0 and result.count(DiscrepancyClass.UNREADABLE) == 0:
        raise InvalidInput(
            file,
            FIELD,
            "the sources hold no payments",
            "point events/report at the data to reconcile",
        )
    return findings(
        result,
        cfg,
        location=location_of(events),
        events_label=events.label,
        report_label=report.label,
    )
