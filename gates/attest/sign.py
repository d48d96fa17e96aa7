"""`gates evidence sign`: wrap an evidence statement in a DSSE envelope signed with an SSH key.

The statement is checked first (strict JSON, the evidence schema): we only sign what `verify`
would accept. Signing goes through `ssh-keygen -Y sign -n release-gates-evidence@v1` over the
DSSE PAE bytes, so ssh-agent and hardware keys work; the signature is verified in-process before
it is added. Signing an envelope adds a signature (every signature must verify for it to be valid).
"""

from __future__ import annotations

from pathlib import Path

from gates import strict_input
from gates.approvals.authoring import ssh_sign
from gates.approvals.sshsig import dearmour
from gates.attest import NAMESPACE, dsse, statement
from gates.errors import InvalidInput


def sign(data: bytes, source: str, key: str, cwd: Path) -> dsse.Envelope:
    doc = strict_input.load_json(data, source, limit=dsse.MAX_BYTES)
    if dsse.is_envelope(doc):
        envelope = dsse.from_doc(doc, source)
        payload = envelope.payload
        previous = envelope.signatures
    else:
        payload, previous = data, ()
    problem = statement.problem(payload)
    if problem is not None:
        raise InvalidInput(
            source, problem[0], problem[1], "sign the file `gates run --evidence` wrote, unmodified"
        )
    armoured, key_used = ssh_sign(dsse.pae(dsse.PAYLOAD_TYPE, payload), NAMESPACE, key, cwd)
    signature = dsse.Signature(keyid=key_used.fingerprint, sig=dearmour(armoured))
    return dsse.Envelope(
        payload_type=dsse.PAYLOAD_TYPE, payload=payload, signatures=(*previous, signature)
    )
