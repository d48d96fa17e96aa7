"""The signoff gate on real repositories: sign-offs made with `gates signoff new|sign`."""

from __future__ import annotations

import argparse
import dataclasses
import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from gates.approvals.statements import Kind
from gates.checks.signoff import GATE
from gates.checks.signoff import digest as protected
from gates.commands import signoff as signoff_cmd
from gates.errors import InvalidInput
from gates.model import Finding, Severity
from gates.policy import Policy
from tests.gatekit import context, git, make_repo
from tests.sshkit import Key, keygen, sign

NOW = "2026-11-25T12:00:00Z"
POLICY = ".release-gates/policy.yaml"
SIGNERS = ".release-gates/allowed_signers"
PROTECTED = ["payments/**", "migrations/**"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    d = tmp_path_factory.mktemp("signoff-keys")
    return {n: keygen(d, n, "ed25519") for n in ("alice", "bob", "carol", "dave")}


def policy_doc(protected_paths: list[str] | None = None) -> dict[str, object]:
    return {
        "version": 1,
        "approvals": {
            "repository": "github.com/acme/payments",
            "required": {"compliance": 1},
        },
        "roles": {
            "compliance": ["alice@example.com"],
            "legal": ["bob@example.com", "carol@example.com"],
        },
        "gates": {
            "signoff": {
                "protected_paths": protected_paths or PROTECTED,
                "required": {"compliance": 1, "legal": 1},
            }
        },
    }


def signers_text(keys: dict[str, Key], names: tuple[str, ...] = ("alice", "bob", "carol")) -> str:
    ns = Kind.SIGNOFF.namespace
    return "".join(f'{n}@example.com namespaces="{ns}" {keys[n].public}\n' for n in names)


def repo(tmp_path: Path, keys: dict[str, Key]) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            "payments/charge.py": "def charge(amount):\n    return amount\n",
            "payments/refund.py": "def refund():\n    pass\n",
            "migrations/001_init.sql": "create table payments (id int);\n",
            "README.md": "acme payments\n",
            POLICY: yaml.safe_dump(policy_doc()),
            SIGNERS: signers_text(keys),
        },
    )


def cli(root: Path, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="gates")
    sub = parser.add_subparsers(dest="command", required=True)
    signoff_cmd.add_parser(sub)
    args = parser.parse_args(["signoff", *argv, "--repo", str(root), "--now", NOW])
    out = io.StringIO()
    code = args.handler(args, out)
    return code, out.getvalue()


def signoff(root: Path, keys: dict[str, Key], *signers: str, requester: str = "carol") -> None:
    code, _ = cli(
        root,
        "new",
        "--ticket",
        "PAY-120",
        "--summary",
        "Refund flow reviewed",
        "--requested-by",
        f"{requester}@example.com",
        "--id",
        "S-1",
    )
    assert code == 0
    for name in signers:
        code, _ = cli(
            root, "sign", "S-1", "--key", str(keys[name].path), "--principal", f"{name}@example.com"
        )
        assert code == 0


def run_gate(
    root: Path, changed: tuple[str, ...] | None, base_ref: str | None = None
) -> list[Finding]:
    doc = yaml.safe_load((root / POLICY).read_text())
    ctx = context(
        "signoff",
        root,
        doc["gates"]["signoff"],
        document=doc,
        changed_files=changed,
        base_ref=base_ref,
    )
    policy = Policy(sources=(POLICY,), document=doc, digest="0" * 64, fail_on=Severity.HIGH)
    return list(GATE.run(dataclasses.replace(ctx, policy=policy)))


def edit(path: str, text: str) -> Callable[[Path, dict[str, Key]], None]:
    def step(root: Path, _keys: dict[str, Key]) -> None:
        (root / path).write_text(text)

    return step


def signed(*names: str, requester: str = "carol") -> Callable[[Path, dict[str, Key]], None]:
    def step(root: Path, keys: dict[str, Key]) -> None:
        signoff(root, keys, *names, requester=requester)

    return step


def replayed_waiver_signature(root: Path, keys: dict[str, Key]) -> None:
    signoff(root, keys, "alice")
    folder = root / ".release-gates/signoffs/S-1"
    data = (folder / "statement.json").read_bytes()
    (folder / "bob@example.com.sig").write_bytes(sign(keys["bob"], data, Kind.WAIVER.namespace))


def add_dave(root: Path, keys: dict[str, Key]) -> None:
    (root / SIGNERS).write_text(signers_text(keys, ("alice", "bob", "carol", "dave")))


def delete(path: str) -> Callable[[Path, dict[str, Key]], None]:
    return lambda root, _keys: (root / path).unlink()


