"""Reconcile gate entry: read the policy's sources, run the plan, turn classes into findings."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.checks.reconcile import at_revision
from gates.checks.reconcile import config as config_mod
from gates.checks.reconcile.engine import reconcile
from gates.checks.reconcile.engines import open_engine
from gates.checks.reconcile.findings import findings
from gates.checks.reconcile.model import DiscrepancyClass
from gates.checks.reconcile.sources import (
    FileSource,
    NoDataFile,
    Source,
    SqliteSource,
    parse_source,
)
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


def identity_of(source: Source) -> str:
    """What the fingerprint names: the glob as written, so it survives files coming and going."""
    if isinstance(source, FileSource):
        return source.pattern
    if isinstance(source, SqliteSource):
        return source.display
    return source.label


def report_path(source: Source, root: Path, policy: str) -> str:
    """A real file for the finding's location (code scanning opens it): the first data file of a
    file source, else the policy that names the source."""
    if isinstance(source, FileSource) and source.paths:
        return source.paths[0].relative_to(root.resolve()).as_posix()
    if isinstance(source, SqliteSource):
        return source.display
    return policy


def run(ctx: GateContext) -> Iterable[Finding]:
    file = policy_file(ctx)
    cfg = config_mod.parse(ctx.config, file=file, field=FIELD)
    if ctx.revision is not None:
        return _run_at_revision(ctx, cfg, file, ctx.revision)
    found = _reconcile(ctx, cfg, file, ctx.workspace.root)
    if found is None:
        raise InvalidInput(
            file,
            FIELD,
            "the sources hold no payments",
            "point events/report at the data to reconcile",
        )
    return found


def _reconcile(
    ctx: GateContext, cfg: config_mod.ReconcileConfig, file: str, root: Path
) -> list[Finding] | None:
    """The findings for the data under `root`; None when the sources hold no payments."""
    events = source_from(cfg.events_source, "events", root=root, file=file)
    report = source_from(cfg.report_source, "report", root=root, file=file)
    engine_name = ctx.config.get("engine")
    with open_engine(engine_name, events=events, report=report) as engine:
        result = reconcile(
            engine, cfg, events, report, as_of=cfg.as_of or ctx.now, root=root, file=file
        )
    if result.audit.payments == 0 and result.count(DiscrepancyClass.UNREADABLE) == 0:
        return None
    return findings(
        result,
        cfg,
        location=identity_of(events),
        path=report_path(events, root, file),
        events_label=events.label,
        report_label=report.label,
    )


def _run_at_revision(
    ctx: GateContext, cfg: config_mod.ReconcileConfig, file: str, revision: str
) -> list[Finding]:
    """The --diff base side: the same policy and as-of time on the data as `revision` had it.
    Data that did not exist there (or held no payments) is an empty base: every class is new."""
    with tempfile.TemporaryDirectory(prefix="release-gates-reconcile-base-") as tmp:
        base_root = Path(tmp)
        paths = at_revision.repository_paths((cfg.events_source, cfg.report_source))
        if cfg.ip_database is not None:  # the GeoIP database as that commit had it
            paths = (*paths, cfg.ip_database)
        at_revision.materialize(ctx.workspace.root, revision, paths, base_root)
        try:
            return _reconcile(ctx, cfg, file, base_root) or []
        except NoDataFile:
            return []  # the data arrives with this change
