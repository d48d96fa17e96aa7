"""`gates reconcile`: exit codes, the text summary and every output file."""

from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from gates.checks.reconcile import command
from gates.errors import InvalidInput
from tests.reconcile_data import lifecycle, rep, write_data

POLICY = str(Path(__file__).resolve().parent.parent / "policies" / "reconcile-card-lifecycle.yaml")
OK = ["created", "authorized", "captured"]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="gates")
    command.add_parser(parser.add_subparsers())
    return parser.parse_args(["reconcile", *argv])


def run(root: Path, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    args = parse(
        ["--policy", POLICY, "--root", str(root), "--as-of", "2026-11-25T12:00:00Z", *extra]
    )
    return command.run(args, out), out.getvalue()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    events = lifecycle("p1", OK) + lifecycle("p2", OK) + lifecycle("p3", [*OK, "refunded"])
    report = [rep("p1", "completed"), rep("p2", "pending"), rep("p3", "refunded")]
    write_data(tmp_path, events, report)
    return tmp_path


def test_clean_data_passes(tmp_path: Path) -> None:
    write_data(tmp_path, lifecycle("p1", OK), [rep("p1", "completed")])
    code, text = run(tmp_path)
    assert code == 0
    assert text.splitlines()[0] == (
        "reconcile: 1 payments, 3 events, 1 report rows (as of 2026-11-25T12:00:00Z, duckdb)"
    )
    assert text.splitlines()[-1] == "verdict: pass"


def test_blocking_class_exits_1_and_writes_every_output(repo: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, text = run(repo, "--out", str(out_dir))
    assert code == 1
    assert "status_mismatch              1  yes    10.00 EUR" in text
    assert text.splitlines()[-1] == "verdict: blocked (status_mismatch)"
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "audit.json",
        "discrepancies.csv",
        "discrepancies.parquet",
        "report.html",
        "summary.json",
    ]
    rows = pq.read_table(out_dir / "discrepancies.parquet").to_pylist()
    assert rows == [
        {
            "class": "status_mismatch",
            "payment_id": "p2",
            "detail": "report shows pending, events imply completed (captured)",
            "currency": "EUR",
            "amount": 1000,
            "country": "DE",
            "day": "2026-11-20",
        }
    ]
    assert (out_dir / "discrepancies.csv").read_text().splitlines() == [
        '"class","payment_id","detail","currency","amount","country","day"',
        '"status_mismatch","p2","report shows pending, events imply completed (captured)",'
        '"EUR",1000,"DE","2026-11-20"',
    ]
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["verdict"] == "blocked"
    assert summary["classes"]["status_mismatch"]["samples"] == [
        "p2 (at events data/events/part-1.jsonl:4,5,6, report data/report.csv:3)"
    ]
    audit = json.loads((out_dir / "audit.json").read_text())
    assert (audit["payments"], audit["completed"], audit["failed"], audit["refunded"]) == (
        3,
        2,
        0,
        1,
    )
    assert audit["amounts"] == {"EUR": {"minor_units": 3000, "text": "30.00 EUR"}}


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    events = lifecycle("p1", OK) + lifecycle("p2", OK, currency="USD")
    write_data(tmp_path, events, [rep("p1", "pending"), rep("p2", "completed", currency="USD")])
    run(tmp_path, "--out", str(tmp_path / "out"))
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", html)
    # one inline script (paging and filtering the samples), nothing loaded from anywhere
    assert html.lower().count("<script") == 1
    assert "<script>" in html
    assert not re.search(r"""(src|href)\s*=""", html)
    assert html.count("<svg") == 5  # counts, EUR and USD amounts, timeline, geo
    assert "DE currency" in html  # the geo chart's label
    cited = "p1 (at events data/events/part-1.jsonl:1,2,3, report data/report.csv:2)"
    assert f"<tr><td><code>{cited}</code></td></tr>" in html


def test_html_report_summary_first_then_every_listed_sample(tmp_path: Path) -> None:
    pan = "4111111111111111"
    pids = [f"p{i:02d}" for i in range(25)] + [pan]
    events = [e for pid in pids for e in lifecycle(pid, OK)]
    write_data(tmp_path, events, [rep(pid, "pending") for pid in pids])
    run(tmp_path, "--out", str(tmp_path / "out"))
    html = (tmp_path / "out" / "report.html").read_text()
    order = [
        html.index(h)
        for h in ("<h2>Summary</h2>", "<h2>Audit summary</h2>", "<h2>Samples per class</h2>")
    ]
    assert order == sorted(order)
    summary = html[order[0] : order[1]]
    assert "Money at stake in the blocking classes: <b>260.00 EUR</b>" in summary
    assert '<tr><td>status_mismatch</td><td class="num">26</td>' in summary
    listing = html[order[2] :]
    # every one of the 26 (more than sample_size), each citing its rows, the card masked
    assert listing.count("<tr><td><code>") == 26
    assert (
        "<code>p24 (at events data/events/part-1.jsonl:73,74,75, report data/report.csv:26)"
        in listing
    )
    assert pan not in html
    assert "<code>4111 11•• •••• 1111 (at events data/events/part-1.jsonl:76,77,78" in listing
    summary_json = json.loads((tmp_path / "out" / "summary.json").read_text())
    status = summary_json["classes"]["status_mismatch"]
    assert status["over_threshold"] is True
    assert summary_json["classes"]["stuck"]["over_threshold"] is False
    assert (len(status["samples"]), len(status["listed"]), summary_json["listed_cap"]) == (
        10,
        26,
        1000,
    )


def test_outputs_are_byte_identical_across_runs(repo: Path, tmp_path: Path) -> None:
    run(repo, "--out", str(tmp_path / "a"))
    run(repo, "--out", str(tmp_path / "b"))
    for name in ("summary.json", "audit.json", "report.html", "discrepancies.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_command_line_sources_override_the_policy(repo: Path) -> None:
    (repo / "other.csv").write_text(
        "payment_id,status,amount,currency,region,updated_at\n"
        "p1,completed,10.00,EUR,eu-central-1,\n"
    )
    code, text = run(repo, "--report", "other.csv")
    assert code == 1
    assert "missing_in_report            2  yes    20.00 EUR" in text


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("jsonl:data/e/*.jsonl", {"kind": "jsonl", "path": "data/e/*.jsonl"}),
        ("data/report.csv", {"kind": "csv", "path": "data/report.csv"}),
        ("x.parquet", {"kind": "parquet", "path": "x.parquet"}),
        ("sqlite:pay.db?table=report", {"kind": "sqlite", "path": "pay.db", "table": "report"}),
        (
            "pay.db?query=SELECT%20*%20FROM%20r",
            {"kind": "sqlite", "path": "pay.db", "query": "SELECT * FROM r"},
        ),
        (
            "kafka:?topic=ev&commit=true&timeout_s=30",
            {"kind": "kafka", "topic": "ev", "commit": True, "timeout_s": 30},
        ),
    ],
    ids=[
        "jsonl-glob",
        "csv-by-extension",
        "parquet",
        "sqlite-table",
        "sqlite-query",
        "kafka-params",
    ],
)
def test_source_spec(spec: str, expected: dict[str, object]) -> None:
    assert command.source_spec(spec) == expected