FIX = (
    "Fix: run `gates signoff new --ticket T --summary S` after the last protected change, then "
    "each approver runs `gates signoff sign <ID> --key K --principal P`"
)
PAY = "payments/charge.py"
Step = Callable[[Path, dict[str, Key]], None]

CASES: list[tuple[str, list[Step], tuple[str, ...] | None, str | None, set[tuple[str, str]]]] = [
    ("unrelated-change", [], ("README.md",), None, set()),
    ("protected-change-no-signoff", [], (PAY,), None, {("signoff.missing", PAY)}),
    ("valid-signoff", [signed("alice", "bob")], (PAY,), None, set()),
    (
        "protected-file-changed-after-signoff",
        [signed("alice", "bob"), edit(PAY, "def charge(amount):\n    return amount * 2\n")],
        (PAY,),
        None,
        {("signoff.stale", PAY)},
    ),
    (
        "protected-file-deleted-after-signoff",
        [signed("alice", "bob"), delete("migrations/001_init.sql")],
        (PAY, "migrations/001_init.sql"),
        None,
        {("signoff.stale", "migrations/001_init.sql")},
    ),
    (
        "unrelated-file-changed-after-signoff",
        [signed("alice", "bob"), edit("README.md", "changed\n")],
        (PAY, "README.md"),
        None,
        set(),
    ),
    ("one-role-signed", [signed("alice")], (PAY,), None, {("signoff.quorum", PAY)}),
    (
        "requester-signs-own-signoff",
        [signed("alice", "carol", requester="carol")],
        (PAY,),
        None,
        {("signoff.quorum", PAY)},
    ),
    (
        "waiver-signature-replayed-as-signoff",
        [replayed_waiver_signature],
        (PAY,),
        None,
        {("signoff.rejected", PAY)},
    ),
    (
        "statement-edited-after-signing",
        [
            signed("alice", "bob"),
            lambda root, _k: _append(root / ".release-gates/signoffs/S-1/statement.json"),
        ],
        (PAY,),
        None,
        {("signoff.rejected", PAY)},
    ),
    (
        "allowed-signers-changed",
        [add_dave],
        (SIGNERS,),
        "HEAD",
        set(),  # trust files are the run's `trust.changed` (see the runner tests below)
    ),
    (
        "policy-changed",
        [edit(POLICY, yaml.safe_dump(policy_doc()) + "# tweak\n")],
        (POLICY,),
        "HEAD",
        set(),
    ),
    (
        "policy-and-protected-changed",
        [edit(POLICY, yaml.safe_dump(policy_doc()) + "# tweak\n")],
        (POLICY, PAY),
        "HEAD",
        {("signoff.missing", PAY)},
    ),
    (
        "trust-root-change-signed-off",
        [add_dave, signed("alice", "bob")],
        (SIGNERS,),
        "HEAD",
        set(),
    ),
    (
        "trust-root-changed-after-signoff",
        [signed("alice", "bob"), add_dave],
        (SIGNERS,),
        "HEAD",
        set(),
    ),
    (
        "change-unknown-protected-files-exist",
        [],
        None,
        None,
        {("signoff.missing", "migrations/001_init.sql")},
    ),
    ("change-unknown-signed", [signed("alice", "bob")], None, None, set()),
    (
        "protected-paths-widened-after-signoff",
        [
            signed("alice", "bob"),
            edit(POLICY, yaml.safe_dump(policy_doc([*PROTECTED, "ledger/**"]))),
        ],
        (PAY,),
        None,
        {("signoff.stale", PAY)},
    ),
]


def _append(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b" ")


