"""DSSE envelopes (github.com/secure-systems-lab/dsse, v1.0): PAE, building and strict parsing.

    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

LEN is the byte length in ASCII decimal. The envelope is
`{"payload": base64(body), "payloadType": type, "signatures": [{"keyid": ..., "sig": base64}]}`;
each `sig` here is the binary SSHSIG blob `ssh-keygen -Y sign` armours (namespace
`release-gates-evidence@v1`) over PAE(type, body). `keyid` is the key's `SHA256:` fingerprint,
a hint only: trust comes from allowed_signers.
"""

from __future__ import annotations

import base64
import binascii

from gates import strict_input
from gates.errors import InvalidInput
from gates.record import record

PAYLOAD_TYPE = "application/vnd.in-toto+json"
MAX_BYTES = 64 * 1024 * 1024
_FIX = "pass an envelope written by `gates evidence sign`, unmodified"


def pae(payload_type: str, body: bytes) -> bytes:
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


@record
class Signature:
    keyid: str
    sig: bytes  # the SSHSIG blob


@record
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "payload": base64.b64encode(self.payload).decode(),
            "payloadType": self.payload_type,
            "signatures": [
                {"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode()} for s in self.signatures
            ],
        }


def _b64(value: object, source: str, field: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidInput(source, field, "expected a base64 string", _FIX)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(source, field, "not valid base64", _FIX) from None


def is_envelope(doc: object) -> bool:
    return isinstance(doc, dict) and "payloadType" in doc


def parse(data: bytes, source: str) -> Envelope:
    """A DSSE envelope, strictly: InvalidInput (exit 2) names the field and the fix."""
    doc = strict_input.load_json(data, source, limit=MAX_BYTES)
    return from_doc(doc, source)


def from_doc(doc: object, source: str) -> Envelope:
    if not isinstance(doc, dict):
        raise InvalidInput(source, "$", "not a JSON object", _FIX)
    if "_type" in doc and "payloadType" not in doc:
        raise InvalidInput(
            source,
            "$._type",
            "an unsigned in-toto statement, not a DSSE envelope",
            f"sign it first: gates evidence sign {source} --key KEY, then verify the .dsse.json",
        )
    unknown = sorted(set(doc) - {"payload", "payloadType", "signatures"})
    if unknown:
        raise InvalidInput(source, f"$.{unknown[0]}", "unknown field in a DSSE envelope", _FIX)
    if doc.get("payloadType") != PAYLOAD_TYPE:
        raise InvalidInput(
            source,
            "$.payloadType",
            f"expected {PAYLOAD_TYPE!r}, got {doc.get('payloadType')!r}",
            _FIX,
        )
    payload = _b64(doc.get("payload"), source, "$.payload")
    raw = doc.get("signatures")
    if not isinstance(raw, list):
        raise InvalidInput(source, "$.signatures", "expected a list", _FIX)
    sigs = []
    for i, item in enumerate(raw):
        where = f"$.signatures[{i}]"
        if not isinstance(item, dict) or set(item) - {"keyid", "sig"} or "sig" not in item:
            raise InvalidInput(source, where, "expected {keyid, sig}", _FIX)
        keyid = item.get("keyid", "")
        if not isinstance(keyid, str):
            raise InvalidInput(source, f"{where}.keyid", "expected a string", _FIX)
        sigs.append(Signature(keyid=keyid, sig=_b64(item["sig"], source, f"{where}.sig")))
    return Envelope(payload_type=PAYLOAD_TYPE, payload=payload, signatures=tuple(sigs))
