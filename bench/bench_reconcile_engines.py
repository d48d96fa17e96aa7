"""Reconcile on every engine and the Kafka source, on the benchmark data (one run, wall seconds).

Generates N payments (bench.reconcile_gen), then times, on the same data:
- DuckDB over Parquet (the embedded default, the reference answer);
- PostgreSQL pushdown: both tables in one local PostgreSQL (loading is timed apart), the plan
  runs on the server and only results come back;
- Spark `local[2]` over Parquet (read natively by Spark);
- the Kafka source: the events as JSON messages in a 4-partition topic (producing is timed apart),
  read to partition EOF into DuckDB (messages per second), then the whole reconcile.
Every engine's counts per class must equal DuckDB's, else the run fails.

    PYTHONPATH=. python -m bench.bench_reconcile_engines 100000
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.reconcile_gen import POLICY, generate


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _load_pg(con: Any, url: str, table: str, parquet: Path) -> None:
    """Copy a Parquet file into a new PostgreSQL table with matching column types."""
    import io

    import psycopg
    import pyarrow.csv as pacsv

    from gates.checks.reconcile.engine_postgres import pg_type

    reader = con.sql(f"SELECT * FROM read_parquet('{parquet}')").to_arrow_reader(200_000)
    cols = ", ".join(f'"{f.name}" {pg_type(f.type)}' for f in reader.schema)
    with psycopg.connect(url) as conn:
        conn.execute(f'CREATE TABLE "{table}" ({cols})')
        with conn.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT csv)') as copy:
            for batch in reader:
                buf = io.BytesIO()
                pacsv.write_csv(batch, buf, pacsv.WriteOptions(include_header=False))
                copy.write(buf.getvalue())
        conn.execute(f'ANALYZE "{table}"')


def main(argv: list[str] | None = None) -> int:
    import duckdb

    from gates.checks.reconcile import config
    from gates.checks.reconcile.engine import Engine, reconcile
    from gates.checks.reconcile.engine_duckdb import DuckDBEngine
    from gates.checks.reconcile.engine_postgres import PostgresEngine
    from gates.checks.reconcile.engine_spark import SparkEngine
    from gates.checks.reconcile.sources import Source, parse_source
    from gates.checks.reconcile.sources_kafka import KafkaSource, parse_spec
    from gates.checks.reconcile.sources_postgres import PostgresSource
    from tests.reconcile_servers import running_kafka, running_postgres, running_spark

    args = list(sys.argv[1:] if argv is None else argv)
    n = int(args[0]) if args else 100_000
    parts = set(args[1:]) or {"postgres", "spark", "kafka"}
    cfg = config.parse(POLICY, file="bench")
    assert cfg.as_of is not None
    as_of = cfg.as_of
    rows: list[tuple[str, float, str]] = []

    with tempfile.TemporaryDirectory(prefix="rg-bench-engines-") as tmp:
        root = Path(tmp)
        gen_s, _ = _timed(lambda: generate(n, root))
        con = duckdb.connect()
        n_events = con.execute(
            f"SELECT count(*) FROM read_parquet('{root / 'events.parquet'}')"
        ).fetchall()[0]
        print(f"{n:,} payments, {n_events[0]:,} events, generated in {gen_s:.1f}s", flush=True)

        def src(spec: dict[str, Any]) -> Source:
            return parse_source(spec, root=root, file="bench", field="source")

        def run(engine: Engine, ev: Source, rp: Source) -> dict[str, int]:
            return reconcile(engine, cfg, ev, rp, as_of=as_of).counts()

        pq_ev = {"kind": "parquet", "path": "events.parquet"}
        pq_rp = {"kind": "parquet", "path": "report.parquet"}
        with DuckDBEngine() as engine:
            secs, reference = _timed(lambda: run(engine, src(pq_ev), src(pq_rp)))
        rows.append(("DuckDB, Parquet", secs, "reference"))
        print(f"duckdb {secs:.2f}s {json.dumps(reference)}", flush=True)

        def check(name: str, got: dict[str, int]) -> str:
            if got != reference:
                raise SystemExit(f"{name}: counts differ from DuckDB: {got} != {reference}")
            return "same counts"

        if "postgres" in parts:
            with running_postgres() as server:
                url = server.create_database("bench")
                load_s = 0.0
                for table in ("events", "report"):
                    t, _ = _timed(
                        lambda table=table: _load_pg(con, url, table, root / f"{table}.parquet")
                    )
                    load_s += t
                pg_ev = PostgresSource(display_url="bench", url=url, table="events")
                pg_rp = PostgresSource(display_url="bench", url=url, table="report")
                with PostgresEngine(pg_ev) as engine:
                    secs, got = _timed(lambda: run(engine, pg_ev, pg_rp))
                rows.append(
                    (
                        "PostgreSQL 15 pushdown",
                        secs,
                        f"{check('postgres', got)}; load {load_s:.1f}s apart",
                    )
                )
                print(f"postgres {secs:.2f}s (load {load_s:.1f}s)", flush=True)

        if "spark" in parts:
            with running_spark("local[2]") as session, SparkEngine(session) as engine:
                secs, got = _timed(lambda: run(engine, src(pq_ev), src(pq_rp)))
                rows.append(("Spark local[2], Parquet", secs, check("spark", got)))
                print(f"spark {secs:.2f}s", flush=True)

        if "kafka" in parts:
            with running_kafka() as broker:
                broker.create_topic("bench-events", 4)
                produce_s = 0.0
                t0 = time.perf_counter()
                rel = con.sql(
                    f"SELECT to_json(e)::VARCHAR AS v, CAST(hash(payment_id) % 4 AS INTEGER) AS p "
                    f"FROM read_parquet('{root / 'events.parquet'}') AS e"
                )
                for batch in rel.to_arrow_reader(200_000):
                    values = batch.column(0).to_pylist()
                    part_of = batch.column(1).to_pylist()
                    broker.produce(
                        "bench-events",
                        [(p, None, v.encode()) for p, v in zip(part_of, values, strict=True)],
                    )
                produce_s = time.perf_counter() - t0
                spec = parse_spec(
                    {
                        "kind": "kafka",
                        "topic": "bench-events",
                        "bootstrap": broker.bootstrap,
                        "timeout_s": 600,
                    },
                    file="bench",
                    field="events",
                )
                kafka = KafkaSource(spec)
                read_s, snap = _timed(kafka.snapshot)
                rate = snap.table.num_rows / read_s
                with DuckDBEngine() as engine:
                    secs, got = _timed(lambda: run(engine, kafka, src(pq_rp)))
                rows.append(
                    (
                        "Kafka read to EOF (4 partitions)",
                        read_s,
                        f"{rate:,.0f} messages/s; produce {produce_s:.1f}s apart",
                    )
                )
                rows.append(("DuckDB, events from Kafka (read done)", secs, check("kafka", got)))
                print(
                    f"kafka read {read_s:.2f}s ({rate:,.0f}/s), reconcile {secs:.2f}s", flush=True
                )

    print()
    print(f"| {n:,} payments | seconds | note |")
    print("| --- | ---: | --- |")
    for name, secs, note in rows:
        print(f"| {name} | {secs:.2f} | {note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
