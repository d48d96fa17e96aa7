"""The reconcile gate: replays payment events through the policy's state machine and proves the
reporting system agrees with them.

What it proves: for every payment, the status, amount and currency customers see in the report
match what the events imply, the events themselves follow the lifecycle (legal transitions, no
gaps, no duplicates, nothing stuck past the grace period), regional rules hold (currencies and
data-residency regions per country, and, with a MaxMind database, each payment's IP address in
its country), and the reported tax matches the policy's tax rule per country (computed exactly,
rounded as the rule says). Rows that cannot be read are counted, never dropped. Each discrepancy
class over its threshold is one finding; exact definitions: docs/reconcile.md.

Config keys (policy `gates: reconcile:`, schema in config.SCHEMA): events, report, columns,
amounts, state_machine, sequence_start, as_of, grace_period, regions, geo, tax, thresholds,
sample_size, engine.
Rule ids: reconcile.status_mismatch, reconcile.missing_in_report, reconcile.missing_events,
reconcile.amount_mismatch, reconcile.currency_mismatch, reconcile.tax_mismatch,
reconcile.illegal_transition, reconcile.out_of_order, reconcile.duplicate_event, reconcile.stuck,
reconcile.geo_currency, reconcile.geo_residency, reconcile.geo_ip_mismatch,
reconcile.geo_unknown_ip, reconcile.unreadable.

Interfaces (for engines and sources added beside this package):

- `sources.Source` (Protocol): `kind`, `label` (stable identity) and
  `bind_duckdb(con, name, columns)`. `sources.parse_source(spec, root=, file=, field=)` builds one
  from a spec mapping; kinds `postgres`/`kafka` are delegated to `sources_postgres.parse` /
  `sources_kafka.parse` with the same signature. A bound relation has the raw columns (any type;
  the plan parses text) and optionally `_rg_error` (non-null: the row is unreadable, the reason).
- `plan.Plan`: the SQL steps and outputs, built once in the DuckDB dialect by
  `plan.build_plan(cfg, events_schema, report_schema, as_of=)`; `plan.sql_for("postgres"|"spark")`
  transpiles it with sqlglot. Canonical columns after mapping: model.EVENT_COLUMNS and
  model.REPORT_COLUMNS; raw inputs are named `events_raw` and `report_raw`.
- `engine.Engine` (Protocol): `name`, `bind(source, name, columns) -> SourceSchema` and
  `execute(plan, sink=) -> {output name: rows}`; `engine.reconcile(engine, cfg, events, report,
  as_of=, sink=) -> ReconcileResult` is the driver; `results.assemble` shapes rows identically for
  every engine. `engines.open_engine(name, events=, report=)` returns a context manager; the
  `postgres` and `spark` modules provide `open_engine(events=, report=)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gates.checks.reconcile.rules import RULES
from gates.checks.reconcile.schema import SCHEMA  # not .config: its parsers cost ~35 ms to import
from gates.extras import require
from gates.model import Finding
from gates.registry import GateContext, GateSpec, Scope

ENGINE_MODULES = ("duckdb", "pyarrow", "sqlglot")  # the `reconcile` extra


def run(ctx: GateContext) -> Iterable[Finding]:
    require("reconcile", "reconcile", ENGINE_MODULES)  # fail closed, naming the install command
    from gates.checks.reconcile.gate import run as run_gate  # heavy imports only when the gate runs

    return run_gate(ctx)


def _check(config: Mapping[str, Any], source: str, root: Path) -> None:
    # The data sources' existence is the data's business, checked when the gate runs.
    from gates.checks.reconcile import config as config_mod

    config_mod.parse(config, file=source, field="$.gates.reconcile")


def _reads_repository_data(config: Mapping[str, Any]) -> bool:
    """Whether a source is a file in the repository (which a change can alter): then --diff
    compares with the data at the merge base; databases and topics are the same on both sides."""
    from gates.checks.reconcile.at_revision import in_repository

    return any(in_repository(config.get(side)) for side in ("events", "report"))


GATE = GateSpec(
    id="reconcile",
    summary="Replay payment events through the policy's state machine and compare with the report",
    config_schema=SCHEMA,
    rules=RULES,
    run=run,
    scope=Scope.REPOSITORY,
    default_timeout_s=900,
    tools=(),
    check_config=_check,
    compares_with_base=_reads_repository_data,
)

__all__ = ["GATE"]
