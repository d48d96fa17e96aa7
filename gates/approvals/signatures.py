"""Signature checks for one statement: each `<principal>.sig` verified against the trust root.

A signature counts when it verifies over the statement's exact bytes in the statement kind's
namespace, with a key allowed_signers lists for that principal (namespace and validity window
checked at `now`), and the key is not revoked. Any signature that fails rejects the statement:
a bad signature beside good ones means someone changed the statement or forged a name.
"""

from __future__ import annotations

from datetime import datetime

from gates.approvals.quorum import Signed
from gates.approvals.signers import SignerRejected
from gates.approvals.sshsig import SignatureRejected, verify_detached
from gates.approvals.statements import Kind
from gates.approvals.trust import TrustRoot
from gates.record import record


@record
class Checked:
    signed: tuple[Signed, ...]
    problems: tuple[str, ...]  # "<principal>.sig: reason"


def check(
    statement: bytes,
    signatures: tuple[tuple[str, bytes], ...],
    kind: Kind,
    trust: TrustRoot,
    now: datetime,
) -> Checked:
    signed: list[Signed] = []
    problems: list[str] = []
    for principal, armoured in signatures:
        try:
            key = verify_detached(armoured, statement, kind.namespace)
            if key.fingerprint in trust.config.revoked_keys:
                raise SignerRejected(f"key {key.fingerprint} is revoked by the policy")
            trust.signers.check(principal, key, kind.namespace, now)
        except (SignatureRejected, SignerRejected) as exc:
            problems.append(f"{principal}.sig: {exc}")
            continue
        signed.append(Signed(principal=principal, key_fingerprint=key.fingerprint))
    if not signatures:
        problems.append("no signatures")
    return Checked(signed=tuple(signed), problems=tuple(problems))
