"""`gates reconcile --engine spark` as a user runs it: quiet on success, one line on failure.

Spark's JVM writes its own console output (JDK module warnings, log4j's start-up lines, host name
warnings, stack traces) straight to the terminal. The command sends all of it to a private log,
so a normal run prints only the summary, and a failure reaches the user once, as one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reconcile_data import lifecycle, rep, write_data

pytest.importorskip("pyspark")

POLICY = str(Path(__file__).resolve().parent.parent / "policies" / "reconcile-card-lifecycle.yaml")
OK = ["created", "authorized", "captured"]
JVM_NOISE = ("WARN", "log4j", "WARNING", "Exception", "\tat ", "Setting default log level")


def run_quietly(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`argv` as a user runs it, without Spark settings from this machine's environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "PYSPARK_"))}
    env["PYSPARK_PYTHON"] = sys.executable
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def reconcile_args(root: Path) -> list[str]:
    options = ["--policy", POLICY, "--engine", "spark", "--root", str(root)]
    return ["reconcile", *options, "--as-of", "2026-11-25T12:00:00Z"]


def gates_reconcile(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_quietly([sys.executable, "-m", "gates", *reconcile_args(root), *extra], root)


def test_a_normal_spark_run_prints_only_the_summary(tmp_path: Path) -> None:
    write_data(tmp_path, lifecycle("p1", OK) + lifecycle("p2", OK), [rep("p1", "completed")])
    done = gates_reconcile(tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    assert done.stdout.splitlines()[0].endswith(", spark)")
    assert "missing_in_report" in done.stdout
    assert not any(word in done.stdout for word in JVM_NOISE)


def test_a_spark_failure_is_one_line_without_a_stack_trace(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "events.parquet").write_bytes(b"PAR1 this is not a parquet file PAR1")
    write_data(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    done = gates_reconcile(tmp_path, "--events", "parquet:data/events.parquet")
    assert done.returncode in (2, 3), done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("gates: ")
    assert not any(word in done.stderr for word in JVM_NOISE[:3] + JVM_NOISE[4:])


def test_spark_submit_runs_the_command_as_docs_reconcile_infra_says(tmp_path: Path) -> None:
    spark_submit = Path(sys.executable).with_name("spark-submit")
    if not spark_submit.exists():
        pytest.skip("spark-submit is not beside this interpreter")
    write_data(tmp_path, lifecycle("p1", OK) + lifecycle("p2", OK), [rep("p1", "completed")])
    import gates

    main = str(Path(gates.__path__[0]) / "__main__.py")
    done = run_quietly(
        [str(spark_submit), "--master", "local[1]", main, *reconcile_args(tmp_path)], tmp_path
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stdout.splitlines()[0].endswith(", spark)")
    assert done.stdout.splitlines()[-1] == "verdict: blocked (missing_in_report)"