@pytest.mark.parametrize(
    ("name", "steps", "changed", "base_ref", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_signoff_gate(
    tmp_path: Path,
    keys: dict[str, Key],
    name: str,
    steps: list[Step],
    changed: tuple[str, ...] | None,
    base_ref: str | None,
    expected: set[tuple[str, str]],
) -> None:
    root = repo(tmp_path, keys)
    for step in steps:
        step(root, keys)
    findings = run_gate(root, changed, base_ref)
    assert {(f.rule, f.location.path) for f in findings} == expected
    for f in findings:
        assert f.message.endswith(FIX) or f.rule == "signoff.quorum"


def test_messages_are_exact(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    (missing,) = run_gate(root, (PAY, "payments/refund.py"))
    assert missing.message == (
        "2 protected files changed (payments/charge.py, ...) and there is no sign-off in "
        f".release-gates/signoffs. {FIX}"
    )
    signoff(root, keys, "alice")
    (quorum,) = run_gate(root, (PAY,))
    assert quorum.message == (
        "1 protected file changed (payments/charge.py); sign-off S-1: quorum not met: legal 0/1. "
        f"{FIX}"
    )
    (root / PAY).write_text("changed\n")
    (stale,) = run_gate(root, (PAY,))
    assert stale.rule == "signoff.stale"
    assert "a protected file changed after it was signed" in stale.message
    assert stale.severity is Severity.HIGH


def test_requester_quorum_message(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    signoff(root, keys, "alice", "carol", requester="carol")
    (f,) = run_gate(root, (PAY,))
    assert (
        "quorum not met: legal 0/1 (carol@example.com does not count (the requester))" in f.message
    )


def test_digest_same_for_working_tree_and_ref(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    work = protected.compute(root, None, tuple(PROTECTED), (SIGNERS,))
    at_head = protected.compute(root, "HEAD", tuple(PROTECTED), (SIGNERS,))
    assert work == at_head
    assert [p for p, _ in work.files] == [
        SIGNERS,
        "migrations/001_init.sql",
        "payments/charge.py",
        "payments/refund.py",
    ]
    for path, blob in work.files:
        hashed = subprocess.run(
            ["git", "hash-object", path], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        assert blob == hashed


def test_digest_ignores_unrelated_and_tracks_protected(
    tmp_path: Path, keys: dict[str, Key]
) -> None:
    root = repo(tmp_path, keys)
    before = protected.compute(root, None, tuple(PROTECTED)).digest
    (root / "README.md").write_text("other\n")
    assert protected.compute(root, None, tuple(PROTECTED)).digest == before
    (root / "payments/refund.py").write_text("def refund():\n    return 0\n")
    assert protected.compute(root, None, tuple(PROTECTED)).digest != before


def test_digest_cli_lists_files(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    code, out = cli(root, "digest", "--list")
    work = protected.compute(root, None, tuple(PROTECTED), (POLICY, SIGNERS))
    assert code == 0
    assert out.splitlines() == [f"{work.digest}  (5 files)"] + [f"{b}  {p}" for p, b in work.files]


def test_status_cli(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    assert cli(root, "status")[0] == 1
    signoff(root, keys, "alice", "bob")
    code, out = cli(root, "status")
    assert code == 0
    assert out.splitlines()[1] == "S-1  valid     signed by alice@example.com, bob@example.com"


def test_sign_refuses_untrusted_key_and_resigning(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    signoff(root, keys, "alice")
    with pytest.raises(InvalidInput, match=r"this signature would not count: key .* is not in"):
        cli(root, "sign", "S-1", "--key", str(keys["dave"].path), "--principal", "dave@example.com")
    assert not (root / ".release-gates/signoffs/S-1/dave@example.com.sig").exists()
    with pytest.raises(InvalidInput, match="already signed by this principal"):
        cli(
            root,
            "sign",
            "S-1",
            "--key",
            str(keys["alice"].path),
            "--principal",
            "alice@example.com",
        )
    with pytest.raises(InvalidInput, match="already exists"):
        signoff(root, keys)


@pytest.mark.parametrize(
    ("section", "error"),
    [
        ({"protected_paths": [], "required": {"legal": 1}}, "no protected paths"),
        ({"protected_paths": PROTECTED, "required": {"audit": 1}}, "role is not defined"),
        ({"protected_paths": PROTECTED, "required": {"legal": 3}}, "needs 3 signers"),
        ({"protected_paths": PROTECTED, "required": {}}, "a quorum of nobody"),
    ],
    ids=["no-paths", "unknown-role", "count-above-members", "no-roles"],
)
def test_bad_config_is_invalid_input(
    tmp_path: Path, keys: dict[str, Key], section: dict[str, object], error: str
) -> None:
    root = repo(tmp_path, keys)
    doc = policy_doc()
    doc["gates"] = {"signoff": section}
    (root / POLICY).write_text(yaml.safe_dump(doc))
    git(root, "commit", "-qam", "policy")
    with pytest.raises(InvalidInput, match=error):
        run_gate(root, (PAY,))


def test_without_approvers_a_protected_change_blocks(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "x\n", "payments/a.py": "a = 1\n"})
    doc: dict[str, object] = {"version": 1}
    policy = Policy(
        sources=("shipped:fintech-default",), document=doc, digest="0" * 64, fail_on=Severity.HIGH
    )
    ctx = dataclasses.replace(
        context("signoff", root, {}, changed_files=("README.md",)), policy=policy
    )
    assert list(GATE.run(ctx)) == []
    ctx = dataclasses.replace(ctx, changed_files=("payments/a.py",))
    (missing,) = GATE.run(ctx)
    assert (missing.rule, missing.location.path, missing.severity) == (
        "signoff.missing",
        "payments/a.py",
        Severity.HIGH,
    )
    assert missing.message.startswith(
        "1 protected file changed (payments/a.py) and the policy names no approvers"
    )
    doc["approvals"] = {"repository": "github.com/acme/payments"}  # named, but wrongly
    doc["roles"] = {"compliance": ["alice@example.com"]}
    with pytest.raises(InvalidInput, match=r"\$\.approvals\.required: no required roles"):
        list(GATE.run(ctx))


def test_plain_directory_digest_matches_git(tmp_path: Path, keys: dict[str, Key]) -> None:
    root = repo(tmp_path, keys)
    files = ("payments/charge.py", "payments/refund.py", "migrations/001_init.sql")
    assert protected.compute_files(root, files, (SIGNERS,)) == protected.compute(
        root, None, tuple(PROTECTED), (SIGNERS,)
    )


@pytest.mark.parametrize(
    ("edited", "rules"),
    [
        (SIGNERS, {("trust.changed", SIGNERS)}),
        (POLICY, {("trust.changed", POLICY)}),
        (PAY, {("signoff.missing", PAY)}),
        ("README.md", set()),
    ],
    ids=["allowed-signers", "policy", "protected-file", "unrelated"],
)
def test_through_the_runner_in_diff_mode(
    tmp_path: Path, keys: dict[str, Key], edited: str, rules: set[tuple[str, str]]
) -> None:
    from datetime import UTC, datetime

    from gates import pipeline

    root = repo(tmp_path, keys)
    git(root, "checkout", "-q", "-b", "change")
    with (root / edited).open("a") as fh:
        fh.write("# edited in the change\n")
    git(root, "commit", "-qam", "edit")
    opts = pipeline.Options(
        cwd=root,
        gates=("signoff",),
        diff="main",
        trust_ref="main",
        now=datetime(2026, 11, 25, 12, tzinfo=UTC),
        use_cache=False,
    )
    result = pipeline.run(opts)
    assert result.errors == ()
    assert {(rf.finding.rule, rf.finding.location.path) for rf in result.findings} == rules


def test_authors_of_the_change_do_not_count(tmp_path: Path, keys: dict[str, Key]) -> None:
    from datetime import UTC, datetime

    from gates import pipeline

    root = repo(tmp_path, keys)
    git(root, "checkout", "-q", "-b", "change")
    (root / PAY).write_text("def charge(amount):\n    return amount + 1\n")
    git(root, "-c", "user.email=alice@example.com", "commit", "-qam", "alice's change")
    (root / "README.md").write_text("docs by dev\n")
    git(root, "commit", "-qam", "a later commit by someone else")
    signoff(root, keys, "alice", "bob")
    opts = pipeline.Options(
        cwd=root,
        gates=("signoff",),
        diff="main",
        trust_ref="main",
        now=datetime(2026, 11, 25, 12, tzinfo=UTC),
        use_cache=False,
    )
    (rf,) = pipeline.run(opts).findings
    assert rf.finding.rule == "signoff.quorum"
    assert (
        "compliance 0/1 (alice@example.com does not count (a commit author))" in rf.finding.message
    )


@pytest.mark.parametrize(
    ("steps", "status"),
    [
        ([add_dave], "new"),
        ([add_dave, signed("alice", "bob")], "waived"),
        ([signed("alice", "bob"), add_dave], "new"),  # edited after the sign-off: stale
        ([add_dave, signed("alice")], "new"),  # quorum not met
    ],
    ids=["unsigned", "signed-off", "edited-after-signoff", "short-of-quorum"],
)
def test_only_a_valid_signoff_clears_a_trust_change(
    tmp_path: Path,
    keys: dict[str, Key],
    steps: list[Callable[[Path, dict[str, Key]], None]],
    status: str,
) -> None:
    from datetime import UTC, datetime

    from gates import pipeline
    from gates.model import Status

    root = repo(tmp_path, keys)
    git(root, "checkout", "-q", "-b", "change")
    for step in steps:
        step(root, keys)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "change the trust root")
    opts = pipeline.Options(
        cwd=root,
        gates=("signoff",),
        trust_ref="main",  # no --diff: the trust files are compared all the same
        now=datetime(2026, 11, 25, 12, tzinfo=UTC),
        use_cache=False,
    )
    result = pipeline.run(opts)
    (rf,) = [rf for rf in result.findings if rf.finding.rule == "trust.changed"]
    assert rf.finding.location.path == SIGNERS
    assert rf.status is Status(status)
    assert rf.blocking is (status == "new")
    if status == "waived":
        assert rf.waiver_id == "S-1"
