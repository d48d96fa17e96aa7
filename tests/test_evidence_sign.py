"""`gates evidence sign|verify`: DSSE envelopes signed by real ssh-keygen keys, checked in-process
and cross-checked with `ssh-keygen -Y verify`."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gates.approvals.sshsig import armour, dearmour, signed_data
from gates.attest import NAMESPACE, dsse
from gates.cli import main
from tests import sshkit
from tests.gatekit import git, make_repo

PRINCIPAL = "auditor@example.com"


def _main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo", {"app/pay.py": "AMOUNT = 100\n", "README": "hi\n"})
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def statement(repo: Path) -> Path:
    path = repo.parent / "evidence.json"
    assert _main("run", "--gate", "pii", "--evidence", str(path))[0] == 0
    return path


def _signers(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _allowed(tmp_path: Path, key: sshkit.Key, options: str = f'namespaces="{NAMESPACE}"') -> Path:
    return _signers(tmp_path / "allowed_signers", f"{PRINCIPAL} {options} {key.public}")


def _envelope(path: Path) -> dict[str, object]:
    doc: dict[str, object] = json.loads(path.read_text())
    return doc


def _rewrite_payload(envelope: Path, old: bytes, new: bytes) -> None:
    doc = _envelope(envelope)
    payload = base64.b64decode(str(doc["payload"]))
    assert old in payload
    doc["payload"] = base64.b64encode(payload.replace(old, new, 1)).decode()
    envelope.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("kind", "bits"),
    [("ed25519", None), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521), ("rsa", 3072)],
    ids=["ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-3072"],
)
def test_sign_and_verify_with_real_keys(
    statement: Path, repo: Path, tmp_path: Path, kind: str, bits: int | None
) -> None:
    key = sshkit.keygen(tmp_path, f"k{kind}{bits or ''}", kind, bits)
    signers = _allowed(tmp_path, key)
    signed = tmp_path / "evidence.dsse.json"
    assert _main("evidence", "sign", str(statement), "--key", str(key.path)) == (
        0,
        f"signed: {signed} (1 signature(s), key {key.fingerprint})\n",
    )
    doc = _envelope(signed)
    assert doc["payloadType"] == "application/vnd.in-toto+json"
    assert base64.b64decode(str(doc["payload"])) == statement.read_bytes()
    code, text = _main(
        "evidence", "verify", str(signed), "--allowed-signers", str(signers), "--repo", str(repo)
    )
    assert (code, text) == (
        0,
        f"signed by: {PRINCIPAL} ({key.fingerprint})\n"
        f"valid: {signed}; subject matches HEAD in {repo}\n",
    )
    # ssh-keygen agrees: the signature is an SSHSIG over the DSSE PAE bytes
    (sig,) = doc["signatures"]  # type: ignore[misc]  # a list of one object
    armoured = armour(base64.b64decode(sig["sig"]))
    pae = dsse.pae(str(doc["payloadType"]), statement.read_bytes())
    now = datetime.now(UTC)
    assert sshkit.keygen_verifies(signers, PRINCIPAL, NAMESPACE, armoured, pae, now)
    assert not sshkit.keygen_verifies(signers, PRINCIPAL, NAMESPACE, armoured, pae + b" ", now)


@pytest.fixture
def key(tmp_path: Path) -> sshkit.Key:
    return sshkit.keygen(tmp_path, "alice", "ed25519")


@pytest.fixture
def signed(statement: Path, key: sshkit.Key) -> Path:
    assert _main("evidence", "sign", str(statement), "--key", str(key.path))[0] == 0
    return statement.with_name("evidence.dsse.json")


def _verify(signed: Path, signers: Path, *extra: str) -> tuple[int, str]:
    return _main("evidence", "verify", str(signed), "--allowed-signers", str(signers), *extra)


def test_a_tampered_payload_is_invalid(signed: Path, key: sshkit.Key, tmp_path: Path) -> None:
    _rewrite_payload(signed, b'"verdict": "pass"', b'"verdict": "blocked"')
    code, text = _verify(signed, _allowed(tmp_path, key))
    assert code == 1
    assert text == (
        f"invalid: signature 0: ssh-ed25519 signature does not verify with key {key.fingerprint}\n"
    )


def test_a_flipped_byte_of_the_file_is_invalid(
    signed: Path, key: sshkit.Key, tmp_path: Path
) -> None:
    raw = bytearray(signed.read_bytes())
    at = raw.index(b'"payload": "') + len(b'"payload": "') + 40
    raw[at] = ord("A") if raw[at] != ord("A") else ord("B")
    signed.write_bytes(bytes(raw))
    code, text = _verify(signed, _allowed(tmp_path, key))
    assert code == 1
    assert text.startswith("invalid: signature 0: ")


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (None, "is not in {signers}"),
        (
            'namespaces="release-gates-waiver@v1"',
            "does not allow namespace 'release-gates-evidence@v1'",
        ),
        (
            f'namespaces="{NAMESPACE}",valid-before="20200101Z"',
            "key expired at 2020-01-01T00:00:00Z",
        ),
    ],
    ids=["signer-not-listed", "other-namespace-only", "expired-key"],
)
def test_an_untrusted_signer_is_invalid(
    signed: Path, key: sshkit.Key, tmp_path: Path, options: str | None, reason: str
) -> None:
    other = sshkit.keygen(tmp_path, "mallory", "ed25519")
    # not listed: someone else is trusted, not the signer
    signers = _allowed(tmp_path, other) if options is None else _allowed(tmp_path, key, options)
    code, text = _verify(signed, signers)
    assert code == 1
    assert text.startswith("invalid: signature 0: ")
    assert reason.format(signers=signers) in text


def test_a_key_expired_since_is_valid_at_the_time_asked(
    signed: Path, key: sshkit.Key, tmp_path: Path
) -> None:
    signers = _allowed(tmp_path, key, f'namespaces="{NAMESPACE}",valid-before="20200101Z"')
    assert _verify(signed, signers, "--at", "2019-12-31T12:00:00Z")[0] == 0
    assert _verify(signed, signers, "--at", "2020-01-02T00:00:00Z")[0] == 1
    assert _verify(signed, signers, "--at", "yesterday")[0] == 2


def test_a_signature_by_the_wrong_key_is_invalid(
    statement: Path, key: sshkit.Key, tmp_path: Path
) -> None:
    """The SSHSIG names alice's key, but the signature bytes are mallory's."""
    mallory = sshkit.keygen(tmp_path, "mallory", "ed25519")
    pae = dsse.pae(dsse.PAYLOAD_TYPE, statement.read_bytes())
    wrong = sshkit.raw_signature(mallory, signed_data(NAMESPACE, b"", "sha512", pae), "ssh-ed25519")
    forged = sshkit.forge(key, pae, NAMESPACE, sig_override=wrong)
    envelope = tmp_path / "forged.dsse.json"
    envelope.write_text(
        json.dumps(
            dsse.Envelope(
                payload_type=dsse.PAYLOAD_TYPE,
                payload=statement.read_bytes(),
                signatures=(dsse.Signature(keyid=key.fingerprint, sig=dearmour(forged)),),
            ).to_json()
        )
    )
    code, text = _verify(envelope, _allowed(tmp_path, key))
    assert (code, text) == (
        1,
        f"invalid: signature 0: ssh-ed25519 signature does not verify with key {key.fingerprint}\n",
    )


def test_a_signature_in_another_namespace_is_invalid(
    statement: Path, key: sshkit.Key, tmp_path: Path
) -> None:
    pae = dsse.pae(dsse.PAYLOAD_TYPE, statement.read_bytes())
    waiver_sig = sshkit.sign(key, pae, "release-gates-waiver@v1")
    envelope = tmp_path / "replayed.dsse.json"
    envelope.write_text(
        json.dumps(
            dsse.Envelope(
                payload_type=dsse.PAYLOAD_TYPE,
                payload=statement.read_bytes(),
                signatures=(dsse.Signature(keyid="", sig=dearmour(waiver_sig)),),
            ).to_json()
        )
    )
    code, text = _verify(envelope, _allowed(tmp_path, key))
    assert (code, text) == (
        1,
        "invalid: signature 0: signature is for namespace 'release-gates-waiver@v1', "
        "expected 'release-gates-evidence@v1'\n",
    )


def test_a_subject_for_another_tree_is_invalid(
    signed: Path, key: sshkit.Key, repo: Path, tmp_path: Path
) -> None:
    signers = _allowed(tmp_path, key)
    (repo / "app/pay.py").write_text("AMOUNT = 999\n")
    git(repo, "commit", "-qam", "change the amount")
    code, text = _verify(signed, signers, "--repo", str(repo))
    assert code == 1
    lines = text.splitlines()
    assert lines[0] == f"signed by: {PRINCIPAL} ({key.fingerprint})"
    assert lines[1].startswith("invalid: subject gitTree ")
    assert "is not HEAD's tree" in lines[1]
    assert lines[2].startswith("invalid: subject sha256 ")
    assert "does not match the 2 files of HEAD" in lines[2]
    assert _verify(signed, signers, "--repo", str(repo), "--rev", "HEAD~1")[0] == 0


def test_evidence_of_a_dirty_tree_matches_no_commit(
    repo: Path, key: sshkit.Key, tmp_path: Path
) -> None:
    (repo / "app/pay.py").write_text("AMOUNT = 5\n")
    evidence = tmp_path / "dirty.json"
    assert _main("run", "--gate", "pii", "--evidence", str(evidence))[0] == 0
    assert _main("evidence", "sign", str(evidence), "--key", str(key.path))[0] == 0
    code, text = _verify(tmp_path / "dirty.dsse.json", _allowed(tmp_path, key), "--repo", str(repo))
    assert code == 1
    assert "invalid: the run scanned a working tree with uncommitted changes" in text


def test_a_second_signature_is_added(signed: Path, key: sshkit.Key, tmp_path: Path) -> None:
    bob = sshkit.keygen(tmp_path, "bob", "ecdsa", 256)
    assert _main("evidence", "sign", str(signed), "--key", str(bob.path)) == (
        0,
        f"signed: {signed} (2 signature(s), key {bob.fingerprint})\n",
    )
    signers = _signers(
        tmp_path / "two",
        f'{PRINCIPAL} namespaces="{NAMESPACE}" {key.public}',
        f'bob@example.com namespaces="{NAMESPACE}" {bob.public}',
    )
    assert _verify(signed, signers) == (
        0,
        f"signed by: {PRINCIPAL} ({key.fingerprint})\n"
        f"signed by: bob@example.com ({bob.fingerprint})\n"
        f"valid: {signed}\n",
    )
    # one signer not trusted: the envelope is invalid (no signature is ignored)
    assert _verify(signed, _allowed(tmp_path, key))[0] == 1


def test_no_signature_is_invalid(signed: Path, key: sshkit.Key, tmp_path: Path) -> None:
    doc = _envelope(signed)
    doc["signatures"] = []
    signed.write_text(json.dumps(doc))
    assert _verify(signed, _allowed(tmp_path, key)) == (
        1,
        "invalid: the envelope has no signatures\n",
    )


def test_a_signed_statement_that_breaks_the_schema_is_invalid(
    statement: Path, key: sshkit.Key, tmp_path: Path
) -> None:
    doc = json.loads(statement.read_text())
    doc["predicate"]["verdict"] = "fine"
    payload = json.dumps(doc).encode()
    sig = sshkit.sign(key, dsse.pae(dsse.PAYLOAD_TYPE, payload), NAMESPACE)
    envelope = tmp_path / "odd.dsse.json"
    envelope.write_text(
        json.dumps(
            dsse.Envelope(
                payload_type=dsse.PAYLOAD_TYPE,
                payload=payload,
                signatures=(dsse.Signature(keyid="", sig=dearmour(sig)),),
            ).to_json()
        )
    )
    code, text = _verify(envelope, _allowed(tmp_path, key))
    assert code == 1
    assert text.splitlines()[-1] == (
        "invalid: payload $.predicate.verdict: the statement does not match the evidence "
        "schema: 'fine' is not one of ['pass', 'blocked', 'error']"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "line 1 column 1: "),
        (
            '{"payloadType": "text/plain", "payload": "", "signatures": []}',
            "$.payloadType: expected 'application/vnd.in-toto+json'",
        ),
        (
            '{"payloadType": "application/vnd.in-toto+json", "payload": "%%%", "signatures": []}',
            "$.payload: not valid base64",
        ),
        (
            '{"payloadType": "application/vnd.in-toto+json", "payload": "", "signatures": [{"sig": 1}]}',
            "$.signatures[0].sig: expected a base64 string",
        ),
    ],
    ids=["not-json", "payload-type", "bad-base64", "bad-signature-entry"],
)
def test_malformed_input_is_exit_2(
    tmp_path: Path, key: sshkit.Key, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    envelope = tmp_path / "bad.json"
    envelope.write_text(content)
    assert _verify(envelope, _allowed(tmp_path, key)) == (2, "")
    err = capsys.readouterr().err
    assert err.startswith(f"gates: {envelope}: {message}")
    assert "Fix: " in err


def test_an_unsigned_statement_is_not_an_envelope(
    statement: Path, key: sshkit.Key, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _verify(statement, _allowed(tmp_path, key)) == (2, "")
    assert capsys.readouterr().err == (
        f"gates: {statement}: $._type: an unsigned in-toto statement, not a DSSE envelope. "
        f"Fix: sign it first: gates evidence sign {statement} --key KEY, then verify the "
        ".dsse.json\n"
    )


def test_missing_files_and_bad_revisions_are_exit_2(
    signed: Path, key: sshkit.Key, repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _verify(signed, tmp_path / "nope")[0] == 2
    assert capsys.readouterr().err.startswith(f"gates: {tmp_path / 'nope'}: $: cannot read it")
    assert _verify(signed, _allowed(tmp_path, key), "--repo", str(repo), "--rev", "v9")[0] == 2
    assert "gates: --rev: v9: no such commit in --repo" in capsys.readouterr().err


def test_sign_refuses_what_verify_would_reject(
    statement: Path, key: sshkit.Key, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(statement.read_text())
    del doc["predicate"]["controls"]
    statement.write_text(json.dumps(doc))
    assert _main("evidence", "sign", str(statement), "--key", str(key.path)) == (2, "")
    assert "'controls' is a required property" in capsys.readouterr().err
    assert not statement.with_name("evidence.dsse.json").exists()


def test_sign_with_a_missing_key_is_exit_2(
    statement: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main("evidence", "sign", str(statement), "--key", str(tmp_path / "nokey"))[0] == 2
    assert "--key: " in capsys.readouterr().err


def test_evidence_from_a_saved_report_is_signed_but_names_no_tree(
    repo: Path, key: sshkit.Key, tmp_path: Path
) -> None:
    run_json, ev = tmp_path / "run.json", tmp_path / "from-report.json"
    assert _main("run", "--gate", "pii", "--format", f"json={run_json}")[0] == 0
    head = git(repo, "rev-parse", "HEAD").strip()
    argv = ["report", str(run_json), "--evidence", str(ev), "--commit", head]
    assert _main(*argv, "--sign-key", str(key.path))[0] == 0
    signers = _allowed(tmp_path, key)
    envelope = tmp_path / "from-report.dsse.json"
    assert _verify(envelope, signers)[0] == 0
    code, text = _verify(envelope, signers, "--repo", str(repo))
    assert code == 1
    assert text.endswith("invalid: the statement has no 'tree' subject to compare with HEAD\n")
