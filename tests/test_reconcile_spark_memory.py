"""What spark_session asks of a local JVM it starts (memory, GC), never over a user's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pyspark")

from gates.checks.reconcile import engine_spark

ENV = (
    "SPARK_DRIVER_MEMORY",
    "PYSPARK_SUBMIT_ARGS",
    "PYSPARK_GATEWAY_PORT",
    "SPARK_CONF_DIR",
    *engine_spark.JAVA_OPTION_VARIABLES,
)


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPARK_HOME", str(tmp_path))  # no conf/spark-defaults.conf there
    monkeypatch.setattr("pyspark.SparkContext._active_spark_context", None)


def test_a_local_master_nobody_configured_gets_up_to_4g() -> None:
    memory = engine_spark._local_driver_memory(None)
    assert memory is not None
    assert memory.endswith("m")
    assert 0 < int(memory[:-1]) <= 4096
    assert engine_spark._local_driver_memory("local[2]") == memory


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SPARK_DRIVER_MEMORY", "2g"),
        ("PYSPARK_SUBMIT_ARGS", "--driver-memory 2g pyspark-shell"),
        ("PYSPARK_SUBMIT_ARGS", "--conf spark.driver.memory=2g pyspark-shell"),
        ("PYSPARK_SUBMIT_ARGS", "--master spark://host:7077 pyspark-shell"),
        ("PYSPARK_GATEWAY_PORT", "12345"),
    ],
)
def test_the_users_settings_or_a_cluster_win(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert engine_spark._local_driver_memory(None) is None


def test_spark_defaults_conf_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "spark-defaults.conf").write_text("# comment\nspark.master  yarn\n")
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert engine_spark._local_driver_memory(None) is None
    assert engine_spark._local_driver_memory("local[2]") is not None
    (tmp_path / "spark-defaults.conf").write_text("spark.driver.memory 8g\n")
    assert engine_spark._local_driver_memory("local[2]") is None
    assert engine_spark._local_driver_memory("spark://host:7077") is None


def test_a_local_jvm_nobody_configured_gets_the_throughput_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert engine_spark._local_driver_java_options(None) == "-XX:+UseParallelGC"
    monkeypatch.setenv("JAVA_TOOL_OPTIONS", "-Xss4m")  # options that pick no collector
    assert engine_spark._local_driver_java_options("local[2]") == "-XX:+UseParallelGC"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PYSPARK_SUBMIT_ARGS", "--driver-java-options -XX:+UseG1GC pyspark-shell"),
        ("PYSPARK_SUBMIT_ARGS", "--conf spark.driver.extraJavaOptions=-Xss4m pyspark-shell"),
        # the JVM refuses to start with two collectors
        ("JAVA_TOOL_OPTIONS", "-XX:+UseG1GC"),
        ("_JAVA_OPTIONS", "-Xmx2g -XX:+UseZGC"),
        ("SPARK_SUBMIT_OPTS", "-XX:+UseSerialGC"),
        ("PYSPARK_SUBMIT_ARGS", "--master spark://host:7077 pyspark-shell"),
        ("PYSPARK_GATEWAY_PORT", "12345"),
    ],
)
def test_the_users_java_options_or_a_cluster_win(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert engine_spark._local_driver_java_options(None) is None


def test_java_options_in_spark_defaults_conf_win(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "spark-defaults.conf").write_text("spark.driver.extraJavaOptions -Xss4m\n")
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert engine_spark._local_driver_java_options("local[2]") is None
    assert engine_spark._local_driver_memory("local[2]") is not None
