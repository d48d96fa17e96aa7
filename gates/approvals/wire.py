"""SSH wire encoding (RFC 4251 §5): a strict reader for `uint32`, `string` and `mpint` fields.

Every read checks its length against what is left, and `mpint` must be the canonical encoding
(no superfluous leading zero byte, non-negative), so one value has exactly one byte form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_FIELD = 1 << 16  # no field of a key or signature we accept is anywhere near 64 KiB


class WireError(ValueError):
    """The bytes are not a well-formed SSH wire structure; the message says where."""


@dataclass(slots=True)
class Reader:
    data: bytes
    pos: int = field(default=0)

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise WireError(f"truncated {what}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint32(self, what: str) -> int:
        return int.from_bytes(self.take(4, what), "big")

    def string(self, what: str) -> bytes:
        n = self.uint32(what)
        if n > MAX_FIELD:
            raise WireError(f"{what} is {n} bytes long (limit {MAX_FIELD})")
        return self.take(n, what)

    def text(self, what: str) -> str:
        raw = self.string(what)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise WireError(f"{what} is not ASCII") from None

    def mpint(self, what: str) -> int:
        raw = self.string(what)
        if raw and raw[0] & 0x80:
            raise WireError(f"{what} is negative")
        if len(raw) >= 2 and raw[0] == 0 and not raw[1] & 0x80:
            raise WireError(f"{what} has a superfluous leading zero byte")
        if raw == b"\0":
            raise WireError(f"{what} encodes zero with a needless byte")
        return int.from_bytes(raw, "big")

    def end(self, what: str) -> None:
        if self.pos != len(self.data):
            raise WireError(f"{len(self.data) - self.pos} unexpected trailing bytes after {what}")


def string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def mpint(value: int) -> bytes:
    if value == 0:
        return string(b"")
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")  # room for a clear sign bit
    return string(raw)