def test_unknown_source_kind_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="cannot tell the source kind"):
        command.source_spec("data/events.txt")


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [(True, {}, True), (True, {"CI": "true"}, False), (False, {}, False)],
    ids=["terminal", "ci", "piped"],
)
def test_progress_only_on_a_terminal_outside_ci(
    tty: bool, env: dict[str, str], expected: bool
) -> None:
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert command.progress_enabled(Stream(), env) is expected


@pytest.mark.parametrize(("fail_on", "expected"), [("high", 0), ("medium", 1)])
def test_the_command_and_the_gate_give_one_verdict(
    tmp_path: Path, fail_on: str, expected: int
) -> None:
    """A stuck payment is a medium class over its threshold: it blocks exactly when the policy's
    fail_on reaches medium, in `gates reconcile` and in `gates run` alike."""
    from tests.gatekit import make_repo, run_cli

    root = tmp_path / "repo"
    write_data(
        root,
        lifecycle("p1", OK) + lifecycle("p2", ["created"]),
        [
            rep("p1", "completed"),
            rep("p2", "pending"),
        ],
    )
    policy = f"version: 1\nextends: reconcile-card-lifecycle\nfail_on: {fail_on}\n"
    make_repo(root, {".release-gates/policy.yaml": policy})
    out = io.StringIO()
    args = parse(["--root", str(root), "--as-of", "2026-11-25T12:00:00Z"])
    standalone = command.run(args, out)
    assert "stuck" in out.getvalue()
    gate, report = run_cli(
        root, "run", "--gate", "reconcile", "--now", "2026-11-25T12:00:00Z", "--format", "json"
    )
    assert (standalone, gate) == (expected, expected)
    [finding] = json.loads(report)["findings"]
    assert (finding["rule"], finding["severity"]) == ("reconcile.stuck", "medium")


def test_discrepancy_files_read_like_any_report(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every value in them is masked, so they are not private: 0666 minus the umask."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        run(repo, "--out", str(tmp_path / "out"))
    finally:
        os.umask(old)
    for name in ("discrepancies.csv", "discrepancies.parquet", "summary.json", "report.html"):
        assert stat.S_IMODE((tmp_path / "out" / name).stat().st_mode) == 0o644, name


def test_gates_run_sarif_cites_the_sampled_rows(tmp_path: Path) -> None:
    """In code scanning, a reconcile result points at the data lines of its sampled payments."""
    from tests.gatekit import make_repo, run_cli

    root = tmp_path / "repo"
    write_data(root, lifecycle("p1", OK) + lifecycle("p2", OK), [rep("p1", "completed")])
    make_repo(
        root, {".release-gates/policy.yaml": "version: 1\nextends: reconcile-card-lifecycle\n"}
    )
    code, report = run_cli(
        root, "run", "--gate", "reconcile", "--now", "2026-11-25T12:00:00Z", "--format", "sarif"
    )
    assert code == 1
    (run_doc,) = json.loads(report)["runs"]
    (result,) = run_doc["results"]  # p2 has no report row
    assert result["ruleId"] == "reconcile.missing_in_report"
    ev = "data/events/part-1.jsonl"
    assert [
        (
            r["physicalLocation"]["artifactLocation"]["uri"],
            r["physicalLocation"]["region"]["startLine"],
            r["message"]["text"],
        )
        for r in result["relatedLocations"]
    ] == [(ev, n, f"events row {ev}:{n}") for n in (4, 5, 6)]
