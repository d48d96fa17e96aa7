"""Writing statements and signatures: what `gates approve` and `gates signoff` do to files.

New statements are rendered canonically (sorted keys, LF, final newline) and created atomically,
never over an existing one. Signing runs `ssh-keygen -Y sign` (so agents and hardware keys work),
then verifies the new signature in-process against the trust root before writing it, so a key
that would not count is refused at once instead of failing later in CI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from gates import tool_timeouts
from gates._proc import run_tool
from gates.approvals.bundle import SIG_SUFFIX, STATEMENT
from gates.approvals.config import valid_principal
from gates.approvals.files import UnsafeFile, read_regular, write_new
from gates.approvals.keys import PublicKey
from gates.approvals.signers import SignerRejected
from gates.approvals.sshsig import SignatureRejected, verify_detached
from gates.approvals.statements import (
    MAX_STATEMENT_BYTES,
    Kind,
    StatementRejected,
    parse_signoff,
    parse_waiver,
    render,
    valid_id,
)
from gates.approvals.trust import TrustRoot
from gates.errors import GateCannotRun, InvalidInput


def statement_id(prefix: str, doc: Mapping[str, Any]) -> str:
    """A stable id from the content: the same request gets the same id."""
    body = {k: v for k, v in doc.items() if k != "id"}
    return f"{prefix}-{hashlib.sha256(render(body)).hexdigest()[:12]}"


def create(root: Path, kind: Kind, doc: dict[str, Any], sid: str | None) -> tuple[str, Path]:
    """Write a new statement; returns (id, path). Refuses to touch an existing one."""
    prefix = "W" if kind is Kind.WAIVER else "S"
    doc["id"] = sid or statement_id(prefix, doc)
    if not valid_id(doc["id"]):
        raise InvalidInput("--id", doc["id"], "not a valid id", "use letters, digits, . _ -")
    data = render(doc)
    _parse(kind, data, doc["id"], "new statement")  # we only write what we would accept
    path = root / kind.directory / doc["id"] / STATEMENT
    if path.exists() or path.is_symlink():
        raise InvalidInput(
            str(path.relative_to(root)),
            "$",
            "already exists (statements are never rewritten)",
            "choose another --id, or sign the existing one",
        )
    try:
        write_new(path, data)
    except FileExistsError:
        raise InvalidInput(
            str(path.relative_to(root)), "$", "already exists", "choose another --id"
        ) from None
    return doc["id"], path


def _parse(kind: Kind, data: bytes, sid: str, label: str) -> None:
    try:
        if kind is Kind.WAIVER:
            parse_waiver(data, sid)
        else:
            parse_signoff(data, sid)
    except StatementRejected as exc:
        raise InvalidInput(label, "$", str(exc), "fix the statement") from None


def sign(
    root: Path,
    kind: Kind,
    sid: str,
    key: str,
    principal: str,
    trust: TrustRoot,
    now: datetime,
) -> Path:
    """Sign statement `sid` with `key` as `principal`; returns the signature path."""
    if not valid_id(sid):
        raise InvalidInput("ID", sid, "not a valid id", "pass the directory name of the statement")
    if not valid_principal(principal):
        raise InvalidInput(
            "--principal", principal, "not a valid principal", "e.g. alice@example.com"
        )
    folder = root / kind.directory / sid
    rel = f"{kind.directory}/{sid}/{STATEMENT}"
    try:
        data = read_regular(folder / STATEMENT, MAX_STATEMENT_BYTES, STATEMENT)
    except UnsafeFile as exc:
        raise InvalidInput(rel, "$", str(exc), f"create it with `gates {_cmd(kind)} new`") from None
    _parse(kind, data, sid, rel)
    target = folder / f"{principal}{SIG_SUFFIX}"
    if target.exists() or target.is_symlink():
        raise InvalidInput(
            str(target.relative_to(root)), "$", "already signed by this principal", "nothing to do"
        )
    signature, signer_key = ssh_sign(data, kind.namespace, key, root)
    try:
        if signer_key.fingerprint in trust.config.revoked_keys:
            raise SignerRejected(f"key {signer_key.fingerprint} is revoked by the policy")
        trust.signers.check(principal, signer_key, kind.namespace, now)
    except SignerRejected as exc:
        raise InvalidInput(
            "--key",
            key,
            f"this signature would not count: {exc}",
            f"add `{principal} {signer_key.openssh()}` to allowed_signers on the base branch, "
            "or sign with a listed key",
        ) from None
    write_new(target, signature)
    return target


KEY_FIX = "pass your SSH private key (e.g. --key ~/.ssh/id_ed25519) or its .pub with an agent"


def ssh_sign(data: bytes, namespace: str, key: str, cwd: Path) -> tuple[bytes, PublicKey]:
    """Sign `data` with `ssh-keygen -Y sign -n namespace` (so agents and hardware keys work);
    return the armoured signature and its key, after verifying it in-process."""
    key_path = Path(key).expanduser().resolve()  # ssh-keygen runs in another directory
    if not key_path.is_file():
        raise InvalidInput("--key", key, "no such key file", KEY_FIX)
    result = run_tool(
        ("ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key_path)),
        gate="signing",
        cwd=cwd,
        timeout_s=tool_timeouts.current().ssh_keygen,  # a hardware key waits for a touch
        install_hint="install OpenSSH 8.1 or later (apt-get install openssh-client)",
        stdin=data,
        ok_codes=tuple(range(256)),
    )
    if result.returncode != 0:
        said = result.stderr_tail()
        if any(w in said.lower() for w in ("load", "invalid format", "no such file", "passphrase")):
            raise InvalidInput("--key", key, f"ssh-keygen cannot use this key: {said}", KEY_FIX)
        raise GateCannotRun(
            "signing", f"ssh-keygen exited with code {result.returncode}: {said}", KEY_FIX
        )
    try:
        signer_key = verify_detached(result.stdout, data, namespace)
    except SignatureRejected as exc:
        raise GateCannotRun(
            "signing", f"ssh-keygen produced an unusable signature: {exc}", "use an ed25519 key"
        ) from None
    return result.stdout, signer_key


def _cmd(kind: Kind) -> str:
    return "approve" if kind is Kind.WAIVER else "signoff"
