"""A large or binary file is listed as not scanned only where it is a gap: when a gate that would
scan it (selected by its paths, a file it handles) had to skip it (real CLI, real git repo)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.gatekit import make_repo, run_cli

POLICY = "version: 1\nmax_file_bytes: 10000\n"


def test_a_large_data_file_streamed_by_pii_and_secrets_is_no_gap(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        {
            ".release-gates/policy.yaml": POLICY,
            "data/events.jsonl": '{"payment_id": "p1", "type": "created"}\n' * 1000,
            "app/big_module.py": "VALUE = 1\n" * 2000,
            "app/ok.py": "x = 1\n",
        },
    )
    code, out = run_cli(
        root, "run", "--gate", "pii", "--gate", "secrets", "--gate", "sast", "--format", "json"
    )
    assert code == 0, out
    report = json.loads(out)
    # sast parses Python: a Python file too large for it is a gap; the events data is not
    assert [s["path"] for s in report["skipped"]] == ["app/big_module.py"]
    # ...and the streamed data file counts as scanned: policy, events data, ok.py
    assert report["scanned_files"] == 3


def test_without_a_gate_that_skips_it_nothing_is_listed(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        {
            ".release-gates/policy.yaml": POLICY,
            "app/big_module.py": "VALUE = 1\n" * 2000,
        },
    )
    code, out = run_cli(root, "run", "--gate", "pii", "--format", "json")
    assert code == 0, out
    assert json.loads(out)["skipped"] == []
