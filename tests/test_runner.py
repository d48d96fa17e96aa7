"""The runner through the real entry-point group: fail-closed cases, diff mode, baseline, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates import pipeline, registry
from gates.errors import GateCannotRun, InvalidInput
from gates.model import ExitCode, Severity, Status, Verdict
from tests.gatekit import NOW, git, make_repo

_BODY = "".join(f"def f{i}(a, b):\n    return a + b * {i}\n" for i in range(10))
POLICY = """\
version: 1
gates:
  hang: {timeout: 1}
"""


def _run(root: Path, *gates: str, **kw: object) -> pipeline.RunResult:  # type: ignore[name-defined]
    opts = pipeline.Options(cwd=root, now=NOW, gates=gates, use_cache=False, **kw)  # type: ignore[arg-type]
    return pipeline.run(opts)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            ".release-gates/policy.yaml": POLICY,
            "app/pay.py": "x = 1  # FORBIDDEN\ny = 2  # TODO\n" + _BODY,
            "app/ok.py": "z = 3\n",
        },
    )


@pytest.mark.usefixtures("plugin_gates")
@pytest.mark.parametrize(
    ("gate", "reason"),
    [
        ("boom", "crashed: RuntimeError: the gate fell over"),
        ("hang", "did not finish within its timeout of 1s"),
        ("garbage", "returned a str instead of a Finding"),
        ("badprint", "returned a malformed fingerprint 'line-42'"),
        ("dies", "worker process died without an answer (exit code 7)"),
    ],
    ids=["crash", "hang", "garbage", "bad-fingerprint", "dies"],
)
def test_gate_failures_are_errors_that_block(repo: Path, gate: str, reason: str) -> None:
    result = _run(repo, "marker", gate)
    assert result.verdict is Verdict.ERROR
    assert result.exit_code is ExitCode.GATE_ERROR
    assert [(e.gate, e.reason) for e in result.errors] == [(gate, reason)]
    # findings of the gates that did run are still reported
    assert {rf.finding.rule for rf in result.findings} == {"marker.forbidden", "marker.todo"}


@pytest.mark.usefixtures("plugin_gates")
def test_invalid_input_inside_a_gate_is_exit_2(repo: Path) -> None:
    with pytest.raises(InvalidInput, match=r"data/events.csv: \$.amount: not a decimal"):
        _run(repo, "badinput")


@pytest.mark.usefixtures("plugin_gates")
def test_plugin_that_is_not_a_gatespec_cannot_run(repo: Path) -> None:
    with pytest.raises(GateCannotRun, match="is a str, not a GateSpec"):
        _run(repo, "notaspec")


@pytest.mark.usefixtures("plugin_gates")
def test_unknown_gate_id_names_the_installed_ones(repo: Path) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"--gate: markr: no installed gate has this id. Fix: use one of: .*marker",
    ):
        _run(repo, "markr")


@pytest.mark.usefixtures("plugin_gates")
def test_blocking_follows_fail_on_and_severity_overrides(repo: Path) -> None:
    result = _run(repo, "marker")
    assert result.verdict is Verdict.BLOCKED
    blocking = {(rf.finding.rule, rf.blocking) for rf in result.findings}
    assert blocking == {("marker.forbidden", True), ("marker.todo", False)}

    (repo / ".release-gates/policy.yaml").write_text(
        "version: 1\ngates:\n  marker:\n    severity: {marker.forbidden: medium}\n"
    )
    result = _run(repo, "marker")
    assert result.verdict is Verdict.PASS
    assert {rf.finding.severity for rf in result.findings} == {Severity.MEDIUM, Severity.LOW}


@pytest.mark.usefixtures("plugin_gates")
def test_overrides_apply_per_path(repo: Path) -> None:
    (repo / "legacy").mkdir()
    (repo / "legacy/old.py").write_text("a = 1  # FORBIDDEN\n")
    git(repo, "add", "-A")
    (repo / ".release-gates/policy.yaml").write_text(
        "version: 1\noverrides:\n  - paths: ['legacy/**']\n    gates:\n      marker: {severity: {marker.forbidden: low}}\n"
    )
    result = _run(repo, "marker")
    sev = {
        (rf.finding.location.path, rf.finding.rule): rf.finding.severity for rf in result.findings
    }
    assert sev == {
        ("app/pay.py", "marker.forbidden"): Severity.HIGH,
        ("app/pay.py", "marker.todo"): Severity.LOW,
        ("legacy/old.py", "marker.forbidden"): Severity.LOW,
    }


@pytest.mark.usefixtures("plugin_gates")
def test_disabled_gate_is_reported_not_silent(repo: Path) -> None:
    (repo / ".release-gates/policy.yaml").write_text(
        "version: 1\ngates:\n  marker: {enabled: false}\n"
    )
    result = _run(repo, "marker")
    assert result.verdict is Verdict.PASS
    assert "gate marker is disabled by the policy" in result.notes
    assert result.gates == ()


@pytest.mark.usefixtures("plugin_gates")
def test_diff_keeps_only_new_findings_across_moves_and_renames(repo: Path) -> None:
    git(repo, "mv", "app/pay.py", "app/payments.py")
    # the old finding moves down a few lines; a new one appears
    (repo / "app/payments.py").write_text(
        "import os\n\n\nx = 1  # FORBIDDEN\ny = 2  # TODO\nq = 9  # FORBIDDEN again\n" + _BODY
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "rename and edit")
    result = _run(repo, "marker", diff="HEAD~1")
    assert [
        (rf.finding.location.path, rf.finding.location.line, rf.finding.rule)
        for rf in result.findings
    ] == [("app/payments.py", 6, "marker.forbidden")]


@pytest.mark.usefixtures("plugin_gates")
def test_diff_with_unknown_base_is_invalid_input(repo: Path) -> None:
    with pytest.raises(InvalidInput, match="--diff: nope: no such commit or branch"):
        _run(repo, "marker", diff="nope")


@pytest.mark.usefixtures("plugin_gates")
def test_named_files_are_pre_commit_mode(repo: Path) -> None:
    result = _run(repo, "marker", files=(str(repo / "app/ok.py"),))
    assert result.findings == ()
    assert result.scanned_files == 1


@pytest.mark.usefixtures("plugin_gates")
def test_named_file_outside_repo_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.py"
    outside.write_text("x = 1\n")
    with pytest.raises(InvalidInput, match="path is outside the repository"):
        _run(repo, "marker", files=(str(outside),))


@pytest.mark.usefixtures("plugin_gates")
def test_baseline_accepts_counted_occurrences_and_reports_stale(repo: Path) -> None:
    from gates import baseline

    first = _run(repo, "marker")
    baseline.save(
        repo / ".release-gates/baseline.json",
        baseline.from_findings(rf.finding for rf in first.findings),
    )
    # a second identical occurrence in the same file shares the fingerprint: only one is accepted
    (repo / "app/pay.py").write_text("x = 1  # FORBIDDEN\nx = 1  # FORBIDDEN\n")
    result = _run(repo, "marker")
    statuses = [(rf.finding.location.line, rf.status) for rf in result.findings]
    assert statuses == [(1, Status.BASELINED), (2, Status.NEW)]
    assert len(result.stale_baseline) == 1  # the TODO was fixed
    assert result.verdict is Verdict.BLOCKED


@pytest.mark.usefixtures("plugin_gates")
def test_symlinks_and_binaries_and_big_files_are_skipped_and_listed(
    repo: Path, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_text("FORBIDDEN outside\n")
    (repo / "link.py").symlink_to(tmp_path / "secret.txt")
    (repo / "blob.bin").write_bytes(b"FORBIDDEN\0\1\2")
    (repo / "big.py").write_text("# FORBIDDEN\n" + "x" * 2_000_000)
    git(repo, "add", "-A")
    result = _run(repo, "marker")
    assert [(s.path, s.reason) for s in result.skipped] == [
        (
            "big.py",
            "large (2000012 bytes > max_file_bytes 1048576): only pii and secrets scan it, "
            "streamed in chunks",
        ),
        (
            "blob.bin",
            "binary (12 bytes): only pii and secrets scan it, in its printable strings "
            "(ASCII, UTF-8, UTF-16LE)",
        ),
        ("link.py", "symlink (out of the repository), not followed"),
    ]
    # The marker gate does not read raw files: they stay listed, and it never sees them.
    assert {rf.finding.location.path for rf in result.findings} == {"app/pay.py"}


@pytest.mark.usefixtures("plugin_gates")
def test_plain_directory_without_git_works_with_a_note(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "src").mkdir(parents=True)
    (root / "src/a.py").write_text("a = 1  # FORBIDDEN\n")
    result = _run(root, "marker")
    assert [rf.finding.location.path for rf in result.findings] == ["src/a.py"]
    assert "not a git repository: scanned every regular file below the directory" in result.notes


@pytest.mark.usefixtures("plugin_gates")
def test_validity_cache_never_hides_a_changed_policy(repo: Path) -> None:
    opts = pipeline.Options(cwd=repo, now=NOW, gates=("marker",), use_cache=True)
    assert pipeline.run(opts).verdict is Verdict.BLOCKED  # valid: the marker is written
    (repo / ".release-gates/policy.yaml").write_text("version: 1\ngates:\n  marker: {timeuot: 5}\n")
    with pytest.raises(InvalidInput, match=r"\$.gates.marker.timeuot: unknown key"):
        pipeline.run(opts)


@pytest.mark.usefixtures("plugin_gates")
def test_no_cache_still_remembers_a_valid_policy(repo: Path) -> None:
    """--no-cache is about the result cache: the policy's validity marker is still written (and
    checked), so a pre-commit run with it does not import JSON Schema on every commit."""
    folder = pipeline.cache_root(pipeline.find_repo(repo)) / "valid-policies"
    assert not folder.exists()
    assert _run(repo, "marker").verdict is Verdict.BLOCKED
    assert len(list(folder.iterdir())) == 1
    (repo / ".release-gates/policy.yaml").write_text("version: 1\ngates:\n  marker: {timeuot: 5}\n")
    with pytest.raises(InvalidInput, match=r"\$.gates.marker.timeuot: unknown key"):
        _run(repo, "marker")


@pytest.mark.usefixtures("plugin_gates")
def test_an_unwritable_cache_only_costs_validation(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache directory that cannot be created (here: a file in its way) is a cache miss, never
    an error: the policy is parsed and validated each time, and an invalid one still fails."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert _run(repo, "marker").verdict is Verdict.BLOCKED
    (repo / ".release-gates/policy.yaml").write_text("version: 1\ngates:\n  marker: {timeuot: 5}\n")
    with pytest.raises(InvalidInput, match=r"\$.gates.marker.timeuot: unknown key"):
        _run(repo, "marker")


@pytest.mark.usefixtures("plugin_gates")
def test_a_forged_validity_marker_does_not_skip_validation(repo: Path) -> None:
    """The cache directory is writable by others on a shared runner: a marker for an invalid
    policy, planted under the name the run would look for, is not taken as proof."""
    opts = pipeline.Options(cwd=repo, now=NOW, gates=("marker",), use_cache=True)
    (repo / ".release-gates/policy.yaml").write_text("version: 1\ngates:\n  marker: {timeuot: 5}\n")
    found = pipeline.find_repo(repo)
    policy = pipeline.load_policy(found, None, None, validate=False)
    specs = registry.load(["marker"], registry.discover())
    installed = registry.available(registry.discover())
    name = pipeline._validity_key(policy, specs, installed)
    folder = pipeline.cache_root(found) / "valid-policies"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"")
    with pytest.raises(InvalidInput, match=r"\$.gates.marker.timeuot: unknown key"):
        pipeline.run(opts)
    # ...and the proof the run writes for a valid policy is accepted again
    (repo / ".release-gates/policy.yaml").write_text("version: 1\ngates:\n  marker: {}\n")
    assert pipeline.run(opts).verdict is Verdict.BLOCKED
    assert pipeline.run(opts).verdict is Verdict.BLOCKED


_BUILT_IN_POLICY = "version: 1\ngates:\n  pii: {enabled: true}\n  sast: {enabled: true}\n"


def test_a_built_in_gate_run_trusts_only_a_fully_validated_policy(tmp_path: Path) -> None:
    """`--gate pii` (the pre-commit hook) skips the entry-point scan and the other gates' modules
    when a marker keyed by the policy and its gate ids holds. That marker is written only after the
    whole policy validated: a typo in another gate's section fails every run, first or not, and
    an edit of the policy is a miss."""
    typo = _BUILT_IN_POLICY.replace("sast: {enabled: true}", "sast: {enabeld: true}")
    root = make_repo(tmp_path / "repo", {".release-gates/policy.yaml": typo, "app/a.py": "x = 1\n"})
    folder = pipeline.cache_root(pipeline.find_repo(root)) / "valid-policies"
    for _ in range(2):
        with pytest.raises(InvalidInput, match=r"\$.gates.sast.enabeld: unknown key"):
            _run(root, "pii")
    assert not folder.exists() or not list(folder.iterdir())
    (root / ".release-gates/policy.yaml").write_text(_BUILT_IN_POLICY)
    assert _run(root, "pii").verdict is Verdict.PASS
    assert len(list(folder.iterdir())) == 2  # the quick marker and the full one
    assert _run(root, "pii").verdict is Verdict.PASS
    (root / ".release-gates/policy.yaml").write_text(typo)
    with pytest.raises(InvalidInput, match=r"\$.gates.sast.enabeld: unknown key"):
        _run(root, "pii")


def test_a_forged_quick_marker_does_not_skip_validation(tmp_path: Path) -> None:
    typo = _BUILT_IN_POLICY.replace("sast: {enabled: true}", "sast: {enabeld: true}")
    root = make_repo(tmp_path / "repo", {".release-gates/policy.yaml": typo, "app/a.py": "x = 1\n"})
    found = pipeline.find_repo(root)
    policy = pipeline.load_policy(found, None, None, validate=False)
    folder = pipeline.cache_root(found) / "valid-policies"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / pipeline._quick_validity_key(policy, ["pii"])).write_bytes(b"forged")
    with pytest.raises(InvalidInput, match=r"\$.gates.sast.enabeld: unknown key"):
        _run(root, "pii")


@pytest.fixture
def meeting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder where the meeting gates (fake_gates._meet) say when they ran."""
    folder = tmp_path / "meet"
    folder.mkdir()
    monkeypatch.setenv("RG_TEST_MEET_DIR", str(folder))
    return folder


