"""The engine contract: what DuckDB, PostgreSQL and Spark each implement to run the one plan.

An engine binds the two sources under the raw names `events_raw` and `report_raw` (reporting their
column types), then runs a `Plan` (SQL built once, in the DuckDB dialect, transpiled by sqlglot to
the engine's dialect with `plan.sql_for(dialect)`):

1. execute `plan.steps` in order: each is `(name, select)`; materialise the select as a temporary
   table/view called `name` (DuckDB/PostgreSQL: CREATE TEMP TABLE name AS select; Spark: a cached
   temp view);
2. fetch each of `plan.outputs` (small result sets; column order as documented in plan.py) and give
   them to `results.assemble(plan, rows)`, which builds the `ReconcileResult` the same way for all;
3. when a sink is given, stream `plan.discrepancies` (one row per payment and class, ordered) to it
   as Arrow record batches.

Then the listed samples of file and SQLite sources get their citations (citations.apply: one
targeted pass over those sources for just the listed payment ids), before the check that no data
file changed during the run.

`reconcile()` is the driver every caller uses. With a GeoIP database in the policy it also
reads the distinct IP addresses (a one-output plan), looks them up in Python and binds the
mapping as a third relation `ip_map` (see geoip.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gates.checks.reconcile.model import ReconcileResult, SourceSchema

if TYPE_CHECKING:
    import pyarrow as pa

    from gates.checks.reconcile.config import ReconcileConfig
    from gates.checks.reconcile.plan import Plan
    from gates.checks.reconcile.sources import Source

EVENTS_RAW = "events_raw"
REPORT_RAW = "report_raw"


class DiscrepancySink(Protocol):
    """Receives the discrepancy rows (schema: plan.DISCREPANCY_COLUMNS) in order."""

    def write(self, batch: pa.RecordBatch) -> None: ...


class Engine(Protocol):
    name: str  # "duckdb" | "postgres" | "spark"

    def bind(self, source: Source, name: str, columns: Sequence[str]) -> SourceSchema:
        """Make `source` readable as relation `name` with at least the raw `columns`; return the
        types of the columns it has (all of them, including `_rg_error` when present)."""
        ...

    def execute(
        self, plan: Plan, *, sink: DiscrepancySink | None
    ) -> Mapping[str, list[tuple[object, ...]]]:
        """Run the steps, return every output's rows by name, stream discrepancies to `sink`."""
        ...


def reconcile(
    engine: Engine,
    config: ReconcileConfig,
    events: Source,
    report: Source,
    *,
    as_of: datetime,
    sink: DiscrepancySink | None = None,
    root: Path | None = None,
    file: str = "policy",
) -> ReconcileResult:
    """Bind both sources, build the plan for their column types, run it, assemble the result.

    `root` (the repository) resolves `geo.ip_database`; `file` names the policy in errors."""
    from gates.checks.reconcile import citations, results
    from gates.checks.reconcile import plan as plan_mod
    from gates.checks.reconcile.sources import file_states

    before = file_states((events, report))
    ev_schema = engine.bind(events, EVENTS_RAW, config.events.raw_columns())
    rp_schema = engine.bind(report, REPORT_RAW, config.report.raw_columns())
    with tempfile.TemporaryDirectory(prefix="release-gates-geoip-") as tmp:
        if config.ip_database is not None:
            _bind_ip_map(engine, config, ev_schema, rp_schema, root=root, file=file, tmp=Path(tmp))
        plan = plan_mod.build_plan(config, ev_schema, rp_schema, as_of=as_of)
        rows = engine.execute(plan, sink=sink)
    result = citations.apply(
        results.assemble(plan, rows, engine=engine.name),
        events,
        report,
        events_key=config.events.raw("payment_id") or "",
        report_key=config.report.raw("payment_id") or "",
        event_id_key=config.events.raw("event_id"),
    )
    # Files are read more than once (Parquet by each step that reads its rows; every file again
    # by the citation pass): a file that changed in between could be counted from one version and
    # cited from another. Never a pass.
    if file_states((events, report)) != before:
        from gates.errors import GateCannotRun

        raise GateCannotRun(
            "reconcile",
            "a data file changed while it was being reconciled",
            "rerun once whatever writes the data files has finished",
        )
    return result


def _bind_ip_map(
    engine: Engine,
    config: ReconcileConfig,
    ev_schema: SourceSchema,
    rp_schema: SourceSchema,
    *,
    root: Path | None,
    file: str,
    tmp: Path,
) -> None:
    from gates.checks.reconcile import geoip, parse_sql
    from gates.checks.reconcile.plan import Plan
    from gates.checks.reconcile.sources import FileSource, SourceKind
    from gates.errors import InvalidInput

    field = "$.gates.reconcile.geo.ip_database"
    assert config.ip_database is not None
    if root is None:
        raise InvalidInput(file, field, "no repository root to find it in", "run in the repository")
    database = geoip.resolve_database(root, config.ip_database, file=file, field=field)
    texts = [
        (rel, expr)
        for rel, cmap, schema in (
            (EVENTS_RAW, config.events, ev_schema),
            (REPORT_RAW, config.report, rp_schema),
        )
        if (expr := parse_sql.ip_text(cmap, schema, file)) is not None
    ]
    probe = Plan(
        dialect="duckdb",
        steps=(),
        outputs=(("ips", geoip.distinct_sql(texts)),),
        discrepancies="SELECT 1",
        sample_size=1,
        statuses=(),
        evaluated=frozenset(),
    )
    ips = [str(row[0]) for row in engine.execute(probe, sink=None)["ips"]]
    table = geoip.lookup(database, ips, label=config.ip_database)
    path = geoip.write_map(table, tmp)
    mapping = FileSource(
        kind=SourceKind.PARQUET,
        pattern=f"geoip:{config.ip_database}",
        paths=(path,),
        driver_local=True,
    )
    engine.bind(mapping, geoip.IP_MAP, geoip.MAP_COLUMNS)
