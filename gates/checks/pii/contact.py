"""E-mail addresses and phone numbers that identify a person (reported in fixtures only).

Reserved names are never personal: the example domains of RFC 2606/6761 (example.com, .test,
.example, .invalid, .localhost), role mailboxes (RFC 2142's info@, support@, security@ …, and
noreply@), and the fictional US numbers 555-0100 … 555-0199.
"""

from __future__ import annotations

_RESERVED_DOMAINS = ("example.com", "example.org", "example.net", "localhost")
_RESERVED_TLDS = ("test", "example", "invalid", "localhost", "local")
_ROLE_MAILBOXES = frozenset(
    {
        "info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster",
        "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp", "noreply", "no-reply",
        "donotreply", "do-not-reply", "billing", "help", "contact", "admin",
    }
)  # fmt: skip


def is_personal_email(address: str) -> bool:
    local, _, domain = address.lower().rpartition("@")
    if local.partition("+")[0] in _ROLE_MAILBOXES:
        return False
    domain = domain.rstrip(".")
    if domain in _RESERVED_DOMAINS or any(domain.endswith("." + d) for d in _RESERVED_DOMAINS):
        return False
    return domain.rpartition(".")[2] not in _RESERVED_TLDS


def phone_digits(text: str) -> str | None:
    """The digits of a plausible phone number (E.164: 8–15 digits with '+', NANP: 10), else None.
    Fictional NANP numbers (555-0100 … 555-0199) are not phone numbers of anyone."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        if not 8 <= len(digits) <= 15 or digits[0] == "0":
            return None
        national = digits[1:] if digits[0] == "1" else ""
    else:
        if len(digits) != 10:
            return None
        national = digits
    if national and len(national) == 10:
        if national[0] in "01" or national[3] in "01":
            return None  # not a valid NANP area code / exchange
        if national[3:6] == "555" and "0100" <= national[6:] <= "0199":
            return None
    return digits
