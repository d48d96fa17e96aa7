"""Reconcile in a pull-request pipeline: `--diff` blocks only on classes the change made worse,
and a baseline accepts a class only up to the size it recorded (real git repositories)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.gatekit import commit_files, git, make_repo, run_cli, write_files
from tests.reconcile_data import build_mmdb, jsonl, lifecycle, rep, report_csv

OK = ["created", "authorized", "captured"]
POLICY = "version: 1\nextends: reconcile-card-lifecycle\n"


def data(mismatches: int, good: int = 3) -> dict[str, str]:
    """Events for `mismatches + good` completed payments; the report shows the first
    `mismatches` of them as still pending (a status mismatch each)."""
    ids = [f"p{i}" for i in range(mismatches + good)]
    events: list[Any] = []
    for pid in ids:
        events += lifecycle(pid, OK)
    report = [rep(pid, "pending" if i < mismatches else "completed") for i, pid in enumerate(ids)]
    return {"data/events/part-1.jsonl": jsonl(events), "data/report.csv": report_csv(report)}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main holds the policy and data with 2 status mismatches; HEAD is a branch `pr`."""
    root = make_repo(tmp_path / "repo", {".release-gates/policy.yaml": POLICY, **data(2)})
    git(root, "checkout", "-q", "-b", "pr")
    return root


def reconcile(root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out = run_cli(root, "run", "--gate", "reconcile", "--format", "json", *extra)
    return code, json.loads(out)


def rules(report: dict[str, Any]) -> list[str]:
    return [f["rule"] for f in report["findings"]]


def test_an_unrelated_change_is_not_blocked_by_existing_data_problems(repo: Path) -> None:
    write_files(repo, {"app/feature.py": "x = 1\n"})
    commit_files(repo, {}, "an unrelated change")
    code, report = reconcile(repo)
    assert (code, rules(report)) == (1, ["reconcile.status_mismatch"])  # the whole picture
    code, report = reconcile(repo, "--diff", "main")
    assert (code, rules(report)) == (0, [])
    [note] = [n for n in report["notes"] if n.startswith("--diff:")]
    assert "no worse than at the merge base" in note
    assert "reconcile.status_mismatch 2" in note


def test_a_change_that_makes_a_class_worse_blocks_and_says_by_how_much(repo: Path) -> None:
    write_files(repo, data(3))
    commit_files(repo, {}, "one more payment shown as pending")
    code, report = reconcile(repo, "--diff", "main")
    assert code == 1
    [finding] = report["findings"]
    assert finding["rule"] == "reconcile.status_mismatch"
    assert finding["blocking"] is True
    assert finding["magnitude"] == 3
    assert "(was 2 at the --diff base: +1)" in finding["message"]
    assert finding["location"]["path"] == "data/events/part-1.jsonl"


def test_a_change_that_fixes_data_passes(repo: Path) -> None:
    write_files(repo, data(1))
    commit_files(repo, {}, "fix one status")
    code, report = reconcile(repo, "--diff", "main")
    assert (code, rules(report)) == (0, [])


def test_data_that_arrives_with_the_change_is_new(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"README.md": "payments\n"})
    git(root, "checkout", "-q", "-b", "pr")
    write_files(root, {".release-gates/policy.yaml": POLICY, **data(2)})
    commit_files(root, {}, "add reconcile data")
    code, report = reconcile(root, "--diff", "main", "--no-cache")
    # the policy is itself new (trust.changed); the data's classes are all new too
    assert code == 1
    assert "reconcile.status_mismatch" in rules(report)


def test_the_base_side_reads_the_committed_base_not_the_working_tree(repo: Path) -> None:
    write_files(repo, {"app/feature.py": "x = 1\n"})
    commit_files(repo, {}, "an unrelated change")
    # Uncommitted edits to the data belong to the change under review, never to the base.
    write_files(repo, data(4))
    code, report = reconcile(repo, "--diff", "main")
    assert code == 1
    [finding] = report["findings"]
    assert "(was 2 at the --diff base: +2)" in finding["message"]


