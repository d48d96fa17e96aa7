"""The command line as a user sees it: exit codes, exact output, reports written or not."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gates.cli import main
from tests.gatekit import make_repo

ROOT = Path(__file__).resolve().parent.parent
POLICY = "version: 1\ngates:\n  hang: {timeout: 1}\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(
        tmp_path / "repo",
        {
            ".release-gates/policy.yaml": POLICY,
            "app/pay.py": "x = 1  # FORBIDDEN\n",
            "app/ok.py": "y = 2\n",
        },
    )
    monkeypatch.chdir(root)
    return root


def _main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.mark.usefixtures("plugin_gates")
@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["run", "--gate", "marker", "app/ok.py"], 0),
        (["run", "--gate", "marker"], 1),
        (["run", "--gate", "marker", "--policy", "missing.yaml"], 2),
        (["run", "--gate", "badinput"], 2),
        (["run", "--gate", "boom"], 3),
        (["run", "--gate", "marker", "--gate", "boom"], 3),
        (["run", "--gate", "hang"], 3),
        (["run", "--gate", "marker", "--output", "a.txt", "--output", "b.txt"], 2),
        (["run", "--gate", "marker", "--now", "yesterday"], 2),
    ],
    ids=[
        "pass",
        "blocked",
        "missing-policy",
        "bad-data",
        "crash",
        "crash-beats-blocked",
        "timeout",
        "output-without-format",
        "bad-now",
    ],
)
def test_exit_codes(repo: Path, argv: list[str], code: int) -> None:
    assert _main(*argv)[0] == code


@pytest.mark.usefixtures("plugin_gates")
def test_reports_are_byte_identical_across_runs(repo: Path, tmp_path: Path) -> None:
    for n in (1, 2):
        code, _ = _main(
            "run",
            "--gate",
            "marker",
            "--now",  # the same input includes the same clock (it is in every report)
            "2026-06-01T00:00:00Z",
            "--format",
            "json",
            "--output",
            str(tmp_path / f"r{n}.json"),
            "--format",
            "sarif",
            "--output",
            str(tmp_path / f"r{n}.sarif"),
            "--format",
            "junit",
            "--output",
            str(tmp_path / f"r{n}.xml"),
            "--format",
            "text",
            "--output",
            str(tmp_path / f"r{n}.txt"),
        )
        assert code == 1
    for ext in ("json", "sarif", "xml", "txt"):
        assert (tmp_path / f"r1.{ext}").read_bytes() == (tmp_path / f"r2.{ext}").read_bytes(), ext
    assert str(tmp_path) not in (tmp_path / "r1.json").read_text()  # no absolute paths


@pytest.mark.usefixtures("plugin_gates")
def test_json_report_names_the_finding(repo: Path) -> None:
    code, out = _main("run", "--gate", "marker", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert doc["verdict"] == "blocked"
    assert [(f["rule"], f["location"]["path"], f["location"]["line"]) for f in doc["findings"]] == [
        ("marker.forbidden", "app/pay.py", 1)
    ]


def test_ctrl_c_exits_130_and_writes_no_report(repo: Path, plugin_gates: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_gates.parent), str(ROOT)])}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gates",
            "run",
            "--gate",
            "interrupt",
            "--format",
            "json",
            "--output",
            "report.json",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        # a suite started in the background (`pytest &`) inherits SIGINT ignored, and so would
        # the run: give it the terminal's default disposition, as a real Ctrl-C finds it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.returncode == 130
    assert proc.stderr.strip().endswith("gates: interrupted; no report was written")
    assert not (repo / "report.json").exists()
    assert list(repo.glob(".report.json*")) == []


def test_help_for_every_command_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    from gates.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert _main(name, "--help")[0] == 0
        assert "example" in capsys.readouterr().out, name


def test_explain_unknown_rule_is_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _main("explain", "pii.nope")[0] == 2
    assert (
        capsys.readouterr().err
        == "gates: gates explain: pii.nope: no such rule. Fix: see `gates list` for rule ids\n"
    )


def test_demo_writes_evidence_bound_to_its_commit(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.json"
    code, _ = _main(
        "demo",
        "--format",
        "json",
        "--output",
        str(tmp_path / "r.json"),
        "--evidence",
        str(evidence),
    )
    assert code == 0
    statement = json.loads(evidence.read_text())
    assert [s["name"] for s in statement["subject"]] == ["release", "tree"]
    assert len(statement["subject"][0]["digest"]["gitCommit"]) == 40
    assert statement["subject"][1]["annotations"]["dirty"] is False


def test_a_run_ends_without_teardown_yet_its_report_arrives_whole(tmp_path: Path) -> None:
    """`gates run` leaves the process with os._exit (cli.entry): the report, held in stdout's
    buffer when it is shorter than the buffer, still reaches the pipe whole, with the run's exit
    code; the run's temporary directory is gone; another command exits the usual way."""
    pan = "4301661318609135"  # Luhn-valid Visa, not a published test card
    root = make_repo(tmp_path / "repo", {"app/pay.py": f'CARD = "{pan}"\n'})
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered
    env.update(PYTHONPATH=str(ROOT), TMPDIR=str(tmp))
    proc = subprocess.run(
        [sys.executable, "-m", "gates", "run", "--gate", "pii", "--format", "text"],
        cwd=root, env=env, capture_output=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert len(proc.stdout) < 8192  # all of it waits in the buffer until the exit flushes it
    assert b"app/pay.py" in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith(b"BLOCKED: 1 blocking finding")
    assert list(tmp.iterdir()) == []
    version = subprocess.run(
        [sys.executable, "-m", "gates", "--version"], env=env, capture_output=True, check=False
    )
    assert (version.returncode, version.stdout.strip() != b"") == (0, True)
