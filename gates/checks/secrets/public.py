"""Public identifiers of payment providers: random-looking, published on purpose, not secrets.

The high-entropy plugins report any random-looking string, so a Stripe publishable key in a web
page's config or a Twilio account sid in a settings file blocks the release as a "secret".
These values are designed to be public (they ship in browsers and apps) or name an account
without opening it. A hit whose whole value has one of these shapes is dropped, whatever plugin
reported it:

- Stripe publishable keys `pk_live_…`, `pk_test_…`;
- Checkout.com public keys `pk_…`, `pk_sbox_…` (base32) and `pk_…`/`pk_test_…` + uuid;
- Adyen client keys `live_`/`test_` + 32 upper-case letters and digits;
- Square application ids `sq0idp-…`, `sandbox-sq0idb-…`;
- Twilio account sids `AC` + 32 hex (the auth token next to one is still found: providers.py).

The secret counterpart of each (`sk_live_`, `sk_`, API keys, access tokens, auth tokens) is
reported by the provider plugins.
"""

from __future__ import annotations

import re

_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_PUBLIC = re.compile(
    r"pk_(?:live|test)_[0-9A-Za-z]{20,247}"
    r"|pk_(?:sbox_)?[a-z2-7]{26}[a-z2-7*#$=]"
    rf"|pk_(?:test_)?{_UUID}"
    r"|(?:live|test)_[A-Z0-9]{32}"
    r"|(?:sandbox-)?sq0id[pb]-[0-9A-Za-z_-]{22}"
    r"|AC[0-9a-f]{32}"
)


def is_public_identifier(value: str) -> bool:
    return _PUBLIC.fullmatch(value.strip().strip("\"'`")) is not None
