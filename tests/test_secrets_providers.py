"""Payment-provider detectors (providers.py): real-shaped keys found, placeholders not.

Every key below is assembled at run time (prefix + body), so this file itself holds no
provider-shaped literal; the bodies are random-looking but belong to no account.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.checks.secrets import config, scanner
from gates.checks.secrets.gate import to_finding
from gates.checks.secrets.hits import ScanSettings
from gates.checks.secrets.public import is_public_identifier
from gates.checks.secrets.rules import BY_TYPE, rule_id
from gates.model import Severity
from gates.policy import Policy
from gates.redact import DEFAULT, Masker
from gates.registry import GateContext
from gates.workspace import Workspace
from tests.gatekit import NOW, TEST_KEY


def _j(*parts: str) -> str:
    return "".join(parts)


HEX32 = "9b1e4c7a2f5d8b3e6a9c1f4d7b2e5a8c"
HEX64 = "3f9a0c2e7b1d4f6a8c0e2b4d6f8a1c3e5b7d9f1a3c5e7b9d2f4a6c8e0b1d3f5a"
B62 = "51H8xKqLyjWDarjtT1zdp7dcAbQ93kfXm2"
UUID = "0b9b5db6-f223-49d0-b68f-f6643dd4f808"

STRIPE_LIVE = _j("sk_", "live_", B62)
STRIPE_RESTRICTED = _j("rk_", "live_", B62)
STRIPE_TEST = _j("sk_", "test_", B62)
WHSEC = _j("whsec_", "Zx81kQm2Lp0aRt5vNc7dEe9fGh3JkL4m")
ADYEN = _j(
    "AQE",
    "yhmfxK4PIYxZGw0m/n3Q5qf3VaY9UCJ1+XWZe9W27jmlZiv4PD4jhfNMofnLr2K5i8/0QwV1bDb7kfNy1WIxIIkxgBw==",
    "-lUKXT9IQ5GZ6d6RH4nnuOG4Bu6bA9+E5CoPJf5F7Ut0=",
    "-BqtKmT7rCa8BSx9f",
)
BRAINTREE_TOKEN = _j("access_token", "$production$", "h8x2kq9wz3m4p7rt", "$", HEX32)
PAYPAL_TOKEN = _j(
    "A21", "AAF", "nK7bYx2Qw9Lp3Zr5Tv8Mc1Jd4Hs6Gf0Ea7Ub2Ik9Ol3Pn5Rq8St1Vw4Xy6Za0Bc3De5Fg7Hi9Jk2Lm"
)
PAYPAL_SECRET = _j(
    "E", "Lq7xN2bV9kR4mT8wZ1cY5hJ3gF6dS0aP7oI2uK9eW4rQ1tX8yB3nM6vC5zL0jH7gD2fA9sE4pR1uT6w"
)
SQUARE_TOKEN = _j("EAAA", "l3Kx9Pq2Rz7Tv4Wm8Yb1Nc6Hd5Jf0Gs3Ae9Uk2Io7Lp4Qr8St1Vw6Xy5Za0B")
SQUARE_LEGACY = _j("sq0atp-", "Kx9Pq2Rz7Tv4Wm8Yb1Nc6H")
CHECKOUT_LIVE = _j("sk_", "m73dzbpy7cf3gfd46xr4yj5xo4e")
CHECKOUT_UUID = _j("sk_", UUID)
CHECKOUT_SBOX = _j("sk_", "sbox_", "m73dzbpy7cf3gfd46xr4yj5xo4e")
GOCARDLESS = _j("live_", "Kx9Pq2Rz7Tv4Wm8Yb1Nc6Hd5Jf0Gs3Ae9Uk2Io7L")
PLAID_SECRET = "7f3a9c1e5b2d8f4a6c0e9b3d7f1a5c"
PLAID_TOKEN = _j("access-", "production-", UUID)
TWILIO_KEY = _j("SK", HEX32)
TWILIO_SID = _j("AC", "3f9a0c2e7b1d4f6a8c0e2b4d6f8a1c3e")

FOUND = [
    ("stripe-live", "app.py", f'stripe.api_key = "{STRIPE_LIVE}"', "stripe-key", STRIPE_LIVE),
    ("stripe-restricted", "app.py", f'KEY = "{STRIPE_RESTRICTED}"', "stripe-key", STRIPE_RESTRICTED),
    ("stripe-test", "app.py", f'KEY = "{STRIPE_TEST}"', "stripe-test-key", STRIPE_TEST),
    ("stripe-whsec", ".env", f"STRIPE_ENDPOINT={WHSEC}", "stripe-webhook-secret", WHSEC),
    ("adyen-api-key", "app.js", f"const client = '{ADYEN}';", "adyen-api-key", ADYEN),
    ("adyen-hmac", "config.yaml", f"adyen_notification_hmac: {HEX64}", "adyen-hmac-key", HEX64),
    ("braintree-token", "pay.rb", f'TOKEN = "{BRAINTREE_TOKEN}"', "braintree-access-token", BRAINTREE_TOKEN),
    ("braintree-private", "settings.py", f'BRAINTREE_PRIVATE_KEY = "{HEX32}"', "braintree-private-key", HEX32),
    ("paypal-token", "paypal.py", f'headers = {{"Authorization": "Bearer {PAYPAL_TOKEN}"}}', "paypal-access-token", PAYPAL_TOKEN),
    ("paypal-secret", "settings.py", f'PAYPAL_CLIENT_SECRET = "{PAYPAL_SECRET}"', "paypal-client-secret", PAYPAL_SECRET),
    ("square-token", "square.ts", f'const token = "{SQUARE_TOKEN}";', "square-access-token", SQUARE_TOKEN),
    ("square-legacy", "square.ts", f'const token = "{SQUARE_LEGACY}";', "square-access-token", SQUARE_LEGACY),
    ("checkout-live", "cko.py", f'CKO_SECRET = "{CHECKOUT_LIVE}"', "checkout-secret-key", CHECKOUT_LIVE),
    ("checkout-uuid", "cko.py", f'CKO_SECRET = "{CHECKOUT_UUID}"', "checkout-secret-key", CHECKOUT_UUID),
    ("checkout-sbox", "cko.py", f'CKO_SECRET = "{CHECKOUT_SBOX}"', "checkout-sandbox-key", CHECKOUT_SBOX),
    ("gocardless", "gc.py", f'GC_TOKEN = "{GOCARDLESS}"', "gocardless-access-token", GOCARDLESS),
    ("plaid-secret", ".env", f"PLAID_SECRET={PLAID_SECRET}", "plaid-secret", PLAID_SECRET),
    ("plaid-token", "plaid.py", f'token = "{PLAID_TOKEN}"', "plaid-secret", PLAID_TOKEN),
    ("twilio-key", "sms.py", f'TWILIO_KEY = "{TWILIO_KEY}"', "twilio-key", TWILIO_KEY),
    ("twilio-auth-url", "sms.sh", f"curl -u {TWILIO_SID}:{HEX32} https://api.twilio.com", "twilio-auth-token", HEX32),
    ("twilio-auth-env", ".env", f"TWILIO_AUTH_TOKEN={HEX32}", "twilio-auth-token", HEX32),
]  # fmt: skip

PLACEHOLDERS = [
    ("stripe-xxx", 'KEY = "sk_live_xxx"'),
    ("stripe-x-run", _j('KEY = "sk_', "live_", "x" * 24, '"')),
    ("stripe-X-run", _j('KEY = "rk_', "live_", "X" * 30, '"')),
    ("stripe-ellipsis", 'KEY = "sk_live_..."'),
    ("stripe-template", 'KEY = "${STRIPE_SECRET_KEY}"'),
    ("stripe-angle", 'KEY = "<your key>"'),
    ("stripe-repeated", _j('KEY = "sk_', "live_", "a" * 12, "b" * 12, '"')),
    ("stripe-low-entropy", _j('KEY = "sk_', "live_", "abab" * 8, '"')),
    ("whsec-filler", _j("STRIPE_ENDPOINT=whsec_", "0" * 32)),
    ("adyen-filler", _j('key = "AQE', "A" * 60, "=-", "B" * 40, '="')),
    ("adyen-hmac-zeros", _j("adyen_hmac: ", "0" * 64)),
    ("braintree-filler", _j('T = "access_token', "$production$", "x" * 16, "$", "0" * 32, '"')),
    ("paypal-filler", _j('T = "A21AA', "x" * 60, '"')),
    ("square-filler", _j('T = "EAAA', "X" * 60, '"')),
    ("square-legacy-filler", _j('T = "sq0atp-', "x" * 22, '"')),
    ("checkout-filler", _j('K = "sk_', "a" * 27, '"')),
    ("checkout-zero-uuid", 'K = "sk_00000000-0000-0000-0000-000000000000"'),
    ("gocardless-filler", _j('T = "live_', "x" * 40, '"')),
    ("plaid-filler", _j("PLAID_SECRET=", "0" * 30)),
    ("twilio-filler", _j('T = "SK', "0" * 32, '"')),
    ("twilio-sid-only", f'ACCOUNT_SID = "{TWILIO_SID}"'),
    ("env-var", 'stripe.api_key = os.environ["STRIPE_SECRET_KEY"]'),
    ("pk-is-public", _j('PK = "pk_', "live_", B62, '"')),
]


def _settings(plugins: list[str] | None = None) -> ScanSettings:
    cfg = config.parse({"plugins": plugins} if plugins else {})
    return ScanSettings(detect_secrets=cfg.detect_secrets_settings(), placeholders=())


def _found(path: str, text: str, settings: ScanSettings) -> set[tuple[str, str]]:
    [hits] = scanner.scan_many([(path, text + "\n")], settings)
    return {(rule_id(BY_TYPE[h.type]), h.value) for h in hits}


PROVIDERS_ONLY = list(config.PROVIDER_PLUGINS)


@pytest.mark.parametrize(
    ("path", "line", "slug", "value"), [c[1:] for c in FOUND], ids=[c[0] for c in FOUND]
)
def test_provider_key_found(path: str, line: str, slug: str, value: str) -> None:
    assert _found(path, line, _settings(PROVIDERS_ONLY)) == {(f"secrets.{slug}", value)}
    # with every default plugin too (the keyword and entropy plugins may add their own)
    assert (f"secrets.{slug}", value) in _found(path, line, _settings())


@pytest.mark.parametrize("line", [c[1] for c in PLACEHOLDERS], ids=[c[0] for c in PLACEHOLDERS])
def test_provider_placeholder_not_found(line: str) -> None:
    assert _found("app.py", line, _settings(PROVIDERS_ONLY)) == set()


@pytest.mark.parametrize(
    ("line", "value"),
    [(c[2], c[4]) for c in FOUND if c[0] not in ("adyen-hmac", "braintree-private", "paypal-secret", "plaid-secret", "twilio-auth-env")],
    ids=[c[0] for c in FOUND if c[0] not in ("adyen-hmac", "braintree-private", "paypal-secret", "plaid-secret", "twilio-auth-env")],
)  # fmt: skip
def test_masking_boundary_knows_the_shapes(line: str, value: str) -> None:
    """Free text (a log line, an error) never shows a provider key, even one no gate found;
    the masked form keeps the last 4 characters. (Bare hex secrets known only from their
    context are masked once a gate found them: the next test.)"""
    text = f"request failed: {line} (retrying)"
    masked = DEFAULT.text(text)
    assert value not in masked
    assert value[-4:] in masked


@pytest.mark.parametrize(
    ("path", "line", "slug", "value"), [c[1:] for c in FOUND], ids=[c[0] for c in FOUND]
)
def test_found_value_is_masked_with_type_and_last4(
    path: str, line: str, slug: str, value: str
) -> None:
    [hits] = scanner.scan_many([(path, line + "\n")], _settings(PROVIDERS_ONLY))
    (hit,) = hits
    finding = to_finding(hit, context_for_masking())
    masker = Masker.from_findings([finding])
    shown = masker.text(f"{line} / {finding.message}")
    assert value not in shown
    assert f"[{slug} ••••{value[-4:]}]" in shown
    assert finding.snippet == f"[{slug} ••••{value[-4:]}]"


def context_for_masking() -> GateContext:
    policy = Policy(sources=(), document={}, digest="0" * 64, fail_on=Severity.HIGH)
    ws = Workspace(root=Path("/nonexistent"), files=())
    return GateContext(
        gate="secrets", config={}, workspace=ws, files=(), policy=policy,
        fingerprint_key=TEST_KEY, now=NOW, base_ref=None, changed_files=None, cache_dir=None,
    )  # fmt: skip


def test_provider_literal_inside_a_call_is_found() -> None:
    """detect-secrets' indirect-reference filter drops `x = f(...)` lines; a provider-shaped
    literal in the call is still a hard-coded key."""
    line = f'client = twilio.Client("{TWILIO_SID}", "{HEX32}")'
    assert _found("sms.py", line, _settings()) >= {("secrets.twilio-auth-token", HEX32)}
    line = f'client = stripe.StripeClient("{STRIPE_LIVE}")'
    assert ("secrets.stripe-key", STRIPE_LIVE) in _found("pay.py", line, _settings())
    # the lookup itself stays filtered
    assert _found("pay.py", "client = stripe.StripeClient(get_key())", _settings()) == set()


@pytest.mark.parametrize(
    ("value", "public"),
    [
        (_j("pk_", "live_", B62), True),
        (_j("pk_", "sbox_", "m73dzbpy7cf3gfd46xr4yj5xo4e"), True),
        (_j("pk_", UUID), True),
        (_j("test_", "U6OJZI3TA5EDFOIMDHPMV2HUTARAZ6WV"), True),
        (_j("sq0idp-", "Kx9Pq2Rz7Tv4Wm8Yb1Nc6H"), True),
        (TWILIO_SID, True),
        (STRIPE_LIVE, False),
        (CHECKOUT_LIVE, False),
        (GOCARDLESS, False),
        (TWILIO_KEY, False),
        (_j(TWILIO_SID, ":", HEX32), False),
    ],
    ids=[
        "stripe-pk", "checkout-pk", "checkout-pk-uuid", "adyen-client-key", "square-app-id",
        "twilio-sid", "stripe-sk", "checkout-sk", "gocardless", "twilio-key", "twilio-pair",
    ],
)  # fmt: skip
def test_public_identifiers(value: str, public: bool) -> None:
    assert is_public_identifier(value) is public