def _meetings(folder: Path) -> list[dict[str, float]]:
    """The meeting gates' (fake_gates._meet) times, the first to begin first."""
    import json

    times = [json.loads((folder / f"{g}.json").read_text()) for g in ("meeta", "meetb")]
    return sorted(times, key=lambda t: t["began"])


@pytest.mark.usefixtures("plugin_gates")
def test_gates_run_side_by_side_below_the_size_where_each_fills_the_cores(
    repo: Path, meeting: Path
) -> None:
    result = _run(repo, "meeta", "meetb")
    assert result.errors == ()
    first, second = _meetings(meeting)
    assert second["began"] < first["ended"]  # each waited for the other to start


@pytest.mark.usefixtures("plugin_gates")
def test_a_large_run_starts_each_gate_after_the_one_before_ended(
    repo: Path, meeting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each gate would then keep every core busy alone: side by side they add only memory
    # (gates/budget.py). The size at which that starts is lowered to this repository's.
    from gates import budget

    monkeypatch.setattr(budget, "ONE_AT_A_TIME_BYTES", 1)
    monkeypatch.setenv("RG_TEST_MEET_WAIT", "0.5")
    monkeypatch.setenv("RG_TEST_MEET_HOLD", "1.5")
    # The first waits 0.5 s for the other in vain, and each holds on for 1.5 s: the second ends
    # ~3.5 s into the run, within its 3 s timeout only if that counts from its own start.
    (repo / ".release-gates" / "policy.yaml").write_text(
        "version: 1\ngates:\n  meeta: {timeout: 3}\n  meetb: {timeout: 3}\n"
    )
    result = _run(repo, "meeta", "meetb")
    assert result.errors == ()
    first, second = _meetings(meeting)
    assert first["ended"] <= second["began"]
