"""The reconcile test servers themselves: each answers a real request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg

from tests.reconcile_servers import KafkaBroker, PostgresServer

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def test_postgres_answers(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("smoke")
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT current_database(), current_setting('TimeZone')").fetchone()
    assert row == ("smoke", "UTC")


def test_kafka_round_trip(kafka_broker: KafkaBroker) -> None:
    from confluent_kafka import Consumer

    kafka_broker.create_topic("smoke", 2)
    kafka_broker.produce("smoke", [(0, b"a", b"one"), (1, b"b", b"two"), (0, None, b"three")])
    consumer = Consumer(
        {
            "bootstrap.servers": kafka_broker.bootstrap,
            "group.id": "smoke",
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
        }
    )
    consumer.subscribe(["smoke"])
    seen: list[tuple[int, bytes]] = []
    eof: set[int] = set()
    try:
        while len(eof) < 2:
            msg = consumer.poll(10)
            assert msg is not None
            partition, value = msg.partition(), msg.value()
            assert partition is not None
            if msg.error():
                eof.add(partition)
                continue
            assert isinstance(value, bytes)
            seen.append((partition, value))
    finally:
        consumer.close()
    assert sorted(seen) == [(0, b"one"), (0, b"three"), (1, b"two")]


def test_spark_local(spark: SparkSession) -> None:
    rows = spark.sql(
        "SELECT id % 2 AS k, count(*) AS n FROM range(10) GROUP BY 1 ORDER BY 1"
    ).collect()
    assert [(r.k, r.n) for r in rows] == [(0, 5), (1, 5)]
