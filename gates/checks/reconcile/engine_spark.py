"""The Spark engine: the same plan on a Spark cluster (or `local[N]`), for data beyond one machine.

Parquet sources are read by Spark itself, in parallel across the cluster (Parquet is typed, so
there is no dialect to disagree about). Every other source (JSONL, CSV, SQLite, PostgreSQL, Kafka)
is read through the embedded DuckDB and handed to Spark as Arrow batches, so Spark sees exactly
the relation the DuckDB engine sees, text parsing and `_rg_error` included; those go through the
driver, so keep large inputs in Parquet.

Steps become temp views; a step the plan materialises is checkpointed locally and eagerly, which
cuts its lineage so every later query plans from the stored rows instead of re-analysing the whole
chain (several times faster than `cache()` here); outputs are collected (they are small); discrepancies reach the sink as Arrow batches. The session's time zone must be
UTC (naive timestamps mean UTC), as the DuckDB and PostgreSQL sessions are.

pyspark is an optional dependency: a missing package is a GateCannotRun naming
`pip install 'release-gates[spark]'`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from gates.checks.reconcile.engine import DiscrepancySink
from gates.checks.reconcile.model import ColumnType, SourceSchema
from gates.checks.reconcile.plan import DISCREPANCY_COLUMNS, Plan
from gates.checks.reconcile.source_stream import arrow_stream
from gates.checks.reconcile.sources import FileSource, Source, SourceKind
from gates.errors import GateCannotRun, InvalidInput

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

GATE = "reconcile"
INSTALL_HINT = "pip install 'release-gates[spark]'"


def spark_session(master: str | None = None) -> SparkSession:
    """A session for the command line (`--engine spark`): UTC, UI off, quiet.

    Without `master`, Spark's own configuration decides where it runs (`spark-defaults.conf`,
    `PYSPARK_SUBMIT_ARGS="--master spark://... pyspark-shell"`), and `local[*]` otherwise.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise GateCannotRun(GATE, "pyspark is not installed", INSTALL_HINT) from None
    builder = SparkSession.builder.appName("release-gates-reconcile")
    if master is not None:
        builder = builder.master(master)
    session = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def column_type(spark_type: str) -> ColumnType:
    t = spark_type.lower()
    if t in {"tinyint", "smallint", "int", "bigint"}:
        return ColumnType.INTEGER
    if t.startswith("decimal"):
        return ColumnType.DECIMAL
    if t in {"float", "double"}:
        return ColumnType.FLOAT
    if t == "string" or t.startswith(("varchar", "char")):
        return ColumnType.STRING
    if t.startswith("timestamp"):
        return ColumnType.TIMESTAMP
    if t == "date":
        return ColumnType.DATE
    return ColumnType.OTHER


class SparkEngine(AbstractContextManager["SparkEngine"]):
    """Runs the plan on a caller-owned SparkSession (the engine never stops the session)."""

    name = "spark"

    def __init__(self, session: SparkSession) -> None:
        zone = session.conf.get("spark.sql.session.timeZone")
        if zone not in ("UTC", "Etc/UTC", "+00:00", "Z"):
            raise GateCannotRun(
                GATE,
                f"the Spark session's time zone is {zone}, not UTC",
                "set spark.sql.session.timeZone=UTC",
            )
        self._spark = session
        self._cached: list[DataFrame] = []
        self._views: list[str] = []

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for df in self._cached:
            df.unpersist()
        for view in self._views:
            self._spark.catalog.dropTempView(view)

    def bind(self, source: Source, name: str, columns: Sequence[str]) -> SourceSchema:
        if isinstance(source, FileSource) and source.kind is SourceKind.PARQUET:
            df = self._spark.read.option("mergeSchema", "true").parquet(
                *(str(p) for p in source.paths)
            )
        else:
            with arrow_stream(source, columns) as reader:
                table = reader.read_all()
            df = self._spark.createDataFrame(table)
        df.createOrReplaceTempView(name)
        self._views.append(name)
        return SourceSchema(columns=tuple((n, column_type(t)) for n, t in df.dtypes))

    def execute(
        self, plan: Plan, *, sink: DiscrepancySink | None
    ) -> Mapping[str, list[tuple[object, ...]]]:
        from pyspark.errors import PySparkException

        plan = plan.sql_for("spark")
        try:
            for step in plan.steps:
                df = self._spark.sql(step.sql)
                if step.materialize:
                    df = df.localCheckpoint(eager=True)
                    self._cached.append(df)
                df.createOrReplaceTempView(step.name)
                self._views.append(step.name)
            rows = {
                name: [tuple(r) for r in self._spark.sql(sql).collect()]
                for name, sql in plan.outputs
            }
            if sink is not None:
                table = self._spark.sql(plan.discrepancies).toArrow()
                for batch in _conform(table).to_batches():
                    sink.write(batch)
        except PySparkException as exc:
            text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if "CAST" in text.upper() or "ARITHMETIC" in text.upper():
                raise InvalidInput(
                    "reconcile data",
                    "value",
                    f"Spark cannot convert a value: {text}",
                    "fix the data or the amount/column settings",
                ) from exc
            raise GateCannotRun(
                GATE, f"Spark failed: {text}", "report this with the policy and data shape"
            ) from exc
        return rows


def _conform(table: Any) -> Any:
    """The discrepancy batches in the DuckDB engine's schema (amount int64, the rest text)."""
    import pyarrow as pa

    schema = pa.schema(
        [(c, pa.int64() if c == "amount" else pa.string()) for c in DISCREPANCY_COLUMNS]
    )
    return table.select(list(DISCREPANCY_COLUMNS)).cast(schema)
