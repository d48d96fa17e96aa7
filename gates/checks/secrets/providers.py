"""Payment-provider credentials as detect-secrets plugins (`RegexBasedDetector` subclasses).

detect-secrets loads this file as a custom plugin module (`plugins_used` entries with a
`file://` path, see config.py), exactly as it loads any third-party plugin, so our engine, its
prefilter and detect-secrets' filters treat these like the built-in plugins. Each pattern has
one capturing group, the secret; context words (`adyen`, `hmac`, `plaid`, `braintree`,
`twilio`) sit outside it. Shapes are the providers' published formats:

- Stripe: `sk_live_`/`rk_live_` secret and restricted keys (any length: newer keys are ~100
  characters, detect-secrets' own plugin stops at 24), `whsec_` webhook signing secrets, and
  test-mode `sk_test_`/`rk_test_` keys (reported at low severity: they move no money but read
  test-mode data and show where live keys will go).
- Adyen: API keys (`AQE…=-…=` with an optional third part) and 64-hex HMAC keys on a line
  that says `adyen` or `hmac`.
- Braintree / PayPal: `access_token$production$<merchant>$<hex>` access tokens, 32-hex
  private keys next to `braintree` or `private_key`; PayPal `A21AA…` OAuth access tokens and
  80-character client secrets next to `paypal … secret`.
- Square: `EAAA` + 60 access tokens and legacy `sq0atp-` tokens (`sq0csp-` OAuth secrets are
  detect-secrets' SquareOAuthDetector).
- Checkout.com: `sk_` + base32 (26 + 1) or `sk_` + uuid secret keys; `sk_sbox_`/`sk_test_`
  sandbox keys at low severity.
- GoCardless: `live_` + 40 access tokens. Plaid: 30-hex secrets next to `plaid … secret`,
  `access-production-<uuid>` access tokens.
- Twilio: `SK` + 32-hex API keys, 32-hex auth tokens after an `AC` account sid (`AC…:token`,
  `Client("AC…", "token")`) or next to `twilio … auth/token/secret`. A bare `AC` sid names an
  account and is not reported (detect-secrets' TwilioKeyDetector reports it).

Values that only look like a key are dropped here, before any filter: a tail made of one
character or of filler (`sk_live_xxxxxxxx…`), and a tail whose Shannon entropy is below what
the format's alphabet gives a random key (`sk_live_aaaabbbbaaaabbbb…`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Generator
from typing import ClassVar

from detect_secrets.plugins.base import RegexBasedDetector

_B62 = "0-9A-Za-z"
_HEX = "0-9a-fA-F"
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def shannon(text: str) -> float:
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(text) or 1
    return -sum(c / n * math.log2(c / n) for c in counts.values())


class ProviderDetector(RegexBasedDetector):
    """A provider's key shapes; a match whose random part is filler or low-entropy is dropped.

    Abstract (no `secret_type`): detect-secrets does not load it as a plugin itself."""

    # The fixed part of each shape, stripped before the entropy test.
    prefix: ClassVar[re.Pattern[str]] = re.compile(r"^")
    min_entropy: ClassVar[float] = 3.0
    # A uuid inside one of our shapes is the key, not an id: gates.checks.secrets.dsfilters
    # keeps detect-secrets' uuid filter from dropping it.
    shaped: ClassVar[bool] = True

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for value in super().analyze_string(string):
            if self.plausible(value):
                yield value

    def plausible(self, value: str) -> bool:
        body = self.prefix.sub("", value, count=1)
        core = re.sub(r"[^0-9A-Za-z]", "", body)
        if len(core) < 8 or len(set(core.lower())) <= 3:
            return False
        return shannon(core) >= self.min_entropy


def _bounded(body: str, chars: str = _B62, before: str | None = None) -> str:
    """`body` not inside a longer run of `chars` (`before`: the characters that may not precede
    it, when they differ): the secret is the whole token."""
    return rf"(?<![{before or chars}]){body}(?![{chars}])"


class StripeKeyDetector(ProviderDetector):
    """Stripe live secret (`sk_live_`) and restricted (`rk_live_`) keys."""

    secret_type = "Stripe Secret Key"
    denylist = (re.compile(_bounded(rf"((?:sk|rk)_live_[{_B62}]{{20,247}})", _B62 + "_")),)
    prefix = re.compile(r"^[sr]k_live_")


class StripeTestKeyDetector(ProviderDetector):
    """Stripe test-mode secret and restricted keys (low severity)."""

    secret_type = "Stripe Test Key"
    denylist = (re.compile(_bounded(rf"((?:sk|rk)_test_[{_B62}]{{20,247}})", _B62 + "_")),)
    prefix = re.compile(r"^[sr]k_test_")


class StripeWebhookSecretDetector(ProviderDetector):
    """Stripe webhook signing secrets: whoever has one can forge webhook events."""

    secret_type = "Stripe Webhook Secret"
    denylist = (
        re.compile(_bounded(rf"(whsec_[{_B62}+/]{{24,128}}={{0,2}})", _B62 + "_+/=", _B62 + "_")),
    )
    prefix = re.compile(r"^whsec_")


class AdyenApiKeyDetector(ProviderDetector):
    """Adyen API keys: `AQE` + base64, `-` + base64, optionally a third `-` part."""

    secret_type = "Adyen API Key"
    denylist = (
        re.compile(
            r"(?<![0-9A-Za-z+/])(AQE[0-9A-Za-z+/]{40,}={0,2}-[0-9A-Za-z+/]{20,}={0,2}"
            r"(?:-[^\s\"'`,]{6,32})?)"
        ),
    )
    prefix = re.compile(r"^AQE")


class AdyenHmacKeyDetector(ProviderDetector):
    """Adyen webhook HMAC keys: 64 hex digits on a line that names Adyen or HMAC."""

    secret_type = "Adyen HMAC Key"
    denylist = (re.compile(rf"(?i:adyen|hmac)[^\n]*?{_bounded(f'([{_HEX}]{{64}})', _B62)}"),)


class BraintreeAccessTokenDetector(ProviderDetector):
    """Braintree / PayPal (Braintree SDK) production access tokens."""

    secret_type = "Braintree Access Token"
    denylist = (re.compile(r"(access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})(?![0-9a-f])"),)
    prefix = re.compile(r"^access_token\$production\$[0-9a-z]{16}\$")


class BraintreePrivateKeyDetector(ProviderDetector):
    """Braintree private keys: 32 hex digits next to `braintree` or `private_key`."""

    secret_type = "Braintree Private Key"
    denylist = (
        re.compile(
            rf"(?i:braintree[^\n]*?|private_?key[\"']?\s*[:=,]\s*[\"']?)"
            rf"{_bounded('([0-9a-f]{32})', _B62)}"
        ),
    )


class PaypalAccessTokenDetector(ProviderDetector):
    """PayPal REST OAuth access tokens (`A21AA…`)."""

    secret_type = "PayPal Access Token"
    denylist = (re.compile(_bounded(r"(A21AA[0-9A-Za-z_-]{50,})", _B62 + "_-")),)
    prefix = re.compile(r"^A21AA")


class PaypalClientSecretDetector(ProviderDetector):
    """PayPal REST client secrets: 80 characters next to `paypal` and `secret`."""

    secret_type = "PayPal Client Secret"
    denylist = (
        re.compile(
            r"(?i:paypal[^\n]{0,60}?secret|secret[^\n]{0,60}?paypal)[^\n]*?"
            + _bounded("([0-9A-Za-z_-]{80})", _B62 + "_-")
        ),
    )
    min_entropy = 4.0


class SquareAccessTokenDetector(ProviderDetector):
    """Square access tokens: `EAAA` + 60, and legacy `sq0atp-` + 22."""

    secret_type = "Square Access Token"
    denylist = (
        re.compile(_bounded(r"(EAAA[0-9A-Za-z_-]{60})", _B62 + "_-")),
        re.compile(_bounded(r"(sq0atp-[0-9A-Za-z_-]{22})", _B62 + "_-")),
    )
    prefix = re.compile(r"^(?:EAAA|sq0atp-)")


class CheckoutSecretKeyDetector(ProviderDetector):
    """Checkout.com live secret keys: `sk_` + base32 (26 + 1), or `sk_` + uuid (older)."""

    secret_type = "Checkout.com Secret Key"
    denylist = (
        re.compile(_bounded(r"(sk_[a-z2-7]{26}[a-z2-7*#$=])", _B62 + "_*#$=")),
        re.compile(_bounded(rf"(sk_{_UUID})", _B62 + "_-")),
    )
    prefix = re.compile(r"^sk_")


class CheckoutSandboxKeyDetector(ProviderDetector):
    """Checkout.com sandbox secret keys (`sk_sbox_`, `sk_test_` + uuid): low severity."""

    secret_type = "Checkout.com Sandbox Key"
    denylist = (
        re.compile(_bounded(r"(sk_sbox_[a-z2-7]{26}[a-z2-7*#$=])", _B62 + "_*#$=")),
        re.compile(_bounded(rf"(sk_test_{_UUID})", _B62 + "_-")),
    )
    prefix = re.compile(r"^sk_(?:sbox|test)_")


class GoCardlessAccessTokenDetector(ProviderDetector):
    """GoCardless live access tokens (`live_` + 40)."""

    secret_type = "GoCardless Access Token"
    denylist = (re.compile(_bounded(r"(live_[0-9A-Za-z_-]{40})", _B62 + "_-")),)
    prefix = re.compile(r"^live_")


class PlaidSecretDetector(ProviderDetector):
    """Plaid API secrets (30 hex next to `plaid` and `secret`) and production access tokens."""

    secret_type = "Plaid Secret"
    denylist = (
        re.compile(
            r"(?i:plaid[^\n]{0,40}?secret|secret[^\n]{0,40}?plaid)[^\n]*?"
            + _bounded("([0-9a-f]{30})", _B62)
        ),
        re.compile(_bounded(rf"(access-production-{_UUID})", _B62 + "_-")),
    )
    prefix = re.compile(r"^access-production-")


class TwilioApiKeyDetector(ProviderDetector):
    """Twilio API key sids (`SK` + 32 hex)."""

    secret_type = "Twilio API Key SID"
    denylist = (re.compile(_bounded(r"(SK[0-9a-f]{32})", _B62)),)
    prefix = re.compile(r"^SK")


class TwilioAuthTokenDetector(ProviderDetector):
    """Twilio auth tokens: 32 hex after an `AC` account sid, or next to `twilio … token`."""

    secret_type = "Twilio Auth Token"
    denylist = (
        re.compile(rf"AC[0-9a-f]{{32}}[\"']?\s*[:,]\s*[\"']?{_bounded('([0-9a-f]{32})', _B62)}"),
        re.compile(
            r"(?i:twilio[^\n]{0,40}?(?:auth|token|secret))[^\n]*?"
            + _bounded("([0-9a-f]{32})", _B62)
        ),
    )


PROVIDER_PLUGINS: tuple[type[ProviderDetector], ...] = (
    StripeKeyDetector,
    StripeTestKeyDetector,
    StripeWebhookSecretDetector,
    AdyenApiKeyDetector,
    AdyenHmacKeyDetector,
    BraintreeAccessTokenDetector,
    BraintreePrivateKeyDetector,
    PaypalAccessTokenDetector,
    PaypalClientSecretDetector,
    SquareAccessTokenDetector,
    CheckoutSecretKeyDetector,
    CheckoutSandboxKeyDetector,
    GoCardlessAccessTokenDetector,
    PlaidSecretDetector,
    TwilioApiKeyDetector,
    TwilioAuthTokenDetector,
)