def test_a_baseline_accepts_a_class_only_up_to_the_recorded_size(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    code, _ = run_cli(repo, "baseline", "create", "--gate", "reconcile")
    assert code == 0
    entry = json.loads((repo / ".release-gates/baseline.json").read_text())["findings"][0]
    assert (entry["rule"], entry["magnitude"]) == ("reconcile.status_mismatch", 2)
    commit_files(repo, {}, "accept the two known mismatches")
    code, report = reconcile(repo)
    assert code == 0
    assert [f["status"] for f in report["findings"]] == ["baselined"]
    # The data gets worse: the baseline for 2 does not accept 5.
    write_files(repo, data(5))
    code, report = reconcile(repo)
    assert code == 1
    [finding] = report["findings"]
    assert (finding["status"], finding["blocking"]) == ("new", True)
    assert "(grew: the baseline accepts 2)" in finding["message"]
    assert report["stale_baseline"] == []


def test_a_baseline_entry_without_a_size_does_not_cover_a_class(repo: Path) -> None:
    """An entry written by hand (or before sizes were recorded) cannot accept any count."""
    git(repo, "checkout", "-q", "main")
    assert run_cli(repo, "baseline", "create", "--gate", "reconcile")[0] == 0
    path = repo / ".release-gates/baseline.json"
    doc = json.loads(path.read_text())
    del doc["findings"][0]["magnitude"]
    path.write_text(json.dumps(doc))
    code, report = reconcile(repo)
    assert code == 1
    assert "the baseline entry records no size" in report["findings"][0]["message"]


def test_a_negative_size_in_the_baseline_is_a_clear_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "checkout", "-q", "main")
    assert run_cli(repo, "baseline", "create", "--gate", "reconcile")[0] == 0
    path = repo / ".release-gates/baseline.json"
    doc = json.loads(path.read_text())
    doc["findings"][0]["magnitude"] = -1
    path.write_text(json.dumps(doc))
    code, _ = run_cli(repo, "run", "--gate", "reconcile")
    assert code == 2
    assert "$.findings[0].magnitude: must be a whole number >= 0" in capsys.readouterr().err


def test_the_base_side_reads_the_geoip_database_as_committed(tmp_path: Path) -> None:
    """The database lives outside the data directories: the base side must have it too, or
    every class would look new and block unrelated changes."""
    policy = POLICY + (
        "gates:\n  reconcile:\n    columns: {events: {ip: ip}}\n"
        "    geo: {ip_database: geo/test.mmdb}\n"
        "    thresholds: {geo_ip_mismatch: {max_count: 0, severity: high}}\n"
    )
    events: list[Any] = []
    for pid in ("p1", "p2"):
        rows = lifecycle(pid, OK)
        rows[0]["ip"] = "198.51.100.7"  # in the US; the payments are from DE
        events += rows
    files = {
        ".release-gates/policy.yaml": policy,
        "data/events/part-1.jsonl": jsonl(events),
        "data/report.csv": report_csv([rep("p1", "completed"), rep("p2", "completed")]),
    }
    root = make_repo(tmp_path / "repo", files)
    (root / "geo").mkdir()
    build_mmdb(root / "geo" / "test.mmdb")
    commit_files(root, {}, "the GeoIP database")
    git(root, "checkout", "-q", "-b", "pr")
    write_files(root, {"app/feature.py": "x = 1\n"})
    commit_files(root, {}, "an unrelated change")
    code, report = reconcile(root)
    assert (code, rules(report)) == (1, ["reconcile.geo_ip_mismatch"])
    code, report = reconcile(root, "--diff", "main")
    assert (code, rules(report)) == (0, [])


def test_the_base_side_reads_many_data_files_in_batches(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many event parts at the base are read in size-bounded batches (one git process per batch),
    and every one of them counts: the base side sees exactly what the merge base committed."""
    from gates.checks.reconcile import at_revision

    monkeypatch.setattr(at_revision, "BATCH_BYTES", 300)  # a few parts per batch
    parts = {f"data/events/part-{i:02d}.jsonl": jsonl(lifecycle(f"q{i}", OK)) for i in range(12)}
    git(repo, "checkout", "-q", "main")
    commit_files(repo, parts, "more event parts")
    git(repo, "checkout", "-q", "pr")
    git(repo, "merge", "-q", "main")
    commit_files(repo, {"app/feature.py": "x = 1\n"}, "an unrelated change")
    code, report = reconcile(repo, "--diff", "main")
    # the report lacks the 12 new payments on both sides: not worse only if the base read all 12
    assert (code, rules(report)) == (0, [])
    [note] = [n for n in report["notes"] if n.startswith("--diff:")]
    assert "reconcile.missing_in_report 12" in note
