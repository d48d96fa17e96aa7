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

import os
import re
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
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


def spark_session(master: str | None = None, *, log: Path | None = None) -> SparkSession:
    """A session for the command line (`--engine spark`): UTC, UI off, quiet.

    Without `master`, Spark's own configuration decides where it runs (`spark-defaults.conf`,
    `PYSPARK_SUBMIT_ARGS="--master spark://... pyspark-shell"`), and `local[*]` otherwise.
    With `log`, the JVM Spark starts writes its console output (the JVM's warnings, log4j's
    start-up lines, stack traces) to that file instead of the user's terminal: a failure reaches
    the user once, as the one-line error the engine raises.
    """
    try:
        with warnings.catch_warnings():
            # pyspark warns about pandas versions on import; the engine does not use pandas
            warnings.simplefilter("ignore", FutureWarning)
            from pyspark.sql import SparkSession
    except ImportError:
        raise GateCannotRun(GATE, "pyspark is not installed", INSTALL_HINT) from None
    builder = SparkSession.builder.appName("release-gates-reconcile")
    if master is not None:
        builder = builder.master(master)
    builder = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    memory = _local_driver_memory(master)
    if memory is not None:
        builder = builder.config("spark.driver.memory", memory)
    java_options = _local_driver_java_options(master)
    if java_options is not None:
        builder = builder.config("spark.driver.extraJavaOptions", java_options)
    with _console_to(log), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


LOCAL_DRIVER_MEMORY_MB = 4096  # at 1M payments on local[2]: ~10% faster than Spark's 1g


def _local_driver_memory(master: str | None) -> str | None:
    """The driver memory to start a local JVM with, when nothing else decides it.

    In local mode the driver's heap is all the memory Spark has; its 1g default leaves the replay's
    sort little room. Only when this call starts the JVM, the master will be local, and neither the
    environment (`SPARK_DRIVER_MEMORY`, `PYSPARK_SUBMIT_ARGS`) nor `spark-defaults.conf` sets a
    master elsewhere or a driver memory: half the machine's memory, at most 4g."""
    if os.environ.get("SPARK_DRIVER_MEMORY") or not _starts_local_jvm(
        master, ("--driver-memory", "spark.driver.memory")
    ):
        return None
    try:
        physical_mb = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (ValueError, OSError):
        return None
    return f"{min(LOCAL_DRIVER_MEMORY_MB, physical_mb // 2)}m"


LOCAL_DRIVER_JAVA_OPTIONS = "-XX:+UseParallelGC"


def _local_driver_java_options(master: str | None) -> str | None:
    """The JVM options to start a local JVM with, when nothing else decides them.

    A local run is one batch job on the driver's heap: the throughput collector spends less CPU
    than the JVM's default G1, whose concurrent threads compete with Spark's tasks for the same
    few cores (docs/reconcile-infra.md has the numbers). Same conditions as the driver memory:
    never over the user's `--driver-java-options` / `spark.driver.*JavaOptions`, nor when the
    environment the JVM inherits picks a collector (two collectors: the JVM refuses to start)."""
    settings = (
        "--driver-java-options",
        "spark.driver.extraJavaOptions",
        "spark.driver.defaultJavaOptions",
    )
    if not _starts_local_jvm(master, settings):
        return None
    if any(re.search(r"-XX:\+Use\w*GC\b", os.environ.get(v, "")) for v in JAVA_OPTION_VARIABLES):
        return None
    return LOCAL_DRIVER_JAVA_OPTIONS


# Where a JVM, or the spark-submit that is the local driver, takes options from the environment.
JAVA_OPTION_VARIABLES = (
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "SPARK_SUBMIT_OPTS",
)


def _starts_local_jvm(master: str | None, settings: tuple[str, ...]) -> bool:
    """True when this call starts a local JVM and nothing the user set names `settings`.

    Not when joining a running application or a JVM spark-submit started, when the master is
    elsewhere (the argument, `PYSPARK_SUBMIT_ARGS`, `spark-defaults.conf`), or when the submit
    arguments or `spark-defaults.conf` mention one of `settings` (a flag or a conf key)."""
    from pyspark import SparkContext

    if SparkContext._active_spark_context is not None or os.environ.get("PYSPARK_GATEWAY_PORT"):
        return False  # joining a running application, or spark-submit started the JVM
    submit = os.environ.get("PYSPARK_SUBMIT_ARGS", "")
    if any(s in submit for s in settings):
        return False
    defaults = _spark_defaults()
    if any(s in defaults for s in settings):
        return False
    words = submit.split()
    if master is not None:
        where = master
    elif "--master" in words[:-1]:
        where = words[words.index("--master") + 1]
    else:
        where = defaults.get("spark.master", "local[*]")
    return where.startswith("local")


def _spark_defaults() -> dict[str, str]:
    """`spark-defaults.conf` as spark-submit reads it (SPARK_CONF_DIR, else SPARK_HOME/conf)."""
    conf_dir = os.environ.get("SPARK_CONF_DIR") or (
        os.path.join(os.environ["SPARK_HOME"], "conf") if os.environ.get("SPARK_HOME") else None
    )
    if conf_dir is None:
        return {}
    try:
        text = Path(conf_dir, "spark-defaults.conf").read_text(errors="replace")
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        parts = line.strip().split(None, 1)
        if parts and not parts[0].startswith("#"):
            out[parts[0]] = parts[1].strip() if len(parts) > 1 else ""
    return out


@contextmanager
def _console_to(log: Path | None) -> Iterator[None]:
    """Point file descriptors 1 and 2 at `log` while the JVM starts (it inherits them for life)."""
    if log is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    saved = [os.dup(1), os.dup(2)]
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (*saved, fd):
            os.close(f)


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
        if (
            isinstance(source, FileSource)
            and source.kind is SourceKind.PARQUET
            and not source.driver_local
        ):
            try:
                df = self._spark.read.option("mergeSchema", "true").parquet(
                    *(str(p) for p in source.paths)
                )
            except _spark_errors() as exc:
                raise InvalidInput(
                    source.label, "data", f"Spark cannot read it: {_brief(exc)}", "fix the file"
                ) from exc
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
        except _spark_errors() as exc:
            text = _brief(exc)
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


def _spark_errors() -> tuple[type[Exception], ...]:
    """What Spark raises for a failed query or read: Python-side errors and JVM exceptions."""
    from py4j.protocol import Py4JJavaError  # type: ignore[import-untyped]
    from pyspark.errors import PySparkException

    return (PySparkException, Py4JJavaError)


def _brief(exc: Exception, limit: int = 300) -> str:
    """The one line of a Spark error a user needs: the JVM exception's own message when there is
    one (not py4j's "An error occurred while calling o33.parquet" and the stack trace)."""
    java = getattr(exc, "java_exception", None)
    text = str(java.toString()) if java is not None else str(exc)
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _conform(table: Any) -> Any:
    """The discrepancy batches in the DuckDB engine's schema (amount int64, the rest text)."""
    import pyarrow as pa

    schema = pa.schema(
        [(c, pa.int64() if c == "amount" else pa.string()) for c in DISCREPANCY_COLUMNS]
    )
    return table.select(list(DISCREPANCY_COLUMNS)).cast(schema)
