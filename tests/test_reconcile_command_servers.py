"""`gates reconcile` against real servers: pushdown chosen by itself, Kafka offsets committed only
after the report is written."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from gates.checks.reconcile import command
from gates.errors import ReleaseGatesError
from tests import reconcile_parity_data as data
from tests.reconcile_servers import KafkaBroker, PostgresServer


def _policy(root: Path, events: dict[str, Any], report: dict[str, Any]) -> Path:
    doc = {
        "version": 1,
        "gates": {"reconcile": {**data.SECTION, "events": events, "report": report}},
    }
    path = root / "policy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _run(root: Path, policy: Path, *extra: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="gates")
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(
        [
            "reconcile",
            "--policy",
            str(policy),
            "--root",
            str(root),
            "--as-of",
            "2026-11-20T00:00:00Z",
            *extra,
        ]
    )
    out = io.StringIO()
    return command.run(args, out), out.getvalue()


def test_both_sides_in_postgres_run_on_the_server(
    tmp_path: Path, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_server.create_database("cmd_pushdown")
    data.write_postgres(url, "events", data.events(), data.EVENT_FIELDS)
    data.write_postgres(url, "report", data.report(), data.REPORT_FIELDS)
    monkeypatch.setenv("RG_TEST_RECON_PG", url)
    spec = {"kind": "postgres", "url_env": "RG_TEST_RECON_PG"}
    policy = _policy(tmp_path, {**spec, "table": "events"}, {**spec, "table": "report"})
    code, text = _run(tmp_path, policy, "--out", str(tmp_path / "out"))
    assert code == 1
    assert text.splitlines()[0].endswith(", postgres)")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert url not in json.dumps(summary)  # sources are named by their env var, never the URL


def test_kafka_offsets_commit_only_after_the_report(
    tmp_path: Path, kafka_broker: KafkaBroker
) -> None:
    kafka_broker.create_topic("cmd-events", 2)
    kafka_broker.produce("cmd-events", data.kafka_messages(data.events(), 2))
    data.write_jsonl(tmp_path / "report.jsonl", data.report())
    events = {
        "kind": "kafka",
        "topic": "cmd-events",
        "bootstrap": kafka_broker.bootstrap,
        "group": "cmd-recon",
        "start": "committed",
        "commit": True,
    }
    policy = _policy(tmp_path, events, {"kind": "jsonl", "path": "report.jsonl"})

    # The report cannot be written (--out is a file): nothing is committed.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises((ReleaseGatesError, OSError)):
        _run(tmp_path, policy, "--out", str(blocker))
    code, first = _run(tmp_path, policy, "--out", str(tmp_path / "out1"))
    assert code == 1
    assert first.splitlines()[0].startswith(
        f"reconcile: 18 payments, {len(data.events()) - 2} events"
    )

    # Committed after that report: the next run starts past every message it read.
    code, second = _run(tmp_path, policy, "--out", str(tmp_path / "out2"))
    assert second.splitlines()[0].startswith("reconcile: 17 payments, 0 events")


@pytest.mark.parametrize("pushdown", [True, False])
def test_tables_with_serial_keys_and_defaults_reconcile(
    tmp_path: Path, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, pushdown: bool
) -> None:
    """Real payment tables have `bigserial` keys (a nextval() default) and `DEFAULT now()`
    columns; reading them read-only must work, on the server and streamed alike."""
    import psycopg

    url = postgres_server.create_database(f"serial_{int(pushdown)}")
    data.write_postgres(url, "events", data.events(), data.EVENT_FIELDS)
    data.write_postgres(url, "report", data.report(), data.REPORT_FIELDS)
    with psycopg.connect(url) as conn:
        for table in ("events", "report"):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN row_id bigserial PRIMARY KEY")
            conn.execute(f"ALTER TABLE {table} ADD COLUMN loaded_at timestamptz DEFAULT now()")
    monkeypatch.setenv("RG_TEST_RECON_PG", url)
    spec = {"kind": "postgres", "url_env": "RG_TEST_RECON_PG"}
    policy = _policy(tmp_path, {**spec, "table": "events"}, {**spec, "table": "report"})
    extra = () if pushdown else ("--engine", "duckdb")
    code, text = _run(tmp_path, policy, *extra)
    assert code == 1, text  # the parity data plants discrepancies: blocked, not an error
    assert text.splitlines()[0].endswith(", postgres)" if pushdown else ", duckdb)")


def test_diff_with_sources_outside_the_repository_runs_once_and_blocks_nothing(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """No change to the repository can alter a database: under --diff its data problems are
    pre-existing (the base side equals this side), and the gate does not read it twice."""
    import os
    import subprocess
    import sys

    from tests.gatekit import commit_files, git, make_repo

    url = postgres_server.create_database("diff_external")
    data.write_postgres(url, "events", data.events(), data.EVENT_FIELDS)
    data.write_postgres(url, "report", data.report(), data.REPORT_FIELDS)
    spec = {"kind": "postgres", "url_env": "RG_TEST_RECON_PG"}
    doc = {
        "version": 1,
        "gates": {
            "reconcile": {
                **data.SECTION,
                "enabled": True,
                "events": {**spec, "table": "events"},
                "report": {**spec, "table": "report"},
            }
        },
    }
    root = make_repo(
        tmp_path / "repo", {".release-gates/policy.yaml": yaml.safe_dump(doc, sort_keys=False)}
    )
    git(root, "checkout", "-q", "-b", "pr")
    commit_files(root, {"app/feature.py": "x = 1\n"}, "an unrelated change")
    env = {**os.environ, "RG_TEST_RECON_PG": url}
    env.pop("CI", None)

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gates", "-v", "--log-format", "json", "run",
             "--gate", "reconcile", "--now", "2026-11-20T00:00:00Z", "--format", "json", *extra],
            cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    whole = run()
    assert whole.returncode == 1, whole.stderr[-2000:]  # the planted discrepancies block
    diff = run("--diff", "main")
    assert diff.returncode == 0, diff.stderr[-2000:]
    report = json.loads(diff.stdout)
    assert report["findings"] == []
    assert any("no worse than at the merge base" in n for n in report["notes"])
    events = [json.loads(line) for line in diff.stderr.splitlines() if line.startswith("{")]
    started = [e for e in events if e["event"] == "gate_started" and e["gate"] == "reconcile"]
    assert len(started) == 1
