"""The allowed_signers file: which key may sign as which principal, in which namespaces, when.

OpenSSH format (ssh-keygen(1), ALLOWED SIGNERS): `principals [options] keytype base64 [comment]`,
`#` comments and blank lines ignored, principals comma-separated and optionally double-quoted,
options `namespaces="a,b"`, `valid-after="YYYYMMDD[HHMM[SS]]Z"`, `valid-before=...`.

Stricter than OpenSSH, on purpose:
- principal and namespace wildcards (`*`, `?`, `!`) are refused: every trusted person is named;
- times must end in `Z`: OpenSSH reads a time without it in the verifier's local time zone, so
  the same file would mean different windows on different CI runners;
- `cert-authority` is refused: release-gates verifies plain keys only, and a CA line would trust
  every certificate the CA ever issued without our revocation list seeing them.
Lines whose key type we do not accept (DSA, security keys, RSA under 2048 bits) are kept aside
with the reason, so a signature by such a key is reported with it.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from gates.approvals.keys import KeyRejected, PublicKey, parse_openssh
from gates.errors import InvalidInput
from gates.record import record

MAX_BYTES = 1_048_576
_WILDCARDS = frozenset("*?!")
_TIME = re.compile(r"^(\d{8})(\d{4})?(\d{2})?(Z?)$")
_KNOWN_KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ssh-dss",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)


class SignerRejected(ValueError):
    """The key is not trusted for this principal, namespace or time; the message says why."""


@record
class SignerEntry:
    line: int
    principals: frozenset[str]
    key: PublicKey
    namespaces: frozenset[str] | None  # None: every namespace
    valid_after: datetime | None
    valid_before: datetime | None


@record
class AllowedSigners:
    source: str
    entries: tuple[SignerEntry, ...]
    unusable: tuple[tuple[int, str, str], ...] = ()  # (line, key fingerprint or text, reason)

    def principals(self) -> frozenset[str]:
        return frozenset(p for e in self.entries for p in e.principals)

    def check(self, principal: str, key: PublicKey, namespace: str, now: datetime) -> SignerEntry:
        """The entry letting `key` sign as `principal` in `namespace` at `now`; else raises."""
        listed = [e for e in self.entries if principal in e.principals and e.key.blob == key.blob]
        if not listed:
            if any(e.key.blob == key.blob for e in self.entries):
                raise SignerRejected(
                    f"key {key.fingerprint} is not listed for principal {principal} "
                    f"in {self.source}"
                )
            raise SignerRejected(f"key {key.fingerprint} is not in {self.source}")
        reasons = []
        for entry in listed:
            if entry.namespaces is not None and namespace not in entry.namespaces:
                reasons.append(f"{self.source}:{entry.line} does not allow namespace {namespace!r}")
            elif entry.valid_after is not None and now < entry.valid_after:
                reasons.append(
                    f"{self.source}:{entry.line}: key not valid before {_show(entry.valid_after)}"
                )
            elif entry.valid_before is not None and now > entry.valid_before:
                reasons.append(
                    f"{self.source}:{entry.line}: key expired at {_show(entry.valid_before)}"
                )
            else:
                return entry
        raise SignerRejected("; ".join(reasons))


def _show(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(data: bytes, source: str) -> AllowedSigners:
    """Parse an allowed_signers file; InvalidInput names the line and the fix."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(source, "$", f"larger than {MAX_BYTES} bytes", "trim the file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(source, "$", "not UTF-8", "save it as UTF-8") from None
    entries: list[SignerEntry] = []
    unusable: list[tuple[int, str, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r").strip()
        if not line or line.startswith("#"):
            continue
        parsed = _line(line, f"line {number}", source, number)
        if isinstance(parsed, SignerEntry):
            entries.append(parsed)
        else:
            unusable.append((number, parsed[0], parsed[1]))
    if not entries:
        raise InvalidInput(
            source,
            "$",
            "no usable signer keys",
            'list each approver as `principal namespaces="..." ssh-ed25519 AAAA...`',
        )
    return AllowedSigners(source=source, entries=tuple(entries), unusable=tuple(unusable))


def _tokens(line: str, where: str, source: str) -> list[str]:
    """Split on blanks outside double quotes (quotes kept, stripped later)."""
    tokens: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch in " \t" and not quoted:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(ch)
    if quoted:
        raise InvalidInput(source, where, "unterminated double quote", "close the quote")
    if current:
        tokens.append("".join(current))
    return tokens


def _split_commas(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _line(line: str, where: str, source: str, number: int) -> SignerEntry | tuple[str, str]:
    tokens = _tokens(line, where, source)
    if len(tokens) < 3:
        raise InvalidInput(
            source, where, "expected `principals [options] keytype key`", "complete the line"
        )
    principals = _principals(tokens[0], where, source)
    options: dict[str, str | None] = {}
    rest = tokens[1:]
    if rest[0] not in _KNOWN_KEY_TYPES:
        options = _options(rest[0], where, source)
        rest = rest[1:]
    if len(rest) < 2 or rest[0] not in _KNOWN_KEY_TYPES:
        raise InvalidInput(
            source,
            where,
            f"unknown key type {rest[0] if rest else '(none)'!r}",
            "use an ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa (>= 2048 bits) key",
        )
    try:
        base64.b64decode(rest[1], validate=True)
    except binascii.Error:
        raise InvalidInput(
            source, where, "the key is not valid base64", "copy the line from the .pub file"
        ) from None
    try:
        key = parse_openssh(f"{rest[0]} {rest[1]}")
    except KeyRejected as exc:
        return (f"{rest[0]} key", str(exc))
    return SignerEntry(
        line=number,
        principals=principals,
        key=key,
        namespaces=_namespaces(options, where, source),
        valid_after=_time(options, "valid-after", where, source),
        valid_before=_time(options, "valid-before", where, source),
    )


def _principals(field: str, where: str, source: str) -> frozenset[str]:
    text = field[1:-1] if field.startswith('"') and field.endswith('"') else field
    names = text.split(",")
    for name in names:
        if not name or '"' in name:
            raise InvalidInput(source, where, f"bad principal list {field!r}", "write a,b,c")
        if _WILDCARDS & set(name):
            raise InvalidInput(
                source,
                where,
                f"wildcard principal {name!r} is not allowed",
                "name each approver exactly (e.g. alice@example.com)",
            )
    return frozenset(names)


def _options(field: str, where: str, source: str) -> dict[str, str | None]:
    options: dict[str, str | None] = {}
    for part in _split_commas(field):
        name, eq, value = part.partition("=")
        name = name.lower()
        if name == "cert-authority":
            raise InvalidInput(
                source,
                where,
                "cert-authority lines are not supported (certificates are not verified, so a CA "
                "would trust keys the revocation list never sees)",
                "list each signer's own public key instead",
            )
        if name not in ("namespaces", "valid-after", "valid-before"):
            raise InvalidInput(
                source,
                where,
                f"unknown option {name!r}",
                "use namespaces=, valid-after= or valid-before=",
            )
        if name in options:
            raise InvalidInput(source, where, f"option {name} given twice", "give it once")
        if not eq or not (len(value) >= 2 and value.startswith('"') and value.endswith('"')):
            raise InvalidInput(
                source, where, f"option {name} needs a double-quoted value", f'write {name}="..."'
            )
        options[name] = value[1:-1]
    return options


def _namespaces(options: dict[str, str | None], where: str, source: str) -> frozenset[str] | None:
    value = options.get("namespaces")
    if value is None:
        return None
    names = value.split(",")
    for name in names:
        if not name or _WILDCARDS & set(name):
            raise InvalidInput(
                source,
                where,
                f"namespace {name!r} is empty or a wildcard",
                'list namespaces exactly, e.g. namespaces="release-gates-waiver@v1"',
            )
    return frozenset(names)


def _time(options: dict[str, str | None], name: str, where: str, source: str) -> datetime | None:
    value = options.get(name)
    if value is None:
        return None
    m = _TIME.match(value)
    if m is None or (m.group(3) and not m.group(2)):
        raise InvalidInput(
            source,
            where,
            f"{name}={value!r} is not YYYYMMDD[HHMM[SS]]Z",
            f'write {name}="20260101Z"',
        )
    if not m.group(4):
        raise InvalidInput(
            source,
            where,
            f"{name}={value!r} has no Z: OpenSSH would read it in the local time zone",
            f'append Z to state UTC: {name}="{value}Z"',
        )
    digits = m.group(1) + (m.group(2) or "0000") + (m.group(3) or "00")
    try:
        return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            source, where, f"{name}={value!r} is not a real date", "fix it"
        ) from None
